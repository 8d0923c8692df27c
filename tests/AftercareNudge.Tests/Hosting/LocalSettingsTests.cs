using Microsoft.Extensions.Configuration;
using AftercareNudge.Hosting;

namespace AftercareNudge.Tests.Hosting;

public sealed class LocalSettingsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"local.settings.{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    private Dictionary<string, string?> Read(string json)
    {
        File.WriteAllText(_path, json);
        return LocalSettings.Read(_path);
    }

    [Fact]
    public void Read_DoubleUnderscoreKeys_BecomeConfigurationPaths()
    {
        var values = Read("""
            {
              "IsEncrypted": false,
              "Values": {
                "Twilio__From": "+15005550006",
                "Api__Keys__clinic": "0123456789abcdef",
                "AzureWebJobsStorage": "UseDevelopmentStorage=true"
              }
            }
            """);

        Assert.Equal("+15005550006", values["Twilio:From"]);
        Assert.Equal("0123456789abcdef", values["Api:Keys:clinic"]);
        Assert.Equal("UseDevelopmentStorage=true", values["AzureWebJobsStorage"]);
        Assert.Equal(3, values.Count);
        Assert.DoesNotContain("Twilio__From", values.Keys);
    }

    [Fact]
    public void Read_KeysAreCaseInsensitive_LikeConfiguration()
    {
        var values = Read("""{ "Values": { "Twilio__From": "+15005550006" } }""");

        Assert.Equal("+15005550006", values["twilio:from"]);
    }

    [Fact]
    public void Read_CommentsAndTrailingCommas_AreIgnored()
    {
        var values = Read("""
            {
              // Core Tools tolerates comments.
              "Values": {
                /* the sender */
                "Twilio__From": "+15005550006", // trailing
              },
            }
            """);

        Assert.Equal("+15005550006", Assert.Single(values).Value);
    }

    [Fact]
    public void Read_NoValuesSection_IsEmpty()
    {
        Assert.Empty(Read("""{ "IsEncrypted": false, "Host": { "LocalHttpPort": 7071 } }"""));
    }

    [Fact]
    public void Read_ValuesNotAnObject_IsEmpty()
    {
        Assert.Empty(Read("""{ "Values": "nope" }"""));
    }

    [Fact]
    public void Read_NonStringValues_AreTheirJsonText()
    {
        var values = Read("""{ "Values": { "Hosting__InProcessTimers": false, "Dispatch__BatchSize": 50, "Empty": null } }""");

        Assert.Equal("false", values["Hosting:InProcessTimers"]);
        Assert.Equal("50", values["Dispatch:BatchSize"]);
        Assert.Equal("null", values["Empty"]);
    }

    [Fact]
    public void AddLocalSettings_RanksAboveAppSettingsAndBelowEnvironmentVariables()
    {
        var folder = Path.Combine(Path.GetTempPath(), "local-settings-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var variable = "AFTERCARE_TEST_" + Guid.NewGuid().ToString("N");
            Environment.SetEnvironmentVariable(variable, "environment");
            File.WriteAllText(Path.Combine(folder, LocalSettings.FileName), $$"""
                { "Values": { "FromFileOnly": "file", "{{variable}}": "file", "OverAppSettings": "file" } }
                """);
            var configuration = new ConfigurationManager();
            configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OverAppSettings"] = "appsettings" });
            configuration.AddEnvironmentVariables();

            configuration.AddLocalSettings(folder);

            Assert.Equal("file", configuration["FromFileOnly"]);
            Assert.Equal("environment", configuration[variable]);
            Assert.Equal("file", configuration["OverAppSettings"]);
            Environment.SetEnvironmentVariable(variable, null);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AddLocalSettings_NoFile_ChangesNothing()
    {
        var configuration = new ConfigurationManager();
        var before = configuration.Sources.Count;

        configuration.AddLocalSettings(Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(before, configuration.Sources.Count);
    }
}
