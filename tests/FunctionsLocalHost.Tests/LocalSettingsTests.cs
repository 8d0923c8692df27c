namespace FunctionsLocalHost.Tests;

/// <summary>local.settings.json's <c>Values</c>, read as <c>func start</c> reads them: for what the environment does not already set.</summary>
public sealed class LocalSettingsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"local.settings.{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    private IReadOnlyDictionary<string, string?> Read(string json)
    {
        File.WriteAllText(_path, json);
        return LocalSettings.Read(_path);
    }

    [Fact]
    public void Read_Values_AsTheyAreNamed()
    {
        var values = Read("""{ "IsEncrypted": false, "Values": { "Twilio__From": "+15005550006", "AzureWebJobsStorage": "UseDevelopmentStorage=true" } }""");

        Assert.Equal("+15005550006", values["Twilio__From"]);
        Assert.Equal("UseDevelopmentStorage=true", values["AzureWebJobsStorage"]);
        Assert.Equal(2, values.Count);
    }

    [Fact]
    public void Read_ASettingTheEnvironmentHas_IsLeftToTheEnvironment()
    {
        var name = "LOCAL_HOST_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from the environment");
        try
        {
            var values = Read($$"""{ "Values": { "{{name}}": "from the file", "Other": "x" } }""");

            Assert.False(values.ContainsKey(name));
            Assert.Equal("x", values["Other"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
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

    [Theory]
    [InlineData("""{ "IsEncrypted": false, "Host": { "LocalHttpPort": 7071 } }""")]
    [InlineData("""{ "Values": "nope" }""")]
    [InlineData("""[1, 2]""")]
    public void Read_NoValuesObject_IsEmpty(string json) => Assert.Empty(Read(json));

    [Fact]
    public void Read_NonStringValues_AreTheirJsonText()
    {
        var values = Read("""{ "Values": { "Flag": false, "Size": 50 } }""");

        Assert.Equal("false", values["Flag"]);
        Assert.Equal("50", values["Size"]);
    }

    [Fact]
    public void Read_NoFile_IsEmpty() => Assert.Empty(LocalSettings.Read(_path));
}
