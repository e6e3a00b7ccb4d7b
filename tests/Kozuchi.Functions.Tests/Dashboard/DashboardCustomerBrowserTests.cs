using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// 顧客 in real Chromium, as an operator on the phone with a customer uses it: found by what the customer says (an
/// e-mail, a name), the customer page tells their orders in ￥ with product names, why records were merged, how they
/// can be reached; names are hidden on request; an erasure asks for the id before it runs.
/// </summary>
public sealed class DashboardCustomerBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private async Task ShopAsync()
    {
        var ingestor = App.Services.GetRequiredService<OrderIngestor>();
        var at = new DateTimeOffset(2026, 9, 1, 10, 0, 0, TimeSpan.FromHours(9));
        Order Order(string source, string id, int day, decimal total, OrderContact contact, string sku, string product) => new()
        {
            Key = new OrderKey(source, id), OrderedAt = at.AddDays(day), UpdatedAt = at.AddDays(day), Contact = contact, Total = total,
            Lines = [new OrderLine { Sku = sku, ProductName = product, UnitPrice = total }],
        };

        // The second shop's customer (by e-mail) later orders with the phone number the first one has: that order joins the two.
        await ingestor.IngestAsync(
            [
                new IncomingOrder(Order("own", "A-1001", 0, 3980m, new() { Email = "taro.yamada@example.jp", Phone = "090-1234-5678", Name = "山田 太郎", NameKana = "ヤマダ タロウ", EmailOptIn = true }, "KZ-1", "こづち 薬用ローション"), "raw/1"),
                new IncomingOrder(Order("own", "A-1002", 1, 2000m, new() { Email = "hanako@example.jp", Name = "山本 花子", NameKana = "ヤマモト ハナコ" }, "KZ-3", "こづち 石鹸"), "raw/2"),
            ], null, Ct);
        await ingestor.IngestAsync([new IncomingOrder(Order("shop2", "77", 19, 1200m, new() { Email = "t.yamada@example.jp", Name = "山田 太郎" }, "KZ-2", "こづち 青汁"), "raw/3")], null, Ct);
        await ingestor.IngestAsync([new IncomingOrder(Order("shop2", "78", 24, 800m, new() { Email = "t.yamada@example.jp", Phone = "09012345678", Name = "山田 太郎" }, "KZ-2", "こづち 青汁"), "raw/4")], null, Ct);
    }

    [Fact]
    public async Task A_customer_found_by_email_shows_the_orders_in_yen_with_product_names_and_why_records_were_merged()
    {
        await ShopAsync();
        await SignInAsync();
        await OpenAsync("#/customers");

        // The field is wide enough to show its whole example (name, kana, email, phone, order id), not a clipped start.
        Assert.True(await Page.GetByLabel("検索語").EvaluateAsync<bool>(
            "i => { const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(i).font; return c.measureText(i.placeholder).width <= i.clientWidth; }"),
            "the search field's example is cut off");
        await Page.GetByLabel("検索語").FillAsync("ＴＡＲＯ．ＹＡＭＡＤＡ＠example.jp");
        await Page.GetByRole(AriaRole.Button, new() { Name = "検索", Exact = true }).ClickAsync();

        // One exact match opens the customer.
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("山田 太郎");
        await Assertions.Expect(Page.Locator("main header")).ToContainTextAsync("有効");
        Assert.Contains("#/customers/c", Page.Url, StringComparison.Ordinal);
        var orders = Page.Locator("[data-testid='customer-orders'] tbody tr");
        await Assertions.Expect(orders).ToHaveCountAsync(3);
        await Assertions.Expect(orders.Filter(new() { HasText = "own:A-1001" })).ToContainTextAsync("￥3,980");
        await Assertions.Expect(orders.Filter(new() { HasText = "own:A-1001" })).ToContainTextAsync("こづち 薬用ローション");
        await Assertions.Expect(orders.Filter(new() { HasText = "shop2:78" })).ToContainTextAsync("￥800");
        await Assertions.Expect(Page.Locator("[data-testid='customer-profile']")).ToContainTextAsync("￥5,980");
        // Stored as E.164, read as a Japanese operator dials it.
        await Assertions.Expect(Page.Locator("[data-testid='customer-profile']")).ToContainTextAsync("090-1234-5678");

        var merge = Page.Locator("[data-testid='customer-merges'] tbody tr");
        await Assertions.Expect(merge).ToHaveCountAsync(1);
        await Assertions.Expect(merge).ToContainTextAsync("同じメールアドレス");
        await Assertions.Expect(merge).ToContainTextAsync("t***@example.jp");
        await Assertions.Expect(merge).ToContainTextAsync("shop2:77");
        await Assertions.Expect(Page.Locator("[data-testid='consent'] li[data-channel='email']")).ToContainTextAsync("送信可");
        await Assertions.Expect(Page.Locator("[data-testid='consent'] li[data-channel='line']")).ToContainTextAsync("LINE 未連携");
        // One channel a row, without list bullets (the page's stylesheet lays the list out).
        Assert.Equal("none", await Page.Locator("[data-testid='consent']").EvaluateAsync<string>("ul => getComputedStyle(ul).listStyleType"));
        await ShotAsync("customer-by-email");

        // Hiding personal data keeps the family name and masks the contact details.
        await Page.GetByLabel("個人情報を隠す").CheckAsync();
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("山田 ＊＊");
        var hidden = await Page.Locator("[data-testid='customer-profile']").InnerTextAsync();
        Assert.DoesNotContain("taro.yamada", hidden, StringComparison.Ordinal);
        Assert.DoesNotContain("1234-5678", hidden, StringComparison.Ordinal);
        await Page.GetByLabel("個人情報を隠す").UncheckAsync();
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("山田 太郎");
    }

    [Fact]
    public async Task A_kana_prefix_lists_every_customer_it_starts_with_how_each_matched()
    {
        await ShopAsync();
        await SignInAsync();
        await OpenAsync("#/customers?q=" + Uri.EscapeDataString("やま"));

        var rows = Page.Locator("[data-testid='customer-list'] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "山田 太郎" })).ToContainTextAsync("フリガナ");
        await Assertions.Expect(rows.Filter(new() { HasText = "山田 太郎" })).ToContainTextAsync("￥5,980");
        await Assertions.Expect(Page.Locator("[data-testid='result-count']")).ToHaveTextAsync("2 件見つかりました");
        await rows.Filter(new() { HasText = "山本 花子" }).GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("山本 花子");

        await OpenAsync("#/customers?q=" + Uri.EscapeDataString("佐藤"));
        await Assertions.Expect(Page.Locator("[data-testid='customer-results']")).ToContainTextAsync("該当する顧客は見つかりませんでした");
    }

    [Fact]
    public async Task Erasing_a_customer_asks_for_the_id_first_and_then_leaves_an_anonymous_record()
    {
        await ShopAsync();
        await SignInAsync();
        await OpenAsync("#/customers?q=" + Uri.EscapeDataString("hanako@example.jp"));
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("山本 花子");
        var id = new Uri(Page.Url).Fragment.Split('/')[^1];

        await Page.GetByRole(AriaRole.Button, new() { Name = "顧客を削除" }).ClickAsync();
        var dialog = Page.Locator("[data-testid='confirm-dialog']");
        await Assertions.Expect(dialog).ToContainTextAsync("この操作は元に戻せません");
        await Assertions.Expect(dialog.Locator("[data-testid='confirm-ok']")).ToBeDisabledAsync();
        await dialog.Locator("[data-testid='confirm-text']").FillAsync(id);
        await dialog.Locator("[data-testid='confirm-ok']").ClickAsync();

        await Assertions.Expect(Page.Locator("[data-testid='flash']")).ToHaveTextAsync("削除しました。");
        await Assertions.Expect(Page.Locator("main header")).ToContainTextAsync("削除済み");
        Assert.DoesNotContain("hanako", await Page.Locator("main").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        var orders = Page.Locator("[data-testid='customer-orders'] tbody tr");
        await Assertions.Expect(orders).ToContainTextAsync("￥2,000");
    }
}
