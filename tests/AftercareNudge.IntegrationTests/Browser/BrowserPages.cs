using System.Text.Json;
using AftercareNudge.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace AftercareNudge.IntegrationTests.Browser;

/// <summary>The sizes a person meets the pages at.</summary>
public enum Screen
{
    Phone,
    Desktop,
}

/// <summary>
/// What the browser tests share: a fresh browser context (no cookies, as from an email) at a phone or a
/// desktop size, with or without JavaScript; the accessibility check (axe-core, injected by the test); a
/// screenshot of each page as a test artifact under TestResults/browser; and which element has focus.
/// </summary>
internal static class BrowserPages
{
    public static string ScreenshotDirectory => Path.Combine(Repository.Root, "TestResults", "browser");

    /// <summary>axe-core, one of the test tools (tests/tools/package.json).</summary>
    public static string AxePath => Repository.TestTool("axe-core", "axe.min.js");

    private static readonly Lazy<string> AxeSource = new(() => File.Exists(AxePath)
        ? File.ReadAllText(AxePath)
        : throw new InvalidOperationException($"axe-core is not installed ({AxePath} is missing): the integration test project's build installs it with npm."));

    /// <summary>Each page at a phone and a desktop size, with JavaScript on and off.</summary>
    public static TheoryData<Screen, bool> Passes => new()
    {
        { Screen.Phone, true },
        { Screen.Desktop, true },
        { Screen.Phone, false },
        { Screen.Desktop, false },
    };

    /// <summary>A browser context at <paramref name="screen"/>'s size; <paramref name="colorScheme"/> is what the page's prefers-color-scheme reads (light unless said).</summary>
    public static async Task<IBrowserContext> ContextAsync(ChromiumFixture chromium, AppFactory app, Screen screen, bool javaScript = true, ColorScheme colorScheme = ColorScheme.Light)
    {
        var browser = await chromium.BrowserAsync();
        return await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = screen == Screen.Phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 800 },
            IsMobile = screen == Screen.Phone,
            HasTouch = screen == Screen.Phone,
            JavaScriptEnabled = javaScript,
            Locale = "en-GB",
            TimezoneId = "Europe/London",
            ColorScheme = colorScheme,
        });
    }

    /// <summary>Goes to <paramref name="path"/> and checks the answer's status.</summary>
    public static async Task<IPage> OpenAsync(IBrowserContext context, string path, int expectedStatus = 200)
    {
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.Equal(expectedStatus, response.Status);
        return page;
    }

    /// <summary>The page's one heading, as a person sees it.</summary>
    public static Task<string> HeadingAsync(IPage page) =>
        page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 }).InnerTextAsync();

    /// <summary>
    /// Waits for the page's heading to read <paramref name="expected"/> (after a form is sent, the next page
    /// may still be arriving), and fails saying what it reads instead.
    /// </summary>
    public static async Task ExpectHeadingAsync(IPage page, string expected)
    {
        try
        {
            await page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1, Name = expected, Exact = true })
                .WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The page's heading is \"{await HeadingAsync(page)}\", not \"{expected}\" ({page.Url}).");
        }
    }

    /// <summary>All the words on the page that a person sees.</summary>
    public static Task<string> VisibleTextAsync(IPage page) => page.Locator("body").InnerTextAsync();

    /// <summary>A full-page screenshot, TestResults/browser/<paramref name="name"/>-<paramref name="screen"/>.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name, Screen screen)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(ScreenshotDirectory, $"{name}-{screen.ToString().ToLowerInvariant()}.png"),
            FullPage = true,
        });
    }

    /// <summary>
    /// Runs axe-core on the page as it is and fails on any serious or critical violation, naming each rule
    /// and the elements it found. The script is evaluated by the test, not loaded by the page: the page's
    /// Content-Security-Policy stays in force. Needs JavaScript on.
    /// </summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync("source => { (0, eval)(source); }", AxeSource.Value);
        }

        var violations = await page.EvaluateAsync<JsonElement>(
            """
            async () => {
              const results = await axe.run(document, { resultTypes: ['violations'] });
              return results.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')) }));
            }
            """);
        var serious = violations.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} at {string.Join(", ", v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()))}")
            .ToList();
        Assert.True(serious.Count == 0, $"Accessibility violations on {page.Url}:\n" + string.Join("\n", serious));
    }

    /// <summary>The focused element, as "tag name=value" (or its text for a link or button without a name).</summary>
    public static Task<string> FocusedAsync(IPage page) => page.EvaluateAsync<string>(
        """
        () => {
          const e = document.activeElement;
          if (!e || e === document.body) return 'body';
          const name = e.getAttribute('name');
          const value = e.getAttribute('value');
          return e.tagName.toLowerCase() + (name ? ' ' + name + (e.tagName === 'BUTTON' && value ? '=' + value : '') : ' ' + e.textContent.trim());
        }
        """);

    /// <summary>Presses Tab until <paramref name="target"/> has focus (at most 20 times); returns each distinct element focused on the way.</summary>
    public static async Task<IReadOnlyList<string>> TabToAsync(IPage page, string target)
    {
        var seen = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await FocusedAsync(page);
            if (seen.Count == 0 || seen[^1] != focused)
            {
                seen.Add(focused);
            }

            if (focused == target)
            {
                return seen;
            }
        }

        Assert.Fail($"Tab never reached {target}; focus went: {string.Join(" → ", seen)}");
        return seen;
    }

    /// <summary>The focused element's outline: the page must show where the keyboard is.</summary>
    public static Task<string> FocusOutlineAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
}
