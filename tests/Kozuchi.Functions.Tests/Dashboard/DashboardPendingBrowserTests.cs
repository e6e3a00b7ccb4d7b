using Kozuchi.Functions.Reports;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>A large shop's first report set takes minutes: the overview says the figures are being computed and shows them once they are.</summary>
public sealed class DashboardPendingBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{

    protected override void Configure(KozuchiAppFactory app) => app.WithSetting("Kozuchi:Reports:PendingAfterSeconds", "0");

    [Fact]
    public async Task The_overview_says_the_first_figures_are_being_computed_and_shows_them_when_ready()
    {
        var ct = TestContext.Current.CancellationToken;

        // While the first figures are computed the report calls are answered 503 (with Retry-After), which the browser logs.
        Session.Expect(@"^(response 503|console error: Failed to load resource: the server responded with a status of 503)");
        await Session.App.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(50, 3, null, ct);
        var sets = Session.App.Services.GetRequiredService<ReportSets>();
        await Session.Page.Clock.InstallAsync();

        using (await sets.HoldComputationsAsync(ct))
        {
            await Session.Page.GotoAsync(new Uri(Session.Base, "/api/dashboard/").ToString());
            await Session.Page.GetByLabel("オペレーターキー / Operator key").FillAsync(DashboardSession.OperatorKey);
            await Session.Page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
            await Assertions.Expect(Session.Page.Locator("[data-testid='pending']")).ToContainTextAsync("初回の集計を作成中です");
            await Session.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "overview-pending.png"), FullPage = true });
        }

        await sets.IdleAsync();
        await Session.Page.Clock.RunForAsync(16_000);

        await Assertions.Expect(Session.Page.Locator("[data-testid='kpis'] .card").First).ToBeVisibleAsync();
        await Assertions.Expect(Session.Page.Locator("[data-testid='pending']")).ToHaveCountAsync(0);
        Assert.Equal(1, sets.Computations);
    }
}
