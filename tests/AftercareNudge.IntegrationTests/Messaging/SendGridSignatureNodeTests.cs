using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging.Email;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// Our verifier against independent implementations: signatures made by Node's own crypto must verify
/// here, and signatures made here must verify with SendGrid's own Node library
/// (<c>@sendgrid/eventwebhook</c>, which checks through starkbank-ecdsa). Many signatures per run,
/// because DER lengths vary with the random r and s (leading zero bytes, 70 to 72 bytes).
/// </summary>
public sealed class SendGridSignatureNodeTests
{
    private const int SignaturesPerRun = 64;
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Node signs timestamp + body exactly as our docs say SendGrid does: crypto.sign gives DER for EC keys.
    private const string NodeSigner = """
        const fs = require('fs');
        const crypto = require('crypto');
        const [input, output] = process.argv.slice(1);
        const cases = JSON.parse(fs.readFileSync(input, 'utf8'));
        const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        const signatures = cases.map(c => crypto.sign(
          'sha256',
          Buffer.concat([Buffer.from(c.timestamp, 'utf8'), Buffer.from(c.body, 'base64')]),
          privateKey).toString('base64'));
        fs.writeFileSync(output, JSON.stringify({
          publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
          signatures,
        }));
        """;

    // SendGrid's library, used the way its README shows: convertPublicKeyToECDSA then verifySignature.
    private const string SendGridVerifier = """
        const fs = require('fs');
        const [module, input, output] = process.argv.slice(1);
        const { EventWebhook } = require(module);
        const { publicKey, cases } = JSON.parse(fs.readFileSync(input, 'utf8'));
        const webhook = new EventWebhook();
        const key = webhook.convertPublicKeyToECDSA(publicKey);
        const results = cases.map(c => webhook.verifySignature(key, Buffer.from(c.body, 'base64'), c.signature, c.timestamp));
        fs.writeFileSync(output, JSON.stringify(results));
        """;

    [Fact]
    public async Task Verify_SignedByNodeCrypto_IsValid()
    {
        var cases = Cases(utf8Only: false);

        var signed = await RunNodeAsync<NodeSigned>(NodeSigner, [], cases.Select(c => new { c.Timestamp, Body = Convert.ToBase64String(c.Body) }));

        Assert.Equal(cases.Count, signed.Signatures.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            var (timestamp, body) = cases[i];
            Assert.Equal(SendGridSignatureResult.Valid, SendGridSignature.Verify(signed.PublicKey, signed.Signatures[i], timestamp, body, Now));
        }
    }

    [Fact]
    public async Task Verify_SignedByNodeCryptoThenTampered_IsInvalid()
    {
        var cases = Cases(utf8Only: false).Where(c => c.Body.Length > 0).ToList();

        var signed = await RunNodeAsync<NodeSigned>(NodeSigner, [], cases.Select(c => new { c.Timestamp, Body = Convert.ToBase64String(c.Body) }));

        for (var i = 0; i < cases.Count; i++)
        {
            var (timestamp, body) = cases[i];
            var tampered = body.ToArray();
            tampered[i % tampered.Length] ^= 0x01;
            Assert.Equal(SendGridSignatureResult.Invalid, SendGridSignature.Verify(signed.PublicKey, signed.Signatures[i], timestamp, tampered, Now));
            Assert.Equal(SendGridSignatureResult.Invalid, SendGridSignature.Verify(signed.PublicKey, signed.Signatures[i], timestamp, body[..^1], Now));
        }
    }

    [Fact]
    public async Task SendGridLibrary_SignedInCSharp_VerifiesEverySignature()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

        // @sendgrid/eventwebhook turns the body into a string before hashing, so it only sees UTF-8 bodies as sent.
        var cases = Cases(utf8Only: true).Select(c => new SignedCase(c.Timestamp, Convert.ToBase64String(c.Body), Sign(key, c.Timestamp, c.Body))).ToList();
        Assert.All(cases, c => Assert.Equal(SendGridSignatureResult.Valid, SendGridSignature.Verify(publicKey, c.Signature, c.Timestamp, Convert.FromBase64String(c.Body), Now)));

        var results = await RunNodeAsync<List<bool>>(SendGridVerifier, [SendGridModule()], new { publicKey, cases });

        Assert.Equal(cases.Count, results.Count);
        Assert.All(results, Assert.True);
    }

    [Fact]
    public async Task SendGridLibrary_SignedInCSharpThenTampered_RejectsEverySignature()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

        // Three ways to be wrong: another body (trailing CRLF dropped), another timestamp, another key.
        var cases = Cases(utf8Only: true).Where(c => c.Body.Length > 0).SelectMany(c => new[]
        {
            new SignedCase(c.Timestamp, Convert.ToBase64String(c.Body[..^1]), Sign(key, c.Timestamp, c.Body)),
            new SignedCase(c.Timestamp, Convert.ToBase64String(c.Body), Sign(key, OneSecondLater(c.Timestamp), c.Body)),
            new SignedCase(c.Timestamp, Convert.ToBase64String(c.Body), Sign(otherKey, c.Timestamp, c.Body)),
        }).ToList();
        Assert.All(cases, c => Assert.Equal(SendGridSignatureResult.Invalid, SendGridSignature.Verify(publicKey, c.Signature, c.Timestamp, Convert.FromBase64String(c.Body), Now)));

        var results = await RunNodeAsync<List<bool>>(SendGridVerifier, [SendGridModule()], new { publicKey, cases });

        Assert.Equal(cases.Count, results.Count);
        Assert.All(results, Assert.False);
    }

    private sealed record NodeSigned(string PublicKey, List<string> Signatures);

    private sealed record SignedCase(string Timestamp, string Body, string Signature);

    private static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string OneSecondLater(string timestamp) =>
        (long.Parse(timestamp, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);

    private static string Sign(ECDsa key, string timestamp, byte[] body) =>
        Convert.ToBase64String(key.SignData([.. Encoding.UTF8.GetBytes(timestamp), .. body], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    /// <summary>
    /// Event batches as SendGrid sends them (one event a line, CRLF after each), non-ASCII text, an
    /// empty body, and (unless <paramref name="utf8Only"/>) bytes that are not UTF-8 at all; timestamps
    /// spread across the accepted five minutes either side of <see cref="Now"/>.
    /// </summary>
    private static List<(string Timestamp, byte[] Body)> Cases(bool utf8Only)
    {
        var random = new Random(451);
        var cases = new List<(string, byte[])>();
        for (var i = 0; i < SignaturesPerRun; i++)
        {
            var timestamp = Seconds(Now.AddSeconds(random.Next(-300, 301)));
            var body = (i % 4) switch
            {
                0 => Encoding.UTF8.GetBytes(string.Join("\r\n", Enumerable.Range(0, 1 + (i % 3)).Select(n =>
                    $"{{\"email\":\"person{n}@example.org\",\"event\":\"delivered\",\"sg_event_id\":\"ev-{i}-{n}\",\"timestamp\":{timestamp}}}")) + "\r\n"),
                1 => Encoding.UTF8.GetBytes($"[{{\"event\":\"open\",\"reason\":\"Zoë says ✓ — 日本語 {i}\"}}]\r\n"),
                2 => i == 2 ? [] : Encoding.UTF8.GetBytes(new string('x', i * 97) + "\r\n"),
                _ => utf8Only ? Encoding.UTF8.GetBytes($"[{{\"i\":{i}}}]\n") : RandomBytes(random, 1 + random.Next(2048)),
            };
            cases.Add((timestamp, body));
        }

        return cases;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string SendGridModule()
    {
        var module = Repository.TestTool("@sendgrid", "eventwebhook");
        if (!File.Exists(Path.Combine(module, "package.json")))
        {
            throw new InvalidOperationException($"@sendgrid/eventwebhook is not installed ({module} is missing): run 'npm ci' in tests/tools first (the integration test project's build does).");
        }

        return module;
    }

    /// <summary>Runs a fixed script with <c>node -e</c>: data goes in and out through JSON files, never into the code.</summary>
    private static async Task<T> RunNodeAsync<T>(string script, string[] arguments, object input)
    {
        var directory = Directory.CreateTempSubdirectory("aftercare-sendgrid-");
        try
        {
            var inputPath = Path.Combine(directory.FullName, "input.json");
            var outputPath = Path.Combine(directory.FullName, "output.json");
            await File.WriteAllTextAsync(inputPath, JsonSerializer.Serialize(input, Json), TestContext.Current.CancellationToken);

            await using var node = ChildProcess.Start("node", ["-e", script, .. arguments, inputPath, outputPath], Repository.Root);
            await node.WaitUntilExitAsync(TimeSpan.FromSeconds(60));

            Assert.True(File.Exists(outputPath), "node wrote no result:\n" + node.Output);
            var json = await File.ReadAllTextAsync(outputPath, TestContext.Current.CancellationToken);
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidOperationException("node wrote null:\n" + node.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
