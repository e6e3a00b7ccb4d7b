using System.Globalization;
using System.Text.Json;
using Kozuchi.Testing;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// RFM in real Chromium with the demo shop, as a CRM manager reads it: each cell says what the shop calls its
/// customers (新規顧客, 優良顧客 …) with their count or revenue in ￥ and a share, shaded by class; a cell lists its
/// customers by name (hidden on request) and downloads as CSV; movement since a chosen day says where customers went.
/// </summary>
public sealed class DashboardRfmBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    [Fact]
    public async Task Each_cell_is_labelled_with_its_japanese_segment_name_and_shows_customers_or_revenue_in_yen()
    {
        await LoadDemoAsync();
        await SignInAsync();
        await OpenAsync("#/rfm");

        using var api = Session.Api();
        var grid = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/rfm", UriKind.Relative), Ct)).RootElement;
        var cell = (int r, int f) => Page.Locator($"[data-testid='rfm-grid'] button[data-r='{r}'][data-f='{f}']");
        await Assertions.Expect(cell(1, 1).Locator(".heat-text")).ToHaveTextAsync("新規顧客");
        await Assertions.Expect(cell(1, 5).Locator(".heat-text")).ToHaveTextAsync("優良顧客");
        await Assertions.Expect(cell(5, 2).Locator(".heat-text")).ToHaveTextAsync("離脱（リピーター）");
        var r1f1 = grid.GetProperty("cells").EnumerateArray().Single(c => c.GetProperty("r").GetInt32() == 1 && c.GetProperty("f").GetInt32() == 1);
        await Assertions.Expect(cell(1, 1).Locator(".heat-sub")).ToContainTextAsync(r1f1.GetProperty("customers").GetInt32().ToString("N0", Ja));
        Assert.DoesNotContain("[object Object]", await Page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        // The shade is a class from the stylesheet (no inline colour): the busiest cell is darkest.
        var classes = await Page.Locator("[data-testid='rfm-grid'] td.heat").EvaluateAllAsync<string[]>("tds => tds.map(td => td.className)");
        Assert.Contains(classes, c => c.Contains("heat-9", StringComparison.Ordinal));
        Assert.NotEqual("rgba(0, 0, 0, 0)", await Page.Locator("[data-testid='rfm-grid'] td.heat-9").First.EvaluateAsync<string>("td => getComputedStyle(td).backgroundColor"));

        await Page.GetByRole(AriaRole.Button, new() { Name = "売上", Exact = true }).ClickAsync();
        var revenue = r1f1.GetProperty("revenue").GetDecimal();
        await Assertions.Expect(cell(1, 1).Locator(".heat-sub")).ToContainTextAsync("￥" + revenue.ToString("N0", Ja));
        await Assertions.Expect(cell(1, 1).Locator(".heat-sub")).ToContainTextAsync("%");
        Assert.Contains("show=revenue", Page.Url, StringComparison.Ordinal);
        await ShotAsync("rfm-revenue");
    }

    [Fact]
    public async Task A_cell_lists_its_customers_by_name_hides_them_on_request_and_downloads_as_csv()
    {
        await LoadDemoAsync();
        await SignInAsync();
        await OpenAsync("#/rfm?r=1&f=1");

        var rows = Page.Locator("[data-testid='rfm-customers'] tbody tr");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[data-testid='rfm-cell'] h2")).ToContainTextAsync("新規顧客 (R1 × F1) の顧客");
        var first = await rows.First.Locator("a").InnerTextAsync();
        Assert.Matches(@"^\S+ \S+$", first);
        Assert.DoesNotMatch("^c[0-9a-f]{20}$", first);
        await Assertions.Expect(rows.First).ToContainTextAsync("￥");

        // The entry products are read by name, as on the customer page, not as the SKUs the API lists.
        using (var api = Session.Api())
        {
            var names = JsonSerializer.Deserialize<Dictionary<string, string>>(await api.GetStringAsync(new Uri("/api/reports/products/names", UriKind.Relative), Ct))!;
            var top = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/reports/rfm/customers?r=1&f=1&skip=0&take=1", UriKind.Relative), Ct)).RootElement.GetProperty("customers")[0];
            var entry = top.GetProperty("entryProducts").EnumerateArray().Select(x => x.GetString()!).ToList();
            Assert.Contains(entry, names.ContainsKey);
            await Assertions.Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync(string.Join("、", entry.Select(k => names.GetValueOrDefault(k, k))));
        }

        await Page.GetByLabel("個人情報を隠す").CheckAsync();
        await Assertions.Expect(rows.First.Locator("a")).ToHaveTextAsync(first.Split(' ')[0] + " " + new string('＊', Math.Min(3, first.Split(' ')[1].Length)));
        await Page.GetByLabel("個人情報を隠す").UncheckAsync();
        await Assertions.Expect(rows.First.Locator("a")).ToHaveTextAsync(first);

        var download = await Page.RunAndWaitForDownloadAsync(() => Page.Locator("[data-testid='rfm-customers-csv']").ClickAsync());
        var csv = await File.ReadAllTextAsync(await download.PathAsync(), Ct);
        Assert.Contains(first, csv, StringComparison.Ordinal);
        Assert.StartsWith("RFM_R1_F1_", download.SuggestedFilename, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Movement_since_a_chosen_day_says_how_many_customers_changed_cell_and_into_a_chosen_cell()
    {
        await LoadDemoAsync();
        await SignInAsync();
        await OpenAsync("#/rfm");
        var asOf = await Page.GetByLabel("基準日").InputValueAsync();
        var since = DateOnly.Parse(asOf, CultureInfo.InvariantCulture).AddDays(-180).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await Page.GetByLabel("比べる日").FillAsync(since);
        await Page.GetByRole(AriaRole.Button, new() { Name = "移動を表示" }).ClickAsync();

        using var api = Session.Api();
        var moves = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/reports/rfm/movement?from={since}&to={asOf}", UriKind.Relative), Ct)).RootElement.EnumerateArray()
            .Select(m => (From: (m.GetProperty("from").GetProperty("r").GetInt32(), m.GetProperty("from").GetProperty("f").GetInt32()), To: (m.GetProperty("to").GetProperty("r").GetInt32(), m.GetProperty("to").GetProperty("f").GetInt32()), N: m.GetProperty("customers").GetInt32()))
            .Where(m => m.From != m.To).ToList();
        Assert.NotEmpty(moves);
        await Assertions.Expect(Page.Locator("[data-testid='rfm-movement-summary']")).ToHaveTextAsync($"{since} から {asOf} までに {moves.Sum(m => m.N).ToString("N0", Ja)} 人がセルを移りました。");
        await Assertions.Expect(Page.Locator("[data-testid='rfm-movement-table'] tbody tr").First).ToContainTextAsync("(R");

        await Page.Locator("[data-testid='rfm-grid'] button[data-r='2'][data-f='1']").ClickAsync();
        var into = moves.Where(m => m.To == (2, 1)).Sum(m => m.N);
        var outOf = moves.Where(m => m.From == (2, 1)).Sum(m => m.N);
        await Assertions.Expect(Page.Locator("[data-testid='rfm-movement-summary']")).ToHaveTextAsync($"初回フォロー (R2×F1) への流入 {into.ToString("N0", Ja)} 人・流出 {outOf.ToString("N0", Ja)} 人");
        await ShotAsync("rfm-movement");
    }
}
