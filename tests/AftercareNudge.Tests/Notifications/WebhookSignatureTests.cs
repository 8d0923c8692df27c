using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Notifications;

namespace AftercareNudge.Tests.Notifications;

public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset SpecTime = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    [Fact]
    public void Sign_StandardWebhooksExample_MatchesTheSpecsSignature()
    {
        // The example in the Standard Webhooks specification (and its reference libraries' tests).
        var key = WebhookSignature.KeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!;

        var signature = WebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"u8);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Sign_PlainSecret_IsHmacSha256OfIdTimestampAndBody()
    {
        const string secret = "a-plain-secret-of-at-least-32-characters";
        var body = "{\"id\":\"ntf_1\"}"u8.ToArray();

        var signature = WebhookSignature.Sign(WebhookSignature.KeyOf(secret)!, "ntf_1", 1700000000, body);

        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("ntf_1.1700000000.{\"id\":\"ntf_1\"}")));
        Assert.Equal("v1," + expected, signature);
    }

    [Fact]
    public void Verify_OwnSignatureWithinTheWindow_IsTrue_AmongOtherSignatures()
    {
        var key = WebhookSignature.KeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!;
        var body = "{\"test\": 2432232314}"u8.ToArray();
        var signature = WebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);

        Assert.True(WebhookSignature.Verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,b3RoZXI= " + signature, body, SpecTime.AddMinutes(4)));
    }

    [Fact]
    public void Verify_TamperedBodyIdOrTimestamp_IsFalse()
    {
        var key = WebhookSignature.KeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!;
        var body = "{\"test\": 2432232314}"u8.ToArray();
        var signature = WebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);

        Assert.False(WebhookSignature.Verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, "{\"test\": 2432232315}"u8, SpecTime));
        Assert.False(WebhookSignature.Verify(key, "msg_other", "1614265330", signature, body, SpecTime));
        Assert.False(WebhookSignature.Verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265331", signature, body, SpecTime));
        Assert.False(WebhookSignature.Verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v2," + signature[3..], body, SpecTime));
    }

    [Fact]
    public void Verify_OutsideTheFiveMinuteWindow_IsFalse_AsAReplay()
    {
        var key = WebhookSignature.KeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!;
        var body = "{\"test\": 2432232314}"u8.ToArray();
        var signature = WebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);

        Assert.False(WebhookSignature.Verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, SpecTime.AddMinutes(5).AddSeconds(1)));
        Assert.False(WebhookSignature.Verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, SpecTime.AddMinutes(-6)));
    }

    [Theory]
    [InlineData("too-short")]
    [InlineData("whsec_not base64!")]
    [InlineData("whsec_c2hvcnQ=")]
    [InlineData("")]
    public void KeyOf_UnacceptableSecret_IsNull(string secret)
    {
        Assert.Null(WebhookSignature.KeyOf(secret));
    }
}
