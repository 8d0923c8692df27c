using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Messaging.Sms;

namespace AftercareNudge.Tests.Messaging.Sms;

public sealed class TwilioSignatureTests
{
    // Twilio's published example (https://www.twilio.com/docs/usage/security#validating-requests).
    private const string ExampleToken = "12345";
    private const string ExampleUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string ExampleSignature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    private static readonly KeyValuePair<string, string>[] ExampleParameters =
    [
        new("CallSid", "CA1234567890ABCDE"),
        new("Caller", "+14158675309"),
        new("Digits", "1234"),
        new("From", "+14158675309"),
        new("To", "+18005551212"),
    ];

    // ---- IsValid: what Twilio signs ----

    [Fact]
    public void IsValid_ParametersInAnyOrder_IsValid()
    {
        var shuffled = new[] { ExampleParameters[4], ExampleParameters[1], ExampleParameters[3], ExampleParameters[0], ExampleParameters[2] };

        Assert.True(TwilioSignature.IsValid(ExampleToken, ExampleUrl, shuffled, ExampleSignature));
    }

    [Fact]
    public void IsValid_CallerAndCallSid_SortedOrdinallyNotByCulture()
    {
        // Ordinal: "CallSid" < "Caller" ('S' 0x53 < 'e' 0x65); a culture sort (with ICU) says the opposite.
        var parameters = new KeyValuePair<string, string>[] { new("Caller", "b"), new("CallSid", "a") };

        var ordinal = Hmac(ExampleToken, "https://example.com/x" + "CallSida" + "Callerb");
        var cultureOrder = Hmac(ExampleToken, "https://example.com/x" + "Callerb" + "CallSida");

        Assert.True(TwilioSignature.IsValid(ExampleToken, "https://example.com/x", parameters, ordinal));
        Assert.False(TwilioSignature.IsValid(ExampleToken, "https://example.com/x", parameters, cultureOrder));
    }

    [Fact]
    public void IsValid_RepeatedName_CoversEveryValueSortedOrdinally()
    {
        var parameters = new KeyValuePair<string, string>[] { new("MediaUrl", "b"), new("A", "1"), new("MediaUrl", "B"), new("MediaUrl", "a") };
        var signature = Hmac("t", "https://example.com/x" + "A1" + "MediaUrlB" + "MediaUrla" + "MediaUrlb");

        Assert.True(TwilioSignature.IsValid("t", "https://example.com/x", parameters, signature));
        Assert.False(TwilioSignature.IsValid("t", "https://example.com/x", parameters.Append(new("MediaUrl", "c")), signature));
        Assert.False(TwilioSignature.IsValid("t", "https://example.com/x", parameters.Where(p => p.Value != "B"), signature));
    }

    [Fact]
    public void IsValid_RepeatedNameSignedWithOneValue_IsInvalid()
    {
        // A second Body the signature does not cover must not slip past the check.
        var parameters = new KeyValuePair<string, string>[] { new("Body", "hello"), new("Body", "STOP") };

        Assert.False(TwilioSignature.IsValid("t", "https://example.com/x", parameters, Hmac("t", "https://example.com/x" + "Bodyhello")));
        Assert.False(TwilioSignature.IsValid("t", "https://example.com/x", parameters, Hmac("t", "https://example.com/x" + "BodySTOP")));
    }

    [Fact]
    public void IsValid_UnicodeValue_HashesUtf8()
    {
        var parameters = new KeyValuePair<string, string>[] { new("Body", "Ça va? 👍") };

        Assert.True(TwilioSignature.IsValid("t", "https://example.com/x", parameters, Hmac("t", "https://example.com/x" + "BodyÇa va? 👍")));
    }

    // ---- IsValid: what is accepted ----

    [Fact]
    public void IsValid_TwilioPublishedExample_IsValid()
    {
        Assert.True(TwilioSignature.IsValid(ExampleToken, ExampleUrl, ExampleParameters, ExampleSignature));
    }

    [Theory]
    [InlineData("https://example.com:443/x?a=1", "https://example.com/x?a=1")]
    [InlineData("https://example.com/x?a=1", "https://example.com:443/x?a=1")]
    [InlineData("http://example.com:80/x", "http://example.com/x")]
    [InlineData("http://example.com/x", "http://example.com:80/x")]
    [InlineData("https://example.com/x", "https://example.com:8443/x")]
    [InlineData("https://[2001:db8::1]:443/x", "https://[2001:db8::1]/x")]
    [InlineData("https://[2001:db8::1]/x", "https://[2001:db8::1]:443/x")]
    public void IsValid_SignedWithOtherPortVariant_IsValid(string signedUrl, string requestUrl)
    {
        var signature = Sign(ExampleToken, signedUrl, ExampleParameters);

        Assert.True(TwilioSignature.IsValid(ExampleToken, requestUrl, ExampleParameters, signature));
    }

    [Theory]
    [InlineData("https://example.com:80/x", "https://example.com/x")]
    [InlineData("http://example.com:443/x", "http://example.com/x")]
    [InlineData("https://example.com:8443/x", "https://example.com/x")]
    [InlineData("https://example.com:443/x", "https://example.org/x")]
    public void IsValid_SignedWithNonDefaultPortOrOtherHost_IsInvalid(string signedUrl, string requestUrl)
    {
        var signature = Sign(ExampleToken, signedUrl, ExampleParameters);

        Assert.False(TwilioSignature.IsValid(ExampleToken, requestUrl, ExampleParameters, signature));
    }

    [Fact]
    public void IsValid_TamperedValue_IsInvalid()
    {
        var tampered = ExampleParameters.Select(p => p.Key == "Digits" ? new KeyValuePair<string, string>("Digits", "1235") : p);

        Assert.False(TwilioSignature.IsValid(ExampleToken, ExampleUrl, tampered, ExampleSignature));
    }

    [Fact]
    public void IsValid_AddedParameter_IsInvalid()
    {
        var added = ExampleParameters.Append(new("Body", "STOP"));

        Assert.False(TwilioSignature.IsValid(ExampleToken, ExampleUrl, added, ExampleSignature));
    }

    [Fact]
    public void IsValid_RemovedParameter_IsInvalid()
    {
        Assert.False(TwilioSignature.IsValid(ExampleToken, ExampleUrl, ExampleParameters.Skip(1), ExampleSignature));
    }

    [Fact]
    public void IsValid_RenamedParameter_IsInvalid()
    {
        var renamed = ExampleParameters.Select(p => p.Key == "From" ? new KeyValuePair<string, string>("from", p.Value) : p);

        Assert.False(TwilioSignature.IsValid(ExampleToken, ExampleUrl, renamed, ExampleSignature));
    }

    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=3")]
    [InlineData("https://mycompany.com/myapp.php?foo=1")]
    [InlineData("https://mycompany.com/other.php?foo=1&bar=2")]
    [InlineData("http://mycompany.com/myapp.php?foo=1&bar=2")]
    [InlineData("https://evil.example/myapp.php?foo=1&bar=2")]
    public void IsValid_TamperedUrl_IsInvalid(string url)
    {
        Assert.False(TwilioSignature.IsValid(ExampleToken, url, ExampleParameters, ExampleSignature));
    }

    [Fact]
    public void IsValid_OtherToken_IsInvalid()
    {
        Assert.False(TwilioSignature.IsValid("54321", ExampleUrl, ExampleParameters, ExampleSignature));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("RSOYDt4T1cUTdK1PDd93/VVr8B8")]
    [InlineData("rsoydt4t1cutdk1pdd93/vvr8b8=")]
    [InlineData("not base64 at all ✗")]
    public void IsValid_MissingOrMalformedSignature_IsInvalid(string? signature)
    {
        Assert.False(TwilioSignature.IsValid(ExampleToken, ExampleUrl, ExampleParameters, signature));
    }

    [Fact]
    public void IsValid_NotAnAbsoluteUrl_IsInvalidNotAnError()
    {
        Assert.False(TwilioSignature.IsValid(ExampleToken, "/myapp.php?foo=1&bar=2", ExampleParameters, ExampleSignature));
    }

    [Fact]
    public void IsValid_EmptyToken_IsInvalidEvenForItsOwnSignature()
    {
        var signature = Sign("", ExampleUrl, ExampleParameters);

        Assert.False(TwilioSignature.IsValid("", ExampleUrl, ExampleParameters, signature));
    }

    // ---- URL variants ----

    [Theory]
    [InlineData("https://example.com/x?a=1", "https://example.com/x?a=1|https://example.com:443/x?a=1")]
    [InlineData("https://example.com:443/x", "https://example.com:443/x|https://example.com/x")]
    [InlineData("http://example.com", "http://example.com|http://example.com:80")]
    [InlineData("https://user:pw@example.com/x", "https://user:pw@example.com/x|https://user:pw@example.com:443/x")]
    [InlineData("not a url", "not a url")]
    public void UrlVariants_DefaultPort_AddedWhenAbsentRemovedWhenPresent(string url, string expected)
    {
        Assert.Equal(expected.Split('|'), TwilioSignature.UrlVariants(url));
    }

    /// <summary>The tests' own signer, independent of the app's check: Twilio's rule written out.</summary>
    private static string Sign(string token, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Hmac(token, url + string.Concat(parameters
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + p.Value)));

    private static string Hmac(string token, string data)
    {
#pragma warning disable CA5350 // Twilio's algorithm.
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(data)));
#pragma warning restore CA5350
    }
}
