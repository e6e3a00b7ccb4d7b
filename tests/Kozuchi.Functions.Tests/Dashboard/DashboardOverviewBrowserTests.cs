using System.Globalization;
using System.Text.Json;
using Kozuchi.Testing;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// 概要 in real Chromium with the demo shop: the last whole month's KPIs in ￥ with 前月比 and 前年同月比 as the API's
/// figures give them, the month under way marked as such, F2 転換率 and LTV (12 months), a ￥ axis on the chart, and
/// targets set on the page with their progress.
/// </summary>
public sealed class DashboardOverviewBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    private static string Change(decimal now, decimal before)
    {
        var r = (now / before) - 1;
        return (r > 0 ? "+" : r < 0 ? "−" : "") + Math.Abs(r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
    }

    [Fact]
    public async Task The_last_whole_month_shows_sales_in_yen_with_the_change_on_last_month_and_a_year_ago()
    {
        await LoadDemoAsync(400, 11);
        await SignInAsync();
        await OpenAsync("#/overview");

        using var api = Session.Api();
        var months = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/kpis", UriKind.Relative), Ct)).RootElement.GetProperty("months").EnumerateArray().ToList();
        var complete = months.Last(m => m.GetProperty("complete").GetBoolean());
        var i = months.IndexOf(complete);
        var (sales, before, yearAgo) = (complete.GetProperty("sales").GetDecimal(), months[i - 1].GetProperty("sales").GetDecimal(), months[i - 12].GetProperty("sales").GetDecimal());

        var card = Page.Locator("[data-testid='kpis'] [data-kpi='sales']");
        await Assertions.Expect(card.Locator("[data-testid='kpi-value']")).ToHaveTextAsync("￥" + sales.ToString("N0", Ja));
        await Assertions.Expect(card.Locator(".delta").Nth(0)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("前月比.*" + System.Text.RegularExpressions.Regex.Escape(Change(sales, before))));
        await Assertions.Expect(card.Locator(".delta").Nth(1)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("前年同月比.*" + System.Text.RegularExpressions.Regex.Escape(Change(sales, yearAgo))));
        await Assertions.Expect(card.Locator(".badge-partial")).ToHaveCountAsync(0);
        await Assertions.Expect(Page.Locator("[data-testid='kpis'] [data-kpi='repeatRate'] .delta").First).ToContainTextAsync("pt");

        // F2 and LTV (12 months) of the latest months that have had them, in % and ￥.
        await Assertions.Expect(Page.Locator("[data-kpi='f2Within90'] [data-testid='kpi-value']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d%$"));
        await Assertions.Expect(Page.Locator("[data-kpi='ltv12'] [data-testid='kpi-value']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^￥[\d,]+$"));

        // The chart's figures, as the table under it gives them, are in ￥.
        await Assertions.Expect(Page.Locator("#monthly .chart-data tbody tr").Last).ToContainTextAsync("￥");
        Assert.True(await Page.EvaluateAsync<bool>("() => { const c = window.Chart.getChart(document.querySelector('canvas[data-testid=monthly-chart]')); return c.options.scales.y.ticks.callback(1200000).startsWith('￥'); }"));

        // The month under way is marked as such.
        var partial = months[^1].GetProperty("month").GetString()!;
        Assert.False(months[^1].GetProperty("complete").GetBoolean());
        await Page.GetByLabel("対象月").SelectOptionAsync(partial);
        await Assertions.Expect(Page.Locator("[data-testid='kpis'] [data-kpi='sales'] .badge-partial")).ToHaveTextAsync("月途中");
        await Assertions.Expect(Page.Locator("#kpis-title")).ToContainTextAsync("月途中");
        Assert.Contains("month=" + partial, Page.Url, StringComparison.Ordinal);
        await ShotAsync("overview-partial");
    }

    [Fact]
    public async Task A_target_set_on_the_page_shows_on_its_card_with_the_progress_the_api_computes_and_comes_off_again()
    {
        await LoadDemoAsync(400, 11);
        await SignInAsync();
        await OpenAsync("#/overview");
        using var api = Session.Api();
        var month = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/kpis", UriKind.Relative), Ct)).RootElement
            .GetProperty("months").EnumerateArray().Last(m => m.GetProperty("complete").GetBoolean()).GetProperty("month").GetString()!;
        var title = $"{month[..4]}年{int.Parse(month[5..], CultureInfo.InvariantCulture)}月";

        // ￥3,000,000 of sales, typed as yen; a repeat rate of 55 %, typed as a percentage.
        await Page.GetByText($"{title} の目標を設定").ClickAsync();
        await Page.Locator("#target-kpi").SelectOptionAsync("sales");
        await Page.Locator("#target-value").FillAsync("3000000");
        await Page.GetByRole(AriaRole.Button, new() { Name = "目標を保存" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='flash']")).ToHaveTextAsync($"{title} の「売上」の目標を ￥3,000,000 にしました。");

        var targets = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/kpis", UriKind.Relative), Ct)).RootElement.GetProperty("targets").EnumerateArray().ToList();
        var sales = Assert.Single(targets, x => x.GetProperty("kpi").GetString() == "sales" && x.GetProperty("month").GetString() == month);
        var progress = (sales.GetProperty("progress").GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        var card = Page.Locator("[data-testid='kpis'] [data-kpi='sales'] .kpi-target-text");
        await Assertions.Expect(card).ToHaveTextAsync("目標 ￥3,000,000" + progress);

        await Page.GetByText($"{title} の目標を設定").ClickAsync();
        await Page.Locator("#target-kpi").SelectOptionAsync("repeatRate");
        await Assertions.Expect(Page.Locator("[data-testid='target-current']")).ToHaveTextAsync("この月の目標はまだありません。");
        await Page.Locator("#target-value").FillAsync("55");
        await Page.GetByRole(AriaRole.Button, new() { Name = "目標を保存" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='kpis'] [data-kpi='repeatRate'] .kpi-target-text span")).ToHaveTextAsync("目標 55.0%");
        await ShotAsync("overview-targets");

        // The sales target comes off again; the editor shows the one still set.
        await Page.GetByText($"{title} の目標を設定").ClickAsync();
        await Page.Locator("#target-kpi").SelectOptionAsync("sales");
        await Assertions.Expect(Page.Locator("[data-testid='target-current']")).ToHaveTextAsync("現在の目標: ￥3,000,000");
        await Assertions.Expect(Page.Locator("#target-value")).ToHaveValueAsync("3000000");
        await Page.GetByRole(AriaRole.Button, new() { Name = "この目標を外す" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='flash']")).ToHaveTextAsync($"{title} の「売上」の目標を外しました。");
        await Assertions.Expect(Page.Locator("[data-testid='kpis'] [data-kpi='sales'] .kpi-target")).ToHaveCountAsync(0);
        await Assertions.Expect(Page.Locator("[data-testid='kpis'] [data-kpi='repeatRate'] .kpi-target")).ToHaveCountAsync(1);
    }
}
