using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AftercareNudge.IntegrationTests.Deployment;

/// <summary>
/// Every template under infra/ compiles and lints clean with the pinned Bicep compiler, and the compiled
/// ARM template holds what keeps the deployment safe: identity-only access, Flex and the .NET isolated runtime,
/// secrets only as Key Vault references, and no role broader than the app needs.
/// </summary>
public sealed partial class BicepTemplateTests(BicepTemplateTests.CompiledTemplate compiled) : IClassFixture<BicepTemplateTests.CompiledTemplate>
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string Owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    private const string Contributor = "b24988ac-6180-42dd-ab8b-4368b19c7b17";

    public static TheoryData<string> Templates()
    {
        var files = Directory.EnumerateFiles(Bicep.InfraDirectory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".bicep", StringComparison.Ordinal) || f.EndsWith(".bicepparam", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Bicep.InfraDirectory, f))
            .Order(StringComparer.Ordinal);
        return [.. files];
    }

    [Fact]
    public void Infra_HoldsTheMainTemplateAndItsParameters()
    {
        var templates = Templates().Select(row => (string)row.Data).ToList();
        Assert.Contains("main.bicep", templates);
        Assert.Contains("main.bicepparam", templates);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Template_CompilesAndLints_WithNoErrorOrWarning(string template)
    {
        var build = await compiled.BuildAsync(template);
        Assert.True(build.ExitCode == 0, $"bicep build failed for {template}:\n{build.Output}");
        Assert.Empty(Bicep.Diagnostics(build.Output));

        var lint = await Bicep.RunAsync("lint", template);
        Assert.True(lint.ExitCode == 0, $"bicep lint failed for {template}:\n{lint.Output}");
        Assert.Empty(Bicep.Diagnostics(lint.Output));
    }

    /// <summary>The check above can fail: the same compiler, config and parsing catch an outdated API version.</summary>
    [Fact]
    public async Task Lint_WithTheInfraConfig_ReportsAnOutdatedApiVersion()
    {
        var scratch = Directory.CreateTempSubdirectory("aftercare-bicep-lint-");
        try
        {
            File.Copy(Path.Combine(Bicep.InfraDirectory, "bicepconfig.json"), Path.Combine(scratch.FullName, "bicepconfig.json"));
            var template = Path.Combine(scratch.FullName, "old.bicep");
            await File.WriteAllTextAsync(
                template,
                """
                resource storage 'Microsoft.Storage/storageAccounts@2021-02-01' existing = {
                  name: 'stexample'
                }

                output id string = storage.id

                """,
                TestContext.Current.CancellationToken);

            var lint = await Bicep.RunAsync("lint", template);

            Assert.Contains(Bicep.Diagnostics(lint.Output), line => line.Contains("use-recent-api-versions", StringComparison.Ordinal));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public void Storage_RefusesSharedKeysAndPlainHttp()
    {
        var storage = compiled.Single("Microsoft.Storage/storageAccounts")["properties"]!;

        Assert.False((bool)storage["allowSharedKeyAccess"]!);
        Assert.Equal("TLS1_2", (string?)storage["minimumTlsVersion"]);
        Assert.True((bool)storage["supportsHttpsTrafficOnly"]!);
        Assert.False((bool)storage["allowBlobPublicAccess"]!);
        Assert.Equal("None", (string?)compiled.Single("Microsoft.Storage/storageAccounts/blobServices/containers")["properties"]!["publicAccess"]);
    }

    [Fact]
    public void FunctionApp_RunsOnFlexConsumption_WithItsOwnIdentity()
    {
        var plan = compiled.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True((bool)plan["properties"]!["reserved"]!);

        var app = compiled.Single("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", (string?)app["kind"]);
        Assert.Equal("SystemAssigned", (string?)app["identity"]!["type"]);
        Assert.True((bool)app["properties"]!["httpsOnly"]!);
        var config = app["properties"]!["functionAppConfig"]!;
        Assert.Equal("blobContainer", (string?)config["deployment"]!["storage"]!["type"]);
        Assert.Equal("SystemAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.Equal(100, compiled.ParameterDefault<int>((string)config["scaleAndConcurrency"]!["maximumInstanceCount"]!));
        Assert.Equal(2048, compiled.ParameterDefault<int>((string)config["scaleAndConcurrency"]!["instanceMemoryMB"]!));
    }

    [Fact]
    public void SendQueue_AndItsPoisonQueue_AreCreated_NamedAsTheAppNamesThem_AndOneInstanceStaysReadyForTheSendFunction()
    {
        var queues = compiled.Single("Microsoft.Storage/storageAccounts/queueServices/queues");
        var variables = compiled.Template["variables"]!;

        Assert.Equal("[toLower(format('{0}sends', parameters('tablePrefix')))]", (string?)variables["sendQueueName"]);
        var copied = (string)queues["copy"]!["count"]!;
        Assert.Contains("variables('sendQueueName')", copied, StringComparison.Ordinal);
        Assert.Contains("-poison", copied, StringComparison.Ordinal);
        Assert.Equal("app", compiled.ParameterDefault<string>("[parameters('tablePrefix')]"));
        Assert.Equal(1, (int)compiled.Template["parameters"]!["tablePrefix"]!["minLength"]!);
        Assert.Contains("parameters('tablePrefix')", compiled.AppSettingExpression("Storage__TablePrefix"), StringComparison.Ordinal);
        var ready = compiled.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["alwaysReady"]!.ToString();
        Assert.Contains("function:SendCheckIn", ready, StringComparison.Ordinal);
        Assert.Equal(1, compiled.ParameterDefault<int>("[parameters('sendAlwaysReady')]"));
    }

    [Fact]
    public void FunctionApp_RunsTheDotnetIsolatedRuntime_OnNet10()
    {
        var runtime = compiled.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["runtime"]!;

        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal("10.0", (string?)runtime["version"]);
    }

    [Theory]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("WEBSITE_CONTENTSHARE")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("WEBSITE_TIME_ZONE")]
    [InlineData("TZ")]
    [InlineData("linuxFxVersion")]
    [InlineData("AzureWebJobsStorage")]
    public void Template_SetsNoSettingFlexDeprecatesNorAStorageConnectionString(string setting)
    {
        // As a setting name in the app settings expression ('NAME', value) or as a JSON property ("NAME": ...).
        Assert.DoesNotContain($"'{setting}'", compiled.Text, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"{setting}\"", compiled.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__credential", "'managedidentity'")]
    [InlineData("AzureWebJobsStorage__blobServiceUri", ".primaryEndpoints.blob")]
    [InlineData("AzureWebJobsStorage__queueServiceUri", ".primaryEndpoints.queue")]
    [InlineData("AzureWebJobsStorage__tableServiceUri", ".primaryEndpoints.table")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING", ".ConnectionString")]
    [InlineData("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "'Authorization=AAD'")]
    [InlineData("Public__BaseUrl", "format('https://{0}', reference(resourceId('Microsoft.Web/sites'")]
    [InlineData("Twilio__AccountSid", "parameters('twilioAccountSid')")]
    [InlineData("SendGrid__From", "parameters('sendGridFrom')")]
    [InlineData("Service__Contact", "parameters('serviceContact')")]
    [InlineData("AzureWebJobsDisableHomepage", "'true'")] // the app serves / itself, not the host's home page
    public void AppSettings_HoldEachSettingTheAppReads(string setting, string value)
    {
        Assert.Contains(value, compiled.AppSettingExpression(setting), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Twilio__From", "twilioFrom")]
    [InlineData("Twilio__MessagingServiceSid", "twilioMessagingServiceSid")]
    [InlineData("Messaging__AllowedCountries", "messagingAllowedCountries")]
    [InlineData("SendGrid__EventWebhookPublicKey", "sendGridEventWebhookPublicKey")]
    public void AppSettings_HoldOptionalSettings_OnlyWhenGiven(string setting, string parameter)
    {
        var optional = (string)compiled.Template["variables"]!["optionalSettings"]!;

        Assert.Contains($"if(empty(parameters('{parameter}')), createObject(), createObject('{setting}', parameters('{parameter}')))", optional, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Twilio__AuthToken", "twilio-auth-token", "twilioAuthToken")]
    [InlineData("SendGrid__ApiKey", "sendgrid-api-key", "sendGridApiKey")]
    public void Secrets_ReachTheApp_OnlyAsKeyVaultReferences(string setting, string secretName, string parameter)
    {
        Assert.Equal("@Microsoft.KeyVault(SecretUri={0})", (string?)compiled.Template["variables"]!["keyVaultReference"]);
        Assert.Equal(
            $"format(variables('keyVaultReference'), reference(resourceId('Microsoft.KeyVault/vaults/secrets', variables('keyVaultName'), '{secretName}'), '2026-05-15').secretUri)",
            compiled.AppSettingExpression(setting));

        Assert.Equal("securestring", (string?)compiled.Template["parameters"]![parameter]!["type"]);
        var secret = compiled.Resources("Microsoft.KeyVault/vaults/secrets").Single(s => ((string)s["name"]!).Contains($"'{secretName}'", StringComparison.Ordinal));
        Assert.Equal($"[parameters('{parameter}')]", (string?)secret["properties"]!["value"]);
        Assert.DoesNotContain($"parameters('{parameter}')", compiled.AppSettingsExpression, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiKeys_ReachTheApp_OnlyAsKeyVaultReferences_OnePerClient()
    {
        Assert.Equal("secureObject", (string?)compiled.Template["parameters"]!["apiKeys"]!["type"]);
        var secrets = compiled.Resources("Microsoft.KeyVault/vaults/secrets").Single(s => s["copy"] is not null && ((string)s["name"]!).Contains("'api-key-", StringComparison.Ordinal));
        Assert.Equal("[format('{0}/{1}', variables('keyVaultName'), format('api-key-{0}', items(parameters('apiKeys'))[copyIndex()].key))]", (string?)secrets["name"]);
        Assert.Equal("[items(parameters('apiKeys'))[copyIndex()].value]", (string?)secrets["properties"]!["value"]);

        var settings = (string)compiled.Template["variables"]!["apiKeySettings"]!;
        Assert.Equal(
            "[toObject(items(parameters('apiKeys')), lambda('client', format('Api__Keys__{0}', lambdaVariables('client').key)), lambda('client', format(variables('keyVaultReference'), format('{0}/secrets/api-key-{1}', variables('vaultUrl'), lambdaVariables('client').key))))]",
            settings);
        Assert.Contains("variables('apiKeySettings')", compiled.AppSettingsExpression, StringComparison.Ordinal);
        Assert.Equal("[format('https://{0}{1}', variables('keyVaultName'), environment().suffixes.keyvaultDns)]", (string?)compiled.Template["variables"]!["vaultUrl"]);
    }

    [Fact]
    public void Webhooks_SecretsReachTheApp_OnlyAsKeyVaultReferences_AndNoneByDefault()
    {
        var parameter = compiled.Template["parameters"]!["webhooks"]!;
        Assert.Equal("secureObject", (string?)parameter["type"]);
        Assert.Empty(parameter["defaultValue"]!.AsObject());
        var secrets = compiled.Resources("Microsoft.KeyVault/vaults/secrets").Single(s => ((string)s["name"]!).Contains("'webhook-secret-", StringComparison.Ordinal));
        Assert.Equal("[items(parameters('webhooks'))[copyIndex()].value.secret]", (string?)secrets["properties"]!["value"]);

        var settings = (string)compiled.Template["variables"]!["webhookSettings"]!;
        Assert.Contains("Api__Webhooks__{0}__Url", settings, StringComparison.Ordinal);
        Assert.Contains("format('Api__Webhooks__{0}__Secret', lambdaVariables('client').key), format(variables('keyVaultReference'), format('{0}/secrets/webhook-secret-{1}', variables('vaultUrl'), lambdaVariables('client').key))", settings, StringComparison.Ordinal);
        Assert.DoesNotContain(".value.secret", settings, StringComparison.Ordinal);
        Assert.Contains("variables('webhookSettings')", compiled.AppSettingsExpression, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyVault_UsesRbac_SoftDelete_AndPurgeProtectionByDefault()
    {
        var vault = compiled.Single("Microsoft.KeyVault/vaults")["properties"]!;

        Assert.True((bool)vault["enableRbacAuthorization"]!);
        Assert.True((bool)vault["enableSoftDelete"]!);
        Assert.Equal("[if(parameters('keyVaultPurgeProtection'), true(), null())]", (string?)vault["enablePurgeProtection"]);
        Assert.True((bool)compiled.Template["parameters"]!["keyVaultPurgeProtection"]!["defaultValue"]!);
    }

    [Fact]
    public void ApplicationInsights_AcceptsOnlyEntraIdIngestion_OnALogAnalyticsWorkspace()
    {
        var insights = compiled.Single("Microsoft.Insights/components")["properties"]!;
        Assert.True((bool)insights["DisableLocalAuth"]!);
        Assert.StartsWith("[resourceId('Microsoft.OperationalInsights/workspaces'", (string?)insights["WorkspaceResourceId"], StringComparison.Ordinal);
        Assert.True((bool)compiled.Single("Microsoft.OperationalInsights/workspaces")["properties"]!["features"]!["disableLocalAuth"]!);
    }

    [Fact]
    public void RoleAssignments_GiveTheAppsIdentityExactlyItsRoles_OnEachResourceAndNothingBroader()
    {
        var granted = new List<(string Scope, string Role)>();
        foreach (var assignment in compiled.Resources("Microsoft.Authorization/roleAssignments"))
        {
            var scope = (string?)assignment["scope"];
            Assert.NotNull(scope); // an assignment without a scope would apply to the whole resource group
            var scopeType = ScopeType().Match(scope).Groups["type"].Value;
            Assert.Equal("[reference(resourceId('Microsoft.Web/sites', variables('appName')), '2025-03-01', 'full').identity.principalId]", (string?)assignment["properties"]!["principalId"]);
            Assert.Equal("ServicePrincipal", (string?)assignment["properties"]!["principalType"]);
            granted.AddRange(compiled.RoleIds((string)assignment["properties"]!["roleDefinitionId"]!).Select(role => (scopeType, role)));
        }

        (string, string)[] expected =
            [
                ("Microsoft.Insights/components", MonitoringMetricsPublisher),
                ("Microsoft.KeyVault/vaults", KeyVaultSecretsUser),
                ("Microsoft.Storage/storageAccounts", StorageBlobDataOwner),
                ("Microsoft.Storage/storageAccounts", StorageQueueDataContributor),
                ("Microsoft.Storage/storageAccounts", StorageTableDataContributor),
            ];
        Assert.Equal(expected.Order(), granted.Order());
        Assert.DoesNotContain(Owner, compiled.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Contributor, compiled.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("appUrl", "")]
    [InlineData("twilioSmsWebhookUrl", "/api/twilio/sms" + AftercareNudge.Messaging.Sms.TwilioWebhooks.InboundSmsConnectionOverrides)]
    [InlineData("sendGridEventWebhookUrl", "/api/sendgrid/events")]
    public void Outputs_GiveTheUrlsToPasteIntoTheConsoles(string output, string path)
    {
        var value = (string)compiled.Template["outputs"]![output]!["value"]!;
        var appUrl = "format('https://{0}', reference(resourceId('Microsoft.Web/sites', variables('appName')), '2025-03-01').defaultHostName)";

        Assert.Equal(path.Length == 0 ? $"[{appUrl}]" : $"[format('{{0}}{path}', {appUrl})]", value);
    }

    [Fact]
    public void Parameters_ComeFromTheEnvironment_SoNoSecretIsWrittenInTheRepository()
    {
        var parameters = compiled.Parameters["parameters"]!;

        Assert.Equal(Bicep.ParameterEnvironment["TWILIO_AUTH_TOKEN"], (string?)parameters["twilioAuthToken"]!["value"]);
        Assert.Equal(Bicep.ParameterEnvironment["SENDGRID_API_KEY"], (string?)parameters["sendGridApiKey"]!["value"]);
        Assert.Equal(Bicep.ParameterEnvironment["AFTERCARE_API_KEY"], (string?)parameters["apiKeys"]!["value"]!["main"]);
        Assert.Equal(Bicep.ParameterEnvironment["TWILIO_ACCOUNT_SID"], (string?)parameters["twilioAccountSid"]!["value"]);
    }

    [GeneratedRegex(@"^\[resourceId\('(?<type>[^']+)'")]
    private static partial Regex ScopeType();

    /// <summary>Every template compiled once for the class (the compiler takes seconds to start); main.bicep's ARM JSON read back.</summary>
    public sealed partial class CompiledTemplate : IAsyncLifetime
    {
        private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("aftercare-arm-");
        private readonly ConcurrentDictionary<string, Lazy<Task<(int ExitCode, string Output)>>> _builds = new(StringComparer.Ordinal);

        public JsonObject Template { get; private set; } = [];

        public JsonObject Parameters { get; private set; } = [];

        public string Text { get; private set; } = "";

        /// <summary>The expression that writes the app settings (the properties of <c>sites/config</c> 'appsettings').</summary>
        public string AppSettingsExpression =>
            (string)Resources("Microsoft.Web/sites/config").Single(r => ((string)r["name"]!).Contains("'appsettings'", StringComparison.Ordinal))["properties"]!;

        /// <summary>Compiles a template under infra/ (once) into a scratch folder: ARM JSON, or parameters JSON for a .bicepparam.</summary>
        public Task<(int ExitCode, string Output)> BuildAsync(string template) =>
            _builds.GetOrAdd(template, t => new Lazy<Task<(int, string)>>(() =>
            {
                var output = Path.Combine(_output.FullName, t.Replace('/', '_') + ".json");
                return t.EndsWith(".bicepparam", StringComparison.Ordinal)
                    ? Bicep.RunAsync("build-params", t, "--outfile", output)
                    : Bicep.RunAsync("build", t, "--outfile", output);
            })).Value;

        public async ValueTask InitializeAsync()
        {
            var builds = await Task.WhenAll(BuildAsync("main.bicep"), BuildAsync("main.bicepparam"));
            Assert.All(builds, build => Assert.True(build.ExitCode == 0, build.Output));

            Text = await File.ReadAllTextAsync(Path.Combine(_output.FullName, "main.bicep.json"));
            Template = JsonNode.Parse(Text)!.AsObject();
            Parameters = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_output.FullName, "main.bicepparam.json")))!.AsObject();
        }

        public ValueTask DisposeAsync()
        {
            _output.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }

        public IEnumerable<JsonNode> Resources(string type) =>
            Template["resources"]!.AsArray().Where(r => (string?)r!["type"] == type).Select(r => r!);

        public JsonNode Single(string type) => Assert.Single(Resources(type));

        /// <summary>The value expression written for one app setting: <c>'Name', &lt;expression&gt;</c> in the createObject call.</summary>
        public string AppSettingExpression(string setting)
        {
            var expression = AppSettingsExpression;
            var start = expression.IndexOf($"'{setting}', ", StringComparison.Ordinal);
            Assert.True(start >= 0, $"The app settings do not set {setting}: {expression}");
            start += setting.Length + 4;

            // The value runs to the comma that closes it at the same nesting depth.
            var depth = 0;
            var quoted = false;
            for (var i = start; i < expression.Length; i++)
            {
                var c = expression[i];
                if (c == '\'')
                {
                    quoted = !quoted;
                }
                else if (!quoted && c == '(')
                {
                    depth++;
                }
                else if (!quoted && (c == ')' || c == ',') && depth == 0)
                {
                    return expression[start..i];
                }
                else if (!quoted && c == ')')
                {
                    depth--;
                }
            }

            throw new InvalidOperationException($"Cannot read the value of {setting} in {expression}");
        }

        /// <summary>A parameter's default, given the expression <c>[parameters('x')]</c> that uses it.</summary>
        public T ParameterDefault<T>(string expression)
        {
            var name = ParameterReference().Match(expression).Groups["name"].Value;
            Assert.False(string.IsNullOrEmpty(name), $"{expression} is not a parameter.");
            return Template["parameters"]![name]!["defaultValue"]!.GetValue<T>();
        }

        /// <summary>The role definition GUIDs a roleDefinitionId expression names, through the template's variables.</summary>
        public IEnumerable<string> RoleIds(string roleDefinitionId)
        {
            var argument = RoleDefinitionArgument().Match(roleDefinitionId).Groups["argument"].Value;
            var roles = Template["variables"]!["roles"]!.AsObject();
            string Resolve(string reference)
            {
                var match = RoleVariable().Match(reference);
                Assert.True(match.Success, $"Unrecognised role reference {reference}");
                return (string)roles[match.Groups["role"].Value]!;
            }

            if (argument == "variables('storageRoles')[copyIndex()]")
            {
                return [.. Template["variables"]!["storageRoles"]!.AsArray().Select(r => Resolve((string)r!))];
            }

            return [Resolve(argument)];
        }

        [GeneratedRegex(@"^\[parameters\('(?<name>\w+)'\)\]$")]
        private static partial Regex ParameterReference();

        [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', (?<argument>.+)\)\]$")]
        private static partial Regex RoleDefinitionArgument();

        [GeneratedRegex(@"^\[?variables\('roles'\)\.(?<role>\w+)\]?$")]
        private static partial Regex RoleVariable();
    }
}
