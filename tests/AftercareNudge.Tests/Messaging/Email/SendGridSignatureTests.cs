using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Messaging.Email;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Messaging.Email;

public sealed class SendGridSignatureTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);
    private static readonly string NowSeconds = Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    // SendGrid batches events one per line, each line ending CRLF, the last one included.
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        "[{\"email\":\"patient@example.org\",\"event\":\"delivered\",\"sg_event_id\":\"ZGVsaXZlcmVk\",\"timestamp\":1741944590,\"reason\":\"Zoë ✓\"}]\r\n");

    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly string PublicKey = Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo());

    private static string Sign(string timestamp, byte[] body, ECDsa? key = null) =>
        Convert.ToBase64String((key ?? Key).SignData([.. Encoding.UTF8.GetBytes(timestamp), .. body], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    private static string SecondsFromNow(TimeSpan offset) =>
        (Now + offset).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Verify_SignedByConfiguredKey_IsValid()
    {
        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Valid, result);
    }

    [Fact]
    public void Verify_EmptyBodySigned_IsValid()
    {
        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, []), NowSeconds, [], Now);

        Assert.Equal(SendGridSignatureResult.Valid, result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(-3)]
    public void Verify_BodyChangedByOneByte_IsInvalid(int index)
    {
        var tampered = Body.ToArray();
        var at = index >= 0 ? index : tampered.Length + index;
        tampered[at] ^= 0x01;

        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body), NowSeconds, tampered, Now);

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_TrailingCrlfRemoved_IsInvalid()
    {
        var trimmed = Body.AsSpan(0, Body.Length - 2).ToArray();
        Assert.Equal("\r\n"u8.ToArray(), Body[^2..]);

        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body), NowSeconds, trimmed, Now);

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_ReserialisedJson_IsInvalid()
    {
        var reserialised = Encoding.UTF8.GetBytes(System.Text.Json.JsonDocument.Parse(Body).RootElement.GetRawText());

        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body), NowSeconds, reserialised, Now);

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_TimestampHeaderDiffersFromSigned_IsInvalid()
    {
        var signedAt = SecondsFromNow(TimeSpan.FromSeconds(-1));

        var result = SendGridSignature.Verify(PublicKey, Sign(signedAt, Body), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_SignedByAnotherKey_IsInvalid()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body, other), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_SignatureInIeeeP1363Format_IsNotValid()
    {
        // SendGrid sends DER; a raw r||s signature must not be accepted by accident.
        var raw = Key.SignData([.. Encoding.UTF8.GetBytes(NowSeconds), .. Body], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        var result = SendGridSignature.Verify(PublicKey, Convert.ToBase64String(raw), NowSeconds, Body, Now);

        Assert.NotEqual(SendGridSignatureResult.Valid, result);
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    [InlineData(-60 * 24)]
    public void Verify_TimestampMoreThanFiveMinutesFromNow_IsStale(int minutes)
    {
        var timestamp = SecondsFromNow(TimeSpan.FromMinutes(minutes));

        var result = SendGridSignature.Verify(PublicKey, Sign(timestamp, Body), timestamp, Body, Now);

        Assert.Equal(SendGridSignatureResult.Stale, result);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    [InlineData(-299)]
    public void Verify_TimestampWithinFiveMinutes_IsValid(int seconds)
    {
        var timestamp = SecondsFromNow(TimeSpan.FromSeconds(seconds));

        var result = SendGridSignature.Verify(PublicKey, Sign(timestamp, Body), timestamp, Body, Now);

        Assert.Equal(SendGridSignatureResult.Valid, result);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Verify_TimestampJustOverFiveMinutes_IsStale(int seconds)
    {
        var timestamp = SecondsFromNow(TimeSpan.FromSeconds(seconds));

        var result = SendGridSignature.Verify(PublicKey, Sign(timestamp, Body), timestamp, Body, Now);

        Assert.Equal(SendGridSignatureResult.Stale, result);
    }

    [Fact]
    public void Verify_CustomMaxSkew_IsHonoured()
    {
        var timestamp = SecondsFromNow(TimeSpan.FromMinutes(-2));
        var signature = Sign(timestamp, Body);

        Assert.Equal(SendGridSignatureResult.Stale, SendGridSignature.Verify(PublicKey, signature, timestamp, Body, Now, TimeSpan.FromMinutes(1)));
        Assert.Equal(SendGridSignatureResult.Valid, SendGridSignature.Verify(PublicKey, signature, timestamp, Body, Now, TimeSpan.FromMinutes(3)));
    }

    [Fact]
    public void Verify_StaleTimestampWithBadSignature_IsStale()
    {
        var timestamp = SecondsFromNow(TimeSpan.FromHours(-1));

        var result = SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body), timestamp, Body, Now);

        Assert.Equal(SendGridSignatureResult.Stale, result);
    }

    [Theory]
    [InlineData(null, "1741944600")]
    [InlineData("", "1741944600")]
    [InlineData("   ", "1741944600")]
    [InlineData("MEUCIQ==", null)]
    [InlineData("MEUCIQ==", "")]
    [InlineData(null, null)]
    public void Verify_MissingHeader_IsMissing(string? signature, string? timestamp)
    {
        var result = SendGridSignature.Verify(PublicKey, signature, timestamp, Body, Now);

        Assert.Equal(SendGridSignatureResult.Missing, result);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("%%%%")]
    [InlineData("MEUCIQ")]
    [InlineData("====")]
    public void Verify_GarbageSignatureBase64_IsMalformed(string signature)
    {
        var result = SendGridSignature.Verify(PublicKey, signature, NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Fact]
    public void Verify_SignatureLongerThanAnyP256Signature_IsMalformed()
    {
        var result = SendGridSignature.Verify(PublicKey, Convert.ToBase64String(new byte[4096]), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Theory]
    [InlineData("AAAA")]
    [InlineData("MAA=")]
    [InlineData("MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtE")]
    public void Verify_Base64ThatIsNotADerSignature_IsRefusedWithoutThrowing(string signature)
    {
        var result = SendGridSignature.Verify(PublicKey, signature, NowSeconds, Body, Now);

        Assert.Contains(result, new[] { SendGridSignatureResult.Invalid, SendGridSignatureResult.Malformed });
    }

    [Theory]
    [InlineData("timestamp")]
    [InlineData("-1741944600")]
    [InlineData("+1741944600")]
    [InlineData(" 1741944600")]
    [InlineData("1741944600.0")]
    [InlineData("1741944600000000000000")]
    [InlineData("999999999999")]
    public void Verify_TimestampNotUnixSeconds_IsMalformed(string timestamp)
    {
        var result = SendGridSignature.Verify(PublicKey, Sign(timestamp, Body), timestamp, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Theory]
    [InlineData("not a key at all")]
    [InlineData("AAAAAAAA")]
    [InlineData("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")]
    public void Verify_GarbageKey_IsMalformed(string key)
    {
        var result = SendGridSignature.Verify(key, Sign(NowSeconds, Body), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Fact]
    public void Verify_KeyOnAnotherCurve_IsMalformed()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var result = SendGridSignature.Verify(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()), Sign(NowSeconds, Body, p384), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Fact]
    public void Verify_RsaKey_IsMalformed()
    {
        using var rsa = RSA.Create(2048);

        var result = SendGridSignature.Verify(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), Sign(NowSeconds, Body), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Fact]
    public void Verify_KeyWithTrailingBytes_IsMalformed()
    {
        var key = Convert.ToBase64String([.. Key.ExportSubjectPublicKeyInfo(), 0x00]);

        var result = SendGridSignature.Verify(key, Sign(NowSeconds, Body), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Verify_NoKeyConfigured_IsNoKey(string? key)
    {
        var result = SendGridSignature.Verify(key, Sign(NowSeconds, Body), NowSeconds, Body, Now);

        Assert.Equal(SendGridSignatureResult.NoKey, result);
    }

    [Fact]
    public void Verify_RandomHeaderValues_NeverThrow()
    {
        var random = new Random(450);
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= -_.%\r\n\0é";
        string Noise() => new([.. Enumerable.Range(0, random.Next(0, 120)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        var signature = Sign(NowSeconds, Body);

        for (var i = 0; i < 2000; i++)
        {
            var key = (i % 4) switch { 0 => Noise(), 1 => PublicKey[..random.Next(PublicKey.Length)], _ => PublicKey };
            var sig = (i % 3) switch { 0 => Noise(), 1 => signature[..random.Next(signature.Length)], _ => Mutate(signature, random) };
            var timestamp = i % 5 == 0 ? Noise() : NowSeconds;

            var result = SendGridSignature.Verify(key, sig, timestamp, Body, Now);

            Assert.True(result != SendGridSignatureResult.Valid || sig == signature, $"accepted key '{key}', signature '{sig}', timestamp '{timestamp}'");
        }
    }

    [Fact]
    public void Verify_NegativeMaxSkew_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SendGridSignature.Verify(PublicKey, Sign(NowSeconds, Body), NowSeconds, Body, Now, TimeSpan.FromSeconds(-1)));
    }

    private static string Mutate(string base64, Random random)
    {
        var bytes = Convert.FromBase64String(base64);
        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        return Convert.ToBase64String(bytes);
    }

    // SendGrid's published example, copied exactly from sendgrid/sendgrid-nodejs
    // packages/eventwebhook/src/eventwebhook.spec.js (the same file ships in the npm package
    // @sendgrid/eventwebhook 8.0.0 in tests/tools/node_modules). The payloads are what its JSON.stringify produces,
    // CRLFs included.
    private static class Published
    {
        public const string PublicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
        public const string Signature = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
        public const string Timestamp = "1600112502";
        public const string Payload =
            "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";

        public const string PublicKeyMultiple = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==";
        public const string SignatureMultiple = "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5";
        public const string TimestampMultiple = "1619651159";
        public const string PayloadMultiple =
            "[{\"email\":\"invalid@gmail.com\",\"event\":\"processed\",\"send_at\":0,\"sg_event_id\":\"cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA\",\"sg_message_id\":\"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0\",\"smtp-id\":\"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>\",\"timestamp\":1619651146},\r\n"
            + "{\"email\":\"invalid@gmail.com\",\"event\":\"bounce\",\"ip\":\"167.89.101.76\",\"reason\":\"552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp\",\"sg_event_id\":\"Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w\",\"sg_message_id\":\"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0\",\"smtp-id\":\"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>\",\"status\":\"5.2.2\",\"timestamp\":1619651147,\"tls\":1,\"type\":\"blocked\"}]\r\n";

        // The spec's "invalid key" and "bad signature" cases.
        public const string OtherPublicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==";
        public const string BadSignature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=";

        /// <summary>The examples are years old: verify them at the moment they were signed.</summary>
        public static DateTimeOffset At(string timestamp) =>
            DateTimeOffset.FromUnixTimeSeconds(long.Parse(timestamp, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Verify_SendGridPublishedSingleEvent_IsValid()
    {
        var result = SendGridSignature.Verify(Published.PublicKey, Published.Signature, Published.Timestamp, Encoding.UTF8.GetBytes(Published.Payload), Published.At(Published.Timestamp));

        Assert.Equal(SendGridSignatureResult.Valid, result);
    }

    [Fact]
    public void Verify_SendGridPublishedMultipleEvents_IsValid()
    {
        var result = SendGridSignature.Verify(Published.PublicKeyMultiple, Published.SignatureMultiple, Published.TimestampMultiple, Encoding.UTF8.GetBytes(Published.PayloadMultiple), Published.At(Published.TimestampMultiple));

        Assert.Equal(SendGridSignatureResult.Valid, result);
    }

    [Fact]
    public void Verify_SendGridPublishedWithoutTrailingCrlf_IsInvalid()
    {
        var result = SendGridSignature.Verify(Published.PublicKey, Published.Signature, Published.Timestamp, Encoding.UTF8.GetBytes(Published.Payload.TrimEnd()), Published.At(Published.Timestamp));

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_SendGridPublishedWithOtherKey_IsInvalid()
    {
        var result = SendGridSignature.Verify(Published.OtherPublicKey, Published.Signature, Published.Timestamp, Encoding.UTF8.GetBytes(Published.Payload), Published.At(Published.Timestamp));

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_SendGridPublishedWithOtherPayload_IsInvalid()
    {
        var result = SendGridSignature.Verify(Published.PublicKey, Published.Signature, Published.Timestamp, "payload"u8, Published.At(Published.Timestamp));

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_SendGridPublishedWithBadSignature_IsInvalid()
    {
        var result = SendGridSignature.Verify(Published.PublicKey, Published.BadSignature, Published.Timestamp, Encoding.UTF8.GetBytes(Published.Payload), Published.At(Published.Timestamp));

        Assert.Equal(SendGridSignatureResult.Invalid, result);
    }

    [Fact]
    public void Verify_SendGridPublishedWithWordAsTimestamp_IsMalformed()
    {
        var result = SendGridSignature.Verify(Published.PublicKey, Published.Signature, "timestamp", Encoding.UTF8.GetBytes(Published.Payload), Published.At(Published.Timestamp));

        Assert.Equal(SendGridSignatureResult.Malformed, result);
    }

    [Fact]
    public void Verify_SendGridPublishedReplayedToday_IsStale()
    {
        var result = SendGridSignature.Verify(Published.PublicKey, Published.Signature, Published.Timestamp, Encoding.UTF8.GetBytes(Published.Payload), Now);

        Assert.Equal(SendGridSignatureResult.Stale, result);
    }

    [Fact]
    public async Task ReadVerifiedBody_SignedRequest_ReturnsExactlyTheBytesReceived()
    {
        var request = Request(Body, Sign(NowSeconds, Body), NowSeconds);

        var (ok, body) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.True(ok);
        Assert.Equal(Body, body);
    }

    [Fact]
    public async Task ReadVerifiedBody_SendGridPublishedExample_IsOk()
    {
        var payload = Encoding.UTF8.GetBytes(Published.Payload);
        var request = Request(payload, Published.Signature, Published.Timestamp);

        var (ok, body) = await SendGridSignature.ReadVerifiedBodyAsync(
            request, new SendGridOptions { EventWebhookPublicKey = Published.PublicKey }, new FakeTimeProvider(Published.At(Published.Timestamp)), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.True(ok);
        Assert.Equal(payload, body);
    }

    [Fact]
    public async Task ReadVerifiedBody_TamperedBody_IsNotOk()
    {
        var tampered = Body.ToArray();
        tampered[10] ^= 0x20;
        var request = Request(tampered, Sign(NowSeconds, Body), NowSeconds);

        var (ok, body) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.False(ok);
        Assert.Empty(body);
    }

    [Fact]
    public async Task ReadVerifiedBody_ClockMovedOnSixMinutes_IsNotOk()
    {
        var request = Request(Body, Sign(NowSeconds, Body), NowSeconds);
        var time = new FakeTimeProvider(Now);
        time.Advance(TimeSpan.FromMinutes(6));

        var (ok, _) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), time, NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.False(ok);
    }

    [Fact]
    public async Task ReadVerifiedBody_NoHeaders_IsNotOk()
    {
        var request = Request(Body, signature: null, timestamp: null);

        var (ok, _) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.False(ok);
    }

    [Fact]
    public async Task ReadVerifiedBody_HeaderSentTwice_IsNotOk()
    {
        var signature = Sign(NowSeconds, Body);
        var request = Request(Body, signature, NowSeconds);
        request.Headers.Append(SendGridSignature.SignatureHeader, signature);

        var (ok, _) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.False(ok);
    }

    [Fact]
    public async Task ReadVerifiedBody_NoKeyConfigured_IsNotOk()
    {
        var request = Request(Body, Sign(NowSeconds, Body), NowSeconds);

        var (ok, _) = await SendGridSignature.ReadVerifiedBodyAsync(request, new SendGridOptions(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.False(ok);
    }

    [Fact]
    public async Task ReadVerifiedBody_ExactlyOneMebibyteSigned_IsOk()
    {
        var large = Enumerable.Repeat((byte)'a', SendGridSignature.MaxBodyBytes).ToArray();
        var request = Request(large, Sign(NowSeconds, large), NowSeconds, sendContentLength: false);

        var (ok, body) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.True(ok);
        Assert.Equal(large.Length, body.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadVerifiedBody_LargerThanOneMebibyte_IsNotOkEvenWhenSigned(bool sendContentLength)
    {
        var large = Enumerable.Repeat((byte)'a', SendGridSignature.MaxBodyBytes + 1).ToArray();
        var request = Request(large, Sign(NowSeconds, large), NowSeconds, sendContentLength);

        var (ok, body) = await SendGridSignature.ReadVerifiedBodyAsync(request, Options(), new FakeTimeProvider(Now), NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.False(ok);
        Assert.Empty(body);
    }

    private static SendGridOptions Options() => new() { EventWebhookPublicKey = PublicKey };

    private static HttpRequest Request(byte[] body, string? signature, string? timestamp, bool sendContentLength = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(body);
        if (sendContentLength)
        {
            context.Request.ContentLength = body.Length;
        }

        if (signature is not null)
        {
            context.Request.Headers[SendGridSignature.SignatureHeader] = signature;
        }

        if (timestamp is not null)
        {
            context.Request.Headers[SendGridSignature.TimestampHeader] = timestamp;
        }

        return context.Request;
    }
}
