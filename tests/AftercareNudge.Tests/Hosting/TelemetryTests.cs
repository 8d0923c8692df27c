using AftercareNudge.Hosting;

namespace AftercareNudge.Tests.Hosting;

public sealed class TelemetryTests
{

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void ReadAuthentication_NotSet_IsTheConnectionStringsKeyAlone(string? value) =>
        Assert.Null(Telemetry.ReadAuthentication(value));

    [Theory]
    [InlineData("Authorization=AAD", null)]
    [InlineData("authorization = aad ;", null)]
    [InlineData("Authorization=AAD;ClientId=0b7c6c1e-0000-4000-8000-000000000001", "0b7c6c1e-0000-4000-8000-000000000001")]
    [InlineData("ClientId=abc; Authorization=AAD", "abc")]
    public void ReadAuthentication_Aad_IsEntraIdWithTheGivenIdentity(string value, string? clientId)
    {
        var authentication = Telemetry.ReadAuthentication(value);

        Assert.NotNull(authentication);
        Assert.Equal(clientId, authentication.ClientId);
        Assert.NotNull(authentication.Credential());
    }

    [Theory]
    [InlineData("Authorization=Key")]
    [InlineData("AAD")]
    [InlineData("ClientId=abc")]
    public void ReadAuthentication_AnythingElse_StopsTheStartNamingTheSetting(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Telemetry.ReadAuthentication(value));

        Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be 'Authorization=AAD'", error.Message, StringComparison.Ordinal);
    }
}
