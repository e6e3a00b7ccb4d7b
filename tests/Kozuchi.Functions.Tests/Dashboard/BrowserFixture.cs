using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download: the test command installs the Debian package).
/// A missing browser is a failure that says how to install it, never a skip.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots are kept with the test output for people to look at.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}: run scripts/install-chromium (scripts/test does).");
        }

        Directory.CreateDirectory(ScreenshotDirectory);

        // Expectations wait (never sleep) until the page shows what they look for; on a shared 2-core machine a page
        // with a chart and the demo shop can take longer than Playwright's 5 s default to draw.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
