namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// Prism serving Twilio's and SendGrid's own OpenAPI descriptions from ../shared/specs as validating
/// mocks: a request that breaks the description is refused (422, or the 400 a description documents).
/// Started once for the run. Where ../shared
/// is absent (a newcomer's clone) the tests that need it skip; in CI its absence is a failure.
/// </summary>
public sealed class PrismFixture : IAsyncLifetime
{
    private ChildProcess? _twilio;
    private ChildProcess? _sendGrid;

    public static string TwilioSpec => Path.Combine(Repository.SpecsDirectory, "twilio_api_v2010.json");

    public static string SendGridSpec => Path.Combine(Repository.SpecsDirectory, "sendgrid_mail_v3.json");

    public Uri TwilioBaseUrl { get; private set; } = null!;

    public Uri SendGridBaseUrl { get; private set; } = null!;

    public string? UnavailableReason { get; private set; }

    /// <summary>Call first in every test that needs the mocks.</summary>
    public void SkipIfUnavailable() => Assert.SkipWhen(UnavailableReason is not null, UnavailableReason ?? "");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(TwilioSpec) || !File.Exists(SendGridSpec))
        {
            UnavailableReason = $"The providers' OpenAPI descriptions are not at {Repository.SpecsDirectory} (../shared/specs is only beside the repository in CI and on the team's machines).";
            if (Repository.InCi)
            {
                throw new InvalidOperationException(UnavailableReason);
            }

            return;
        }

        var prism = Repository.TestTool("@stoplight", "prism-cli", "dist", "index.js");
        if (!File.Exists(prism))
        {
            throw new InvalidOperationException($"Prism is not installed ({prism} is missing): run 'npm ci' in tests/tools first (the integration test project's build does).");
        }

        var twilioPort = ChildProcess.FreePort();
        var sendGridPort = ChildProcess.FreePort();
        _twilio = StartPrism(prism, TwilioSpec, twilioPort);
        _sendGrid = StartPrism(prism, SendGridSpec, sendGridPort);
        TwilioBaseUrl = new Uri($"http://127.0.0.1:{twilioPort}");
        SendGridBaseUrl = new Uri($"http://127.0.0.1:{sendGridPort}");
        await Task.WhenAll(
            _twilio.WaitUntilAsync(() => ChildProcess.PortAcceptsAsync(twilioPort), TimeSpan.FromSeconds(90), "Prism (Twilio)"),
            _sendGrid.WaitUntilAsync(() => ChildProcess.PortAcceptsAsync(sendGridPort), TimeSpan.FromSeconds(90), "Prism (SendGrid)"));
    }

    /// <summary>What Prism has printed so far: its validation messages explain a refusal.</summary>
    public string Log => TwilioLog + SendGridLog;

    /// <summary>The Twilio mock's output: one <c>post /path</c> line per request received.</summary>
    public string TwilioLog => _twilio?.Output ?? "";

    public string SendGridLog => _sendGrid?.Output ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_twilio is not null)
        {
            await _twilio.DisposeAsync();
        }

        if (_sendGrid is not null)
        {
            await _sendGrid.DisposeAsync();
        }
    }

    private static ChildProcess StartPrism(string prism, string spec, int port) =>
        ChildProcess.Start(
            "node",
            [prism, "mock", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), spec],
            Repository.Root);
}
