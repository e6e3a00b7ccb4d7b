using System.Net;
using Kozuchi.Functions.Reports;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>A large shop's first report set takes minutes: the overview says the figures are being computed and shows them once they are.</summary>
public sealed class DashboardPendingBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private const string OperatorKey = "test-operator-key-not-a-secret";

    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private Uri _base = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage).WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey)
            .WithSetting("Kozuchi:Reports:PendingAfterSeconds", "0")
            .WithSetting("Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel", "Error");
        _app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        _base = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP", TimezoneId = "Asia/Tokyo", ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        _page = await _context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task The_overview_says_the_first_figures_are_being_computed_and_shows_them_when_ready()
    {
        var ct = TestContext.Current.CancellationToken;
        await _app.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(50, 3, null, ct);
        var sets = _app.Services.GetRequiredService<ReportSets>();
        await _page.Clock.InstallAsync();

        using (await sets.HoldComputationsAsync(ct))
        {
            await _page.GotoAsync(new Uri(_base, "/api/dashboard/").ToString());
            await _page.GetByLabel("オペレーターキー / Operator key").FillAsync(OperatorKey);
            await _page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
            await Assertions.Expect(_page.Locator("[data-testid='pending']")).ToContainTextAsync("初回の集計を作成中です");
            await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "overview-pending.png"), FullPage = true });
        }

        await sets.IdleAsync();
        await _page.Clock.RunForAsync(16_000);

        await Assertions.Expect(_page.Locator("[data-testid='kpis'] .card")).ToHaveCountAsync(8);
        await Assertions.Expect(_page.Locator("[data-testid='pending']")).ToHaveCountAsync(0);
        Assert.Equal(1, sets.Computations);
    }
}
