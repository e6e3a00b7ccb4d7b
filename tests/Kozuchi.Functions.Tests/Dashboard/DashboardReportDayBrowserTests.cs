using Kozuchi.Core.Common;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// Just after midnight the day's report pass takes minutes over a large shop, and the overview's 次の一手 and backtest
/// are answered from yesterday's report meanwhile: each section says which day its figures are from, and says nothing
/// extra once today's report is in.
/// </summary>
public sealed class DashboardReportDayBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    // Pages are answered from the previous report at once while a pass runs (the pass is held by the test meanwhile).
    protected override void Configure(KozuchiAppFactory app) => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "0");

    [Fact]
    public async Task Next_steps_and_the_backtest_say_which_day_they_are_from_while_todays_report_is_computed()
    {
        var services = App.Services;
        await PredictiveShop.WriteAsync(services.GetRequiredService<CustomerStore>(), services.GetRequiredService<ProfileSnapshots>(), PredictiveShop.Records(App.Time.GetUtcNow()), Ct);
        var yesterday = ShopTime.Tokyo.Today(App.Time.GetUtcNow());
        using (var api = Session.Api())
        {
            // Today's report (the pass with the CLV fit and the backtest), before the page asks for it.
            (await api.GetAsync(new Uri("/api/reports/next-actions", UriKind.Relative), Ct)).EnsureSuccessStatusCode();
        }

        var nextSteps = Page.Locator("[data-testid='next-actions']");
        var backtest = Page.Locator("[data-testid='backtest']");
        await Session.SignInAsync();
        await Assertions.Expect(nextSteps.Locator("[data-testid='next-action']").First).ToBeVisibleAsync();
        await Assertions.Expect(backtest.Locator("[data-testid='trust']")).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByText("時点の集計です")).ToHaveCountAsync(0);

        // The next day in Tokyo, with its pass held (as a large shop's takes minutes): the sections are yesterday's, and say so.
        App.Time.Advance(TimeSpan.FromDays(1));
        var sets = services.GetRequiredService<ReportSets>();
        var sentence = $"{yesterday:yyyy-MM-dd} 時点の集計です（今日の集計は計算中です）";
        using (await sets.HoldComputationsAsync(Ct))
        {
            // A day later the operator's session has ended: signed in again, the overview is the first page.
            await Session.SignInAsync();
            await Assertions.Expect(nextSteps.Locator("[data-testid='next-action']").First).ToBeVisibleAsync();
            await Assertions.Expect(nextSteps.Locator("[data-testid='report-day']")).ToHaveTextAsync(sentence);
            await Assertions.Expect(backtest.Locator("[data-testid='trust']")).ToBeVisibleAsync();
            await Assertions.Expect(backtest.Locator("[data-testid='report-day']")).ToHaveTextAsync(sentence);
            await backtest.ScrollIntoViewIfNeededAsync();
            await Session.ShotAsync("overview-yesterdays-report");
        }

        // Today's pass done: the same sections, without the sentence.
        await sets.IdleAsync();
        await Page.ReloadAsync();
        await Assertions.Expect(nextSteps.Locator("[data-testid='next-action']").First).ToBeVisibleAsync();
        await Assertions.Expect(backtest.Locator("[data-testid='trust']")).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByText("時点の集計です")).ToHaveCountAsync(0);
    }
}
