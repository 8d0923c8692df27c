using System.Net;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http;

namespace AftercareNudge.Tests.Security;

public sealed class RateLimitsTests
{
    /// <summary>Every HTTP function says which limit it counts against, and says what the table of limits says.</summary>
    [Theory]
    [InlineData("RegisterEvent", RateLimits.Limited.Management)]
    [InlineData("ListEvents", RateLimits.Limited.Management)]
    [InlineData("GetEvent", RateLimits.Limited.Management)]
    [InlineData("ChangeEvent", RateLimits.Limited.Management)]
    [InlineData("CancelEvent", RateLimits.Limited.Management)]
    [InlineData("ErasePerson", RateLimits.Limited.Management)]
    [InlineData("EraseEverywhere", RateLimits.Limited.Public)]
    [InlineData("TwilioInboundSms", RateLimits.Limited.Webhook)]
    [InlineData("TwilioStatusCallback", RateLimits.Limited.Webhook)]
    [InlineData("SendGridEvents", RateLimits.Limited.Webhook)]
    [InlineData("Unsubscribe", RateLimits.Limited.Webhook)]
    [InlineData("ShowConsentPage", RateLimits.Limited.Public)]
    [InlineData("DecideConsent", RateLimits.Limited.Public)]
    [InlineData("ShowUnsubscribePage", RateLimits.Limited.Public)]
    [InlineData("ShowTrustedContactPage", RateLimits.Limited.Public)]
    [InlineData("DecideTrustedContact", RateLimits.Limited.Public)]
    [InlineData("DevInboundSms", RateLimits.Limited.None)]
    [InlineData("ListDevOutbox", RateLimits.Limited.None)]
    [InlineData("ShowDevOutboxEmail", RateLimits.Limited.None)]
    [InlineData("CheckHealth", RateLimits.Limited.None)]
    [InlineData("GetOpenApiDocument", RateLimits.Limited.None)]
    [InlineData("ShowApiReference", RateLimits.Limited.None)]
    [InlineData("ShowPlanner", RateLimits.Limited.None)]
    public void EveryHttpFunction_DeclaresItsLimit(string function, RateLimits.Limited expected)
    {
        var method = Assert.Single(AftercareNudge.Hosting.FunctionMethods.All(), f => f.Name == function).Method;

        Assert.NotNull(method.GetCustomAttributes(typeof(AftercareNudge.Security.RateLimitedAttribute), false).SingleOrDefault());
        Assert.Equal(expected, RateLimits.Of(method));
    }

    [Fact]
    public void EveryHttpFunction_IsInTheTableAbove()
    {
        var declared = typeof(RateLimitsTests).GetMethod(nameof(EveryHttpFunction_DeclaresItsLimit))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>().Select(d => (string)d.Data[0]!);
        var http = AftercareNudge.Hosting.FunctionMethods.All()
            .Where(f => f.Method.GetParameters().Any(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.HttpTriggerAttribute), false).Length > 0))
            .Select(f => f.Name);

        Assert.Equal(http.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CallerAddress_FromAnotherMachine_IsTheConnectionsAddress_WhateverTheHeaderSays()
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        http.Request.Headers["X-Forwarded-For"] = "198.51.100.1";

        Assert.Equal("203.0.113.7", RateLimits.CallerAddress(http));
    }

    [Theory]
    [InlineData("198.51.100.1", "198.51.100.1")]
    [InlineData("10.0.0.1, 198.51.100.1", "198.51.100.1")]
    [InlineData("10.0.0.1, 198.51.100.1:5123", "198.51.100.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("not an address", "127.0.0.1")]
    [InlineData("", "127.0.0.1")]
    public void CallerAddress_FromTheHostOnLoopback_IsTheLastForwardedAddress(string forwarded, string expected)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Request.Headers["X-Forwarded-For"] = forwarded;

        Assert.Equal(expected, RateLimits.CallerAddress(http));
    }

    [Fact]
    public void Options_BelowOne_AreProblems()
    {
        var problems = new RateLimitOptions { ClientPerMinute = 0, WebhookPerMinute = -1 }.Problems().ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("ClientPerMinute", StringComparison.Ordinal));
    }
}
