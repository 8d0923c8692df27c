using System.Net;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http;

namespace AftercareNudge.Tests.Security;

public sealed class RateLimitsTests
{
    [Theory]
    [InlineData("/api/events", RateLimits.Limited.Management)]
    [InlineData("/api/events/ev_1", RateLimits.Limited.Management)]
    [InlineData("/api/people/x", RateLimits.Limited.Management)]
    [InlineData("/api/twilio/sms", RateLimits.Limited.Webhook)]
    [InlineData("/api/twilio/status", RateLimits.Limited.Webhook)]
    [InlineData("/api/sendgrid/events", RateLimits.Limited.Webhook)]
    [InlineData("/api/consent/abc", RateLimits.Limited.Public)]
    [InlineData("/api/unsubscribe/abc", RateLimits.Limited.Public)]
    [InlineData("/api/dev/sms", RateLimits.Limited.Public)]
    [InlineData("/api/health", RateLimits.Limited.None)]
    [InlineData("/DispatchDueCheckIns", RateLimits.Limited.None)]
    [InlineData("/", RateLimits.Limited.None)]
    [InlineData("/api/eventsx", RateLimits.Limited.None)]
    public void Classify_PutsEveryRouteInItsRow(string path, RateLimits.Limited expected) =>
        Assert.Equal(expected, RateLimits.Classify(new PathString(path)));

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
