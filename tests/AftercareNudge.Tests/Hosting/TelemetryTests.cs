using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http;

namespace AftercareNudge.Tests.Hosting;

public sealed class TelemetryTests
{
    private static readonly HashSet<string> TimerPaths = new(StringComparer.OrdinalIgnoreCase) { "/DispatchDueCheckIns" };

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

    [Theory]
    [InlineData("POST", "/DispatchDueCheckIns")]
    [InlineData("POST", "/api/events")]
    public void InvocationId_FromTheHost_IsTheHostsOwn(string method, string path)
    {
        var request = Request(method, path);
        request.Headers[InvocationScopeStartupFilter.InvocationIdHeader] = "7d3c1f0e-5a4b-4c2d-9e8f-0123456789ab";

        Assert.Equal("7d3c1f0e-5a4b-4c2d-9e8f-0123456789ab", InvocationScopeStartupFilter.InvocationId(request, TimerPaths));
    }

    [Fact]
    public void InvocationId_TimerFiredWithoutTheHostsId_IsANewGuidEachTime()
    {
        var first = InvocationScopeStartupFilter.InvocationId(Request("POST", "/dispatchduecheckins"), TimerPaths);
        var second = InvocationScopeStartupFilter.InvocationId(Request("POST", "/DispatchDueCheckIns"), TimerPaths);

        Assert.True(Guid.TryParse(first, out _));
        Assert.True(Guid.TryParse(second, out _));
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("GET", "/DispatchDueCheckIns")]
    [InlineData("POST", "/api/twilio/sms")]
    public void InvocationId_AnyOtherRequestWithoutTheHostsId_IsItsTraceIdentifier(string method, string path)
    {
        var request = Request(method, path);

        Assert.Equal("trace-0HN1:00000001", InvocationScopeStartupFilter.InvocationId(request, TimerPaths));
    }

    private static HttpRequest Request(string method, string path)
    {
        var context = new DefaultHttpContext { TraceIdentifier = "trace-0HN1:00000001" };
        context.Request.Method = method;
        context.Request.Path = path;
        return context.Request;
    }
}
