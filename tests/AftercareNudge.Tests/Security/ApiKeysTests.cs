using AftercareNudge.Security;

namespace AftercareNudge.Tests.Security;

public sealed class ApiKeysTests
{
    private const string ClinicKey = "clinic-0123456789abcdef";
    private const string StudioKey = "studio-0123456789abcdef";

    private static ApiKeyOptions Options()
    {
        var options = new ApiKeyOptions();
        options.Keys["clinic"] = ClinicKey;
        options.Keys["studio"] = StudioKey;
        return options;
    }

    [Fact]
    public void Problems_LongDistinctKeys_IsFine()
    {
        Assert.Empty(Options().Problems());
    }

    [Fact]
    public void Problems_NoKeys_SaysOneIsRequired()
    {
        var problem = Assert.Single(new ApiKeyOptions().Problems());

        Assert.Contains("Api__Keys__<client>", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_ShortKey_NamesThatClientsSetting()
    {
        var options = Options();
        options.Keys["tiny"] = "short";

        var problem = Assert.Single(options.Problems());
        Assert.StartsWith("Api:Keys:tiny must be at least 16 characters", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_SharedKey_NamesBothSettings()
    {
        var options = Options();
        options.Keys["copy"] = ClinicKey;

        var problem = Assert.Single(options.Problems());
        Assert.Contains("Api:Keys:clinic", problem, StringComparison.Ordinal);
        Assert.Contains("Api:Keys:copy", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_ShortOperatorKey_SaysHowLong()
    {
        var options = Options();
        options.OperatorKey = "operator-0123456789";

        var problem = Assert.Single(options.Problems());
        Assert.StartsWith("Api:OperatorKey must be at least 32 characters", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_OperatorKeyAClientHas_NamesThatClient()
    {
        var options = Options();
        options.Keys["long"] = "a-client-key-that-is-long-enough-0123456789";
        options.OperatorKey = "a-client-key-that-is-long-enough-0123456789";

        var problem = Assert.Single(options.Problems());
        Assert.Contains("Api:Keys:long", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void IsOperator_OnlyTheOperatorsKey_AndNeverWithNoneSet()
    {
        var options = Options();

        Assert.False(ApiKeyExtensions.IsOperator(options, ""));
        Assert.False(ApiKeyExtensions.IsOperator(options, ClinicKey));
        options.OperatorKey = "operator-key-0123456789-0123456789-abcdef";
        Assert.True(ApiKeyExtensions.IsOperator(options, "operator-key-0123456789-0123456789-abcdef"));
        Assert.False(ApiKeyExtensions.IsOperator(options, ClinicKey));
    }

    [Fact]
    public void FindClient_RightKey_IsThatClient()
    {
        Assert.Equal(new ApiClient("clinic"), ApiKeyExtensions.FindClient(Options(), ClinicKey));
        Assert.Equal(new ApiClient("studio"), ApiKeyExtensions.FindClient(Options(), StudioKey));
    }

    [Theory]
    [InlineData("")]
    [InlineData("clinic")]
    [InlineData("clinic-0123456789abcde")]
    [InlineData("CLINIC-0123456789ABCDEF")]
    [InlineData("clinic-0123456789abcdef ")]
    public void FindClient_WrongOrEmptyKey_IsNull(string presented)
    {
        Assert.Null(ApiKeyExtensions.FindClient(Options(), presented));
    }

    [Fact]
    public void FindClient_NoKeysConfigured_IsNull()
    {
        Assert.Null(ApiKeyExtensions.FindClient(new ApiKeyOptions(), ClinicKey));
    }
}
