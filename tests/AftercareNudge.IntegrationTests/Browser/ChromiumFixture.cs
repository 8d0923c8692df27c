using AftercareNudge.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace AftercareNudge.IntegrationTests.Browser;

/// <summary>
/// Chromium for the browser tests, driven by Playwright: the executable of Debian's <c>chromium</c>
/// package (<see cref="DefaultPath"/>, or the path in <see cref="PathVariable"/>), since Playwright cannot
/// download a browser of its own here and is never asked to. Launched once, on the first test that needs
/// it. Where there is no Chromium the browser tests skip, saying how to get one; in CI (which installs it)
/// its absence is a failure.
/// </summary>
public sealed class ChromiumFixture : IAsyncDisposable
{
    public const string PathVariable = "AFTERCARE_CHROMIUM";
    public const string DefaultPath = "/usr/bin/chromium";

    // Without the background-networking flags Chromium reaches for Google's services, which a closed
    // network refuses; the sandbox needs user namespaces a container may not give.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly SemaphoreSlim _launch = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>Why the browser tests cannot run here, or null.</summary>
    public static string? UnavailableReason => File.Exists(ExecutablePath)
        ? null
        : $"No Chromium at {ExecutablePath}: install Debian's chromium package (sudo apt-get install chromium), "
          + $"or set {PathVariable} to a Chromium executable. .ci/run installs it, so in CI these tests always run.";

    /// <summary>The browser; skips the calling test where there is none (fails it in CI).</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        if (UnavailableReason is { } reason)
        {
            Assert.False(Repository.InCi, reason);
            Assert.Skip(reason);
        }

        await _launch.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_browser is null)
            {
                Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
                _playwright ??= await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = ExecutablePath,
                    Headless = true,
                    Args = Flags,
                });
            }

            return _browser;
        }
        finally
        {
            _launch.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _launch.Dispose();
    }
}
