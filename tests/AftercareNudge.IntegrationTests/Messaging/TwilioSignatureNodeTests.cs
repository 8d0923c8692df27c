using System.Text.Json;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging.Sms;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// A second opinion from Twilio's own Node library (<c>twilio</c> from tests/tools) on
/// the app's check (<see cref="TwilioSignature"/>, on the SDK's validator) and on the tests' own signer
/// (<see cref="TwilioWebhook.Signature"/>): both compute and check signatures over the app's public webhook URL.
/// </summary>
public sealed class TwilioSignatureNodeTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    // Reads one JSON request from argv, answers one line: the marker then JSON. Inputs never become code.
    private const string Script = """
        const input = JSON.parse(process.argv[1]);
        const twilio = require(input.module);
        const results = input.cases.map(c => ({
          expected: twilio.getExpectedTwilioSignature(input.token, c.url, c.params),
          valid: twilio.validateRequest(input.token, c.signature, c.validateUrl, c.params),
        }));
        console.log("RESULT " + JSON.stringify(results));
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly PublicOptions Public = new() { BaseUrl = new Uri("https://aftercare-nudge.azurewebsites.net") };

    /// <summary>The URL Twilio is told to call, built as the app builds it.</summary>
    private static string WebhookUrl(string relative = "api/twilio/sms") => Public.Url(relative).OriginalString;

    public static TheoryData<string, string, KeyValuePair<string, string>[]> ParameterSets()
    {
        var data = new TheoryData<string, string, KeyValuePair<string, string>[]>
        {
            {
                "inbound SMS", WebhookUrl(),
                [
                    new("ToCountry", "US"), new("SmsMessageSid", "SM0123456789abcdef0123456789abcdef"), new("NumMedia", "0"),
                    new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("AccountSid", "AC0123456789abcdef0123456789abcdef"),
                    new("From", "+14155550123"), new("To", "+15005550006"), new("Body", "STOP"), new("NumSegments", "1"),
                    new("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"), new("OptOutType", "STOP"), new("ApiVersion", "2010-04-01"),
                ]
            },
            {
                "unicode", WebhookUrl(),
                [new("Body", "Merci 👍 — ça va? 日本語 Ωmega"), new("Ünïcödé", "naïve café"), new("From", "+33612345678"), new("Emoji🙂", "🙂🙃")]
            },
            {
                "plus signs and form-like characters", WebhookUrl(),
                [new("From", "+14155550123"), new("Body", "1+1=2 & a%20b + c=d&e"), new("Plus+Name", "+"), new("Amp&Name", "=")]
            },
            {
                "spaces", WebhookUrl(),
                [new("Body", "  stop texting me  "), new("With Space", " "), new(" Leading", "trailing ")]
            },
            {
                "empty values", WebhookUrl(),
                [new("Body", ""), new("OptOutType", ""), new("MediaUrl0", ""), new("NumMedia", "0"), new("", "empty name")]
            },
            {
                "names differing only in case", WebhookUrl(),
                [new("body", "lower"), new("Body", "upper"), new("BODY", "shout"), new("a", "1"), new("A", "2"), new("_", "3"), new("Z", "4"), new("CallSid", "x"), new("Caller", "y")]
            },
            {
                "repeated names", WebhookUrl(),
                [new("MediaUrl", "https://example.com/b"), new("MediaUrl", "https://example.com/A"), new("MediaUrl", "https://example.com/a"), new("To", "+15005550006")]
            },
            {
                "query string and status callback", WebhookUrl("api/twilio/status?checkIn=ci_123&event=ev%20456&x=a+b"),
                [new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("MessageStatus", "delivered"), new("ErrorCode", "")]
            },
            { "no parameters", WebhookUrl(), [] },
        };

        for (var seed = 1; seed <= 6; seed++)
        {
            data.Add($"random #{seed}", WebhookUrl(), RandomParameters(new Random(seed)));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public async Task Compute_VariedParameters_SameAsTwilioNodeLibrary(string name, string url, KeyValuePair<string, string>[] parameters)
    {
        var ours = TwilioWebhook.Signature(Token, url, parameters);

        var node = await RunNodeAsync(new { url, validateUrl = url, signature = ours, @params = NodeParams(parameters) });

        Assert.True(ours == node.Expected, $"{name}: ours {ours}, Twilio's Node library {node.Expected}");
        Assert.True(node.Valid, $"{name}: Twilio's Node library refused our signature {ours}");
        Assert.True(TwilioSignature.IsValid(Token, url, parameters, node.Expected), $"{name}: we refused the Node library's signature");
    }

    [Theory]
    [InlineData("https://aftercare-nudge.azurewebsites.net:443/api/twilio/sms", "https://aftercare-nudge.azurewebsites.net/api/twilio/sms")]
    [InlineData("https://aftercare-nudge.azurewebsites.net/api/twilio/sms", "https://aftercare-nudge.azurewebsites.net:443/api/twilio/sms")]
    [InlineData("http://localhost:80/api/twilio/sms?a=1", "http://localhost/api/twilio/sms?a=1")]
    [InlineData("http://localhost/api/twilio/sms?a=1", "http://localhost:80/api/twilio/sms?a=1")]
    public async Task IsValid_PortVariant_AgreesWithTwilioNodeLibrary(string signedUrl, string requestUrl)
    {
        KeyValuePair<string, string>[] parameters = [new("From", "+14155550123"), new("Body", "Yes please")];
        var signature = TwilioWebhook.Signature(Token, signedUrl, parameters);

        var node = await RunNodeAsync(new { url = signedUrl, validateUrl = requestUrl, signature, @params = NodeParams(parameters) });

        Assert.Equal(signature, node.Expected);
        Assert.True(node.Valid, "Twilio's Node library refused the port variant");
        Assert.True(TwilioSignature.IsValid(Token, requestUrl, parameters, signature), "we refused the port variant");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IsValid_ConfiguredUrlCarriesConnectionOverrides_SignedWithOrWithoutTheFragment_IsAccepted(bool signedWithFragment)
    {
        KeyValuePair<string, string>[] parameters = [new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("From", "+14155550123"), new("Body", "stop texting me")];
        var configured = WebhookUrl() + TwilioWebhooks.InboundSmsConnectionOverrides;
        var signedUrl = signedWithFragment ? configured : WebhookUrl();

        var node = await RunNodeAsync(new { url = signedUrl, validateUrl = signedUrl, signature = "", @params = NodeParams(parameters) });

        // The request never carries the fragment: the app checks the URL it was called at, and that URL with the overrides.
        Assert.True(
            TwilioSignature.IsValid(Token, WebhookUrl(), parameters, node.Expected, TwilioWebhooks.InboundSmsConnectionOverrides),
            $"we refused Twilio's Node library's signature of {signedUrl}");
        Assert.Equal(!signedWithFragment, TwilioSignature.IsValid(Token, WebhookUrl(), parameters, node.Expected));
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("value")]
    [InlineData("url")]
    public async Task IsValid_Tampered_BothRefuse(string tamper)
    {
        KeyValuePair<string, string>[] parameters = [new("From", "+14155550123"), new("Body", "YES")];
        var url = WebhookUrl();
        var signature = TwilioWebhook.Signature(Token, url, parameters);
        var (checkedUrl, checkedParameters, checkedSignature) = tamper switch
        {
            "signature" => (url, parameters, TwilioWebhook.Signature("another-token", url, parameters)),
            "value" => (url, [new("From", "+14155550124"), parameters[1]], signature),
            _ => (WebhookUrl("api/twilio/status"), parameters, signature),
        };

        var node = await RunNodeAsync(new { url = checkedUrl, validateUrl = checkedUrl, signature = checkedSignature, @params = NodeParams(checkedParameters) });

        Assert.False(node.Valid, "Twilio's Node library accepted a tampered request");
        Assert.False(TwilioSignature.IsValid(Token, checkedUrl, checkedParameters, checkedSignature), "we accepted a tampered request");
    }

    /// <summary>The parameters as the Node library takes them: an object, an array for a repeated name.</summary>
    private static Dictionary<string, object> NodeParams(IEnumerable<KeyValuePair<string, string>> parameters) =>
        parameters.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => g.Count() == 1 ? (object)g.Single().Value : g.Select(p => p.Value).ToArray(),
            StringComparer.Ordinal);

    private static KeyValuePair<string, string>[] RandomParameters(Random random)
    {
        // Surrogate pairs stay whole: a lone surrogate has no UTF-8 form.
        string[] pieces = ["a", "B", "z", "Z", "0", "9", "+", " ", "&", "=", "%", "%20", "?", "/", "_", "-", ".", "é", "É", "ß", "ø", "中", "😀", "👍🏽", "\u00A0", "\n", "\"", "'", "\\"];
        string Text(int maxLength) => string.Concat(Enumerable.Range(0, random.Next(maxLength + 1)).Select(_ => pieces[random.Next(pieces.Length)]));

        var names = new HashSet<string>(StringComparer.Ordinal);
        var count = random.Next(1, 12);
        while (names.Count < count)
        {
            names.Add(Text(8) is { Length: > 0 } n ? n : "x");
        }

        return names.Select(n => KeyValuePair.Create(n, Text(20))).ToArray();
    }

    private static async Task<NodeResult> RunNodeAsync(object testCase)
    {
        var module = Repository.TestTool("twilio");
        Assert.True(File.Exists(Path.Combine(module, "package.json")), $"Twilio's Node library is not installed ({module}): run 'npm ci' in tests/tools first (the integration test project's build does).");
        var input = JsonSerializer.Serialize(new { module, token = Token, cases = new[] { testCase } }, Json);

        await using var node = ChildProcess.Start("node", ["-e", Script, input], Repository.Root);
        await node.WaitUntilExitAsync(TimeSpan.FromSeconds(30));

        var line = node.Output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        Assert.True(line is not null, $"node gave no result:\n{node.Output}");
        return JsonSerializer.Deserialize<NodeResult[]>(line["RESULT ".Length..], Json)!.Single();
    }

    private sealed record NodeResult(string Expected, bool Valid);
}
