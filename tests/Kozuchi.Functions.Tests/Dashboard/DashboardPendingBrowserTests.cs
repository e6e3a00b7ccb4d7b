using Kozuchi.Functions.Reports;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>A large shop's first report set takes minutes: the overview says the figures are being computed and shows them once they are.</summary>
public sealed class DashboardPendingBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private DashboardSession _session = null!;

    public async ValueTask InitializeAsync() =>
        _session = await DashboardSession.StartAsync(azurite, browser, app => app.WithSetting("Kozuchi:Reports:PendingAfterSeconds", "0"));

    public async ValueTask DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task The_overview_says_the_first_figures_are_being_computed_and_shows_them_when_ready()
    {
        var ct = TestContext.Current.CancellationToken;
        await _session.App.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(50, 3, null, ct);
        var sets = _session.App.Services.GetRequiredService<ReportSets>();
        await _session.Page.Clock.InstallAsync();

        using (await sets.HoldComputationsAsync(ct))
        {
            await _session.Page.GotoAsync(new Uri(_session.Base, "/api/dashboard/").ToString());
            await _session.Page.GetByLabel("オペレーターキー / Operator key").FillAsync(DashboardSession.OperatorKey);
            await _session.Page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
            await Assertions.Expect(_session.Page.Locator("[data-testid='pending']")).ToContainTextAsync("初回の集計を作成中です");
            await _session.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "overview-pending.png"), FullPage = true });
        }

        await sets.IdleAsync();
        await _session.Page.Clock.RunForAsync(16_000);

        await Assertions.Expect(_session.Page.Locator("[data-testid='kpis'] .card")).ToHaveCountAsync(8);
        await Assertions.Expect(_session.Page.Locator("[data-testid='pending']")).ToHaveCountAsync(0);
        Assert.Equal(1, sets.Computations);
    }
}
