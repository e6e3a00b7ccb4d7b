using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// Every page of the dashboard with the demo shop's data, as a CRM manager sees it on a 1400 × 1000 screen:
/// artifacts/screenshots/&lt;page&gt;.png (and &lt;page&gt;-full.png, the whole page), for people to look at after a test
/// run. With KOZUCHI_DOCS_SCREENSHOTS=1 the small copies the README shows are written to docs/screenshots/ as well
/// (scripts/screenshots). The pages are the navigation's (so a new page is photographed without changing this test),
/// plus the pages reached by links: one customer, an RFM cell, the scenario builder.
/// </summary>
public sealed class DashboardScreenshotTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    public const string DocsVariable = "KOZUCHI_DOCS_SCREENSHOTS";

    protected override ViewportSize Viewport => new() { Width = 1400, Height = 1000 };

    [Fact]
    public async Task Every_page_is_photographed_at_1400_by_1000_with_the_demo_shop()
    {
        await LoadDemoAsync(400, 11);
        var customer = await CustomerWithMergesAsync();
        await SignInAsync();

        var root = Azurite.RepositoryRoot();
        var artifacts = Directory.CreateDirectory(Path.Combine(root, "artifacts", "screenshots")).FullName;
        var docs = Environment.GetEnvironmentVariable(DocsVariable) == "1" ? Directory.CreateDirectory(Path.Combine(root, "docs", "screenshots")).FullName : null;
        var small = docs is null ? null : await Session.Context.Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "ja-JP", TimezoneId = "Asia/Tokyo", ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, DeviceScaleFactor = 0.5f,
            StorageState = await Session.Context.StorageStateAsync(),
        });
        var smallPage = small is null ? null : await small.NewPageAsync();
        if (smallPage is not null)
        {
            Session.Watch(smallPage);

            // Signed in by the copied cookie: the dashboard opens, then each page by its address.
            await smallPage.GotoAsync(new Uri(Session.Base, "/api/dashboard/").ToString());
            await Assertions.Expect(smallPage.Locator("main[data-page]:not([aria-busy])")).ToBeVisibleAsync();
        }

        var pages = await Page.Locator("#nav a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        var shots = pages.Select(h => (Name: h.TrimStart('#', '/').Split('?')[0], Hash: h)).ToList();
        shots.Add(("customer", $"#/customers/{Uri.EscapeDataString(customer)}"));
        shots.Add(("rfm-cell", "#/rfm?r=1&f=3"));

        foreach (var (name, hash) in shots)
        {
            await OpenAsync(hash);
            await Assertions.Expect(Page.Locator("main [data-testid='error']")).ToHaveCountAsync(0);
            await Assertions.Expect(Page.Locator("main [data-testid='loading']")).ToHaveCountAsync(0);
            await Page.WaitForFunctionAsync(Drawn);
            var file = Path.Combine(artifacts, $"{name}.png");
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file });
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, $"{name}-full.png"), FullPage = true });
            Assert.True(new FileInfo(file).Length > 10_000, $"{name}: the screenshot is empty");
            if (smallPage is not null)
            {
                await Session.OpenAsync(hash, smallPage);
                await Assertions.Expect(smallPage.Locator("main [data-testid='loading']")).ToHaveCountAsync(0);
                await smallPage.WaitForFunctionAsync(Drawn);
                await smallPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(docs!, $"{name}.png") });
            }
        }

        if (small is not null)
        {
            await small.DisposeAsync();
        }
    }

    /// <summary>
    /// Every chart drawn and no live figure still being asked (the segment builder's count, the scenario preview): the
    /// picture shows what the manager reads once the page settles, not an empty panel.
    /// </summary>
    private const string Drawn = "() => [...document.querySelectorAll('canvas')].every(c => window.Chart && window.Chart.getChart(c))"
        + " && !document.querySelector(\"main [data-state='counting'], main [data-state='checking']\")";

    /// <summary>A customer whose page has something to explain: records merged into it (the demo shop has some).</summary>
    private async Task<string> CustomerWithMergesAsync()
    {
        var store = App.Services.GetRequiredService<CustomerStore>();
        var best = (Id: "", Score: -1);
        await foreach (var record in store.ScanRecordsAsync(Ct))
        {
            var score = (record.Merges.Count * 100) + record.Orders.Count;
            if (record.State == Kozuchi.Core.Customers.CustomerState.Active && score > best.Score)
            {
                best = (record.CustomerId, score);
            }
        }

        return best.Id;
    }
}
