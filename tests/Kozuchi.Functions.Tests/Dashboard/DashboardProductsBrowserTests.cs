using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kozuchi.Core.Demo;
using Kozuchi.Testing;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// 商品 and コホート in real Chromium with the demo shop, as a CRM manager reads them: Japanese headers, products by name
/// with their SKU, rates as %, amounts in ￥ rounded, pages of 20, basket pairs by lift; cohorts as heat maps with
/// 1 か月後 … 12 か月後.
/// </summary>
public sealed partial class DashboardProductsBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    [Fact]
    public async Task Entry_products_are_named_with_rates_in_percent_and_ltv_in_yen_and_basket_pairs_come_by_lift()
    {
        await LoadDemoAsync(400, 11);
        await SignInAsync();
        await OpenAsync("#/products");

        var entry = Page.Locator("[data-testid='entry-products']");
        var headers = await entry.Locator("thead th").AllInnerTextsAsync();
        Assert.Equal(["商品", "顧客数", "リピーター", "継続率", "F2 転換率 (90日)", "平均購入回数", "LTV（現在まで）", "LTV（1 年）"], headers.Select(h => h.Replace("↕", "", StringComparison.Ordinal).Replace("▼", "", StringComparison.Ordinal).Replace("▲", "", StringComparison.Ordinal).Trim()));

        // The most common entry product, as the API counts it, by name with its SKU beside.
        using var api = Session.Api();
        var rows = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/products/entry", UriKind.Relative), Ct)).RootElement.GetProperty("rows").EnumerateArray().ToList();
        var top = rows.MaxBy(r => r.GetProperty("customers").GetInt32());
        var sku = top.GetProperty("group").GetString()!;
        var first = entry.Locator("tbody tr").Filter(new() { Has = Page.Locator("code.sku", new() { HasTextRegex = new Regex($"^{Regex.Escape(sku)}$") }) });
        await Assertions.Expect(first.Locator("td, th").Nth(0)).ToHaveTextAsync($"{DemoCatalogue.Get(sku).Name} {sku}");
        await Assertions.Expect(first.Locator("td, th").Nth(1)).ToHaveTextAsync(top.GetProperty("customers").GetInt32().ToString("N0", Ja));
        var continuation = top.GetProperty("continuationRate").GetDouble();
        await Assertions.Expect(first.Locator("td, th").Nth(3)).ToHaveTextAsync((continuation * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        await Assertions.Expect(first.Locator("td, th").Nth(6)).ToHaveTextAsync("￥" + Math.Round(top.GetProperty("ltv").GetDecimal(), MidpointRounding.AwayFromZero).ToString("N0", Ja));
        Assert.DoesNotContain("continuationRate", await Page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        // Twenty a page, the rest on the next.
        await Assertions.Expect(entry.Locator("tbody tr")).ToHaveCountAsync(Math.Min(20, rows.Count));

        var lifts = await Page.Locator("[data-testid='basket'] tbody tr").EvaluateAllAsync<string[]>("trs => trs.map(tr => tr.lastElementChild.textContent)");
        Assert.NotEmpty(lifts);
        var values = lifts.Select(l => double.Parse(l.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(values.OrderByDescending(v => v), values);
        await Assertions.Expect(Page.Locator("[data-testid='basket'] tbody tr").First.Locator("td").Nth(2)).ToHaveTextAsync(Percent());
        await Assertions.Expect(Page.Locator("[data-testid='days-summary']")).ToContainTextAsync("中央値");

        // The LTV chart as drawn: every bar has its label (none skipped for want of room), each tells its product apart
        // (no two cut to the same text), and the amount axis reads ￥5,000 / ￥1万, never "￥5000".
        const string drawn = "c => { const chart = window.Chart.getChart(c); return chart ? [chart.data.labels.map(l => [].concat(l).join(' ')), chart.scales.x.ticks.map(t => t.label), chart.scales.y.ticks.map(t => String(t.value))] : null; }";
        var ltvChart = Page.Locator("[data-testid='entry-ltv-chart']");
        await Assertions.Expect(ltvChart).ToBeVisibleAsync();
        await Page.WaitForFunctionAsync("c => window.Chart && window.Chart.getChart(c)", await ltvChart.ElementHandleAsync());
        var seen = (await ltvChart.EvaluateAsync<string[][]>(drawn))!;
        Assert.NotEmpty(seen[0]);
        Assert.Equal(seen[0].Length, seen[0].Distinct().Count());
        Assert.Equal(seen[0].Length, seen[2].Length);
        Assert.All(seen[1], tick => Assert.Matches(@"^￥(0|\d{1,3}(,\d{3})*|\d+(\.\d)?万)$", tick));
        await ShotAsync("products-named");
    }

    [Fact]
    public async Task Cohorts_are_heat_maps_of_retention_in_percent_and_ltv_in_yen_by_months_after()
    {
        await LoadDemoAsync(400, 11);
        await SignInAsync();
        await OpenAsync("#/cohorts");

        var retention = Page.Locator("[data-testid='cohort-retention']");
        var heads = await retention.Locator("thead th").AllInnerTextsAsync();
        Assert.Equal(new[] { "初回購入月", "顧客数" }.Concat(Enumerable.Range(1, 12).Select(k => $"{k} か月後")), heads);
        Assert.Equal(heads, await Page.Locator("[data-testid='cohort-ltv'] thead th").AllInnerTextsAsync());
        var cells = await retention.Locator("td.heat").AllInnerTextsAsync();
        Assert.Contains(cells, c => Percent().IsMatch(c));
        Assert.Contains(await retention.Locator("td.heat").EvaluateAllAsync<string[]>("tds => tds.map(td => td.className)"), c => c.Contains("heat-9", StringComparison.Ordinal));

        // The oldest cohort's cells as the API reports them, at every month it has had (a month between 1, 3, 6 and 12
        // among them): the share as %, the LTV in ￥ rounded; a month not yet over is blank.
        using var api = Session.Api();
        var report = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/cohorts", UriKind.Relative), Ct)).RootElement;
        var oldest = report.GetProperty("cohorts")[0];
        var label = MonthLabel(oldest.GetProperty("month").GetString()!);
        var months = oldest.GetProperty("months").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 12), months.Select(m => m.GetProperty("k").GetInt32()));
        var known = months.Where(m => m.GetProperty("retention").ValueKind == JsonValueKind.Number).ToList();
        Assert.Contains(known, m => m.GetProperty("k").GetInt32() is 2 or 4 or 5 or 7 or 8 or 9 or 10 or 11);
        foreach (var m in known)
        {
            var title = $"{label} {m.GetProperty("k").GetInt32()} か月後";
            await Assertions.Expect(retention.Locator($"td[title='{title}']")).ToHaveTextAsync((m.GetProperty("retention").GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%");
            await Assertions.Expect(Page.Locator($"[data-testid='cohort-ltv'] td[title='{title}']")).ToHaveTextAsync("￥" + Math.Round(m.GetProperty("ltv").GetDecimal(), MidpointRounding.AwayFromZero).ToString("N0", Ja));
        }

        var newest = report.GetProperty("cohorts")[report.GetProperty("cohorts").GetArrayLength() - 1];
        await Assertions.Expect(retention.Locator($"td[title='{MonthLabel(newest.GetProperty("month").GetString()!)} 1 か月後']")).ToHaveTextAsync("");
        await ShotAsync("cohorts-12-months");
    }

    /// <summary>"2025-10" as the page labels it in Japanese: 2025年10月.</summary>
    private static string MonthLabel(string month) => $"{int.Parse(month[..4], CultureInfo.InvariantCulture)}年{int.Parse(month[5..], CultureInfo.InvariantCulture)}月";

    [GeneratedRegex(@"^\d+\.\d{1,2}%$")]
    private static partial Regex Percent();
}
