using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// The working pages as a CRM manager uses them in Chromium: a segment built and saved, a scenario from a preset, a
/// template previewed and test-sent, a failed message explained and replayed, SQL, DM and call lists.
/// </summary>
public sealed class DashboardWorkPagesBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    protected override void Configure(KozuchiAppFactory app) => app.WithStartSettings().WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1");

    private async Task<List<CustomerProfile>> ActiveProfilesAsync() =>
        await App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(Ct).Where(r => r.State == CustomerState.Active).Select(r => r.ToProfile()).ToListAsync(Ct);

    private async Task PostSegmentAsync(string json)
    {
        using var api = Session.Api();
        using var response = await api.PostAsync(new Uri("/api/segments", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_segment_built_in_the_builder_shows_the_count_the_api_answers_when_it_is_saved()
    {
        await LoadDemoAsync(200, 9);
        await SignInAsync();
        await OpenAsync("#/segments");

        var row = Page.Locator("[data-testid='rule-row']").First;
        await row.Locator("[data-testid='rule-type']").SelectOptionAsync("frequency");
        await row.Locator("input[data-field='min']").FillAsync("2");
        await Page.GetByLabel("名前").FillAsync("リピーター");
        await Page.GetByLabel("ID (英数字と - _)").FillAsync("repeaters");
        await Assertions.Expect(Page.Locator("[data-testid='segment-count'][data-state='done']")).ToBeVisibleAsync();
        var shown = await Page.Locator("[data-testid='segment-members']").InnerTextAsync();
        await ShotAsync("segments-builder");

        await Page.Locator("[data-testid='segment-save'] button[type='submit']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='segment-saved']")).ToContainTextAsync("「リピーター」を保存しました");

        using var api = Session.Api();
        using var response = await api.PostAsync(new Uri("/api/segments", UriKind.Relative),
            new StringContent("""{"schemaVersion":1,"id":"repeaters","name":"リピーター","rule":{"type":"frequency","min":2}}""", Encoding.UTF8, "application/json"), Ct);
        var evaluation = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("evaluation");
        var members = evaluation.GetProperty("members").GetInt32();
        Assert.Equal((await ActiveProfilesAsync()).Count(p => p.Frequency >= 2), members);
        Assert.Equal($"{members.ToString("N0", Ja)} 人", shown);
        var asOf = DateOnly.ParseExact(evaluation.GetProperty("asOf").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        await Assertions.Expect(Page.Locator("[data-testid='segment-count']")).ToContainTextAsync($"{asOf.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture)} 時点");
        await Assertions.Expect(Page.Locator("[data-testid='segment-sample-table'] tbody tr").First).ToBeVisibleAsync();

        // The segment goes on to the scenario builder, saved.
        await Page.Locator("[data-testid='segment-start']").ClickAsync();
        await Assertions.Expect(Page.Locator("main[data-path='scenarios/new']:not([aria-busy])")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#scenario-segment")).ToHaveValueAsync("repeaters");
    }

    [Fact]
    public async Task A_bought_product_segment_counts_every_customer_who_ever_bought_it_as_the_api_does()
    {
        await LoadDemoAsync(200, 9);
        var profiles = await ActiveProfilesAsync();
        // A product bought later by more customers than started with it: "bought" is not "entry product".
        var sku = profiles.SelectMany(p => p.BoughtProducts).Distinct(StringComparer.Ordinal)
            .MaxBy(s => profiles.Count(p => p.BoughtProducts.Contains(s)) - profiles.Count(p => p.EntryProducts.Contains(s)))!;
        var buyers = profiles.Count(p => p.BoughtProducts.Contains(sku));
        Assert.True(buyers > profiles.Count(p => p.EntryProducts.Contains(sku)), "the demo has repeat buyers of some product");
        await SignInAsync();
        await OpenAsync("#/segments");

        var row = Page.Locator("[data-testid='rule-row']").First;
        await row.Locator("[data-testid='rule-type']").SelectOptionAsync(new SelectOptionValue { Label = "購入商品" });
        // Before a code is typed the rule is unfinished: the page says what it needs (not the API's refusal of an empty rule).
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「購入商品」の商品を指定すると人数を数えます。");
        await row.Locator("input[data-field='products']").FillAsync(sku);
        await Assertions.Expect(Page.Locator("[data-testid='segment-count'][data-state='done']")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[data-testid='segment-members']")).ToHaveTextAsync($"{buyers.ToString("N0", Ja)} 人");

        // The code typed is read back as the product it names (learnt from the orders' lines); a code no order has says so.
        using var api = Session.Api();
        var names = JsonSerializer.Deserialize<Dictionary<string, string>>(await api.GetStringAsync(new Uri("/api/reports/products/names", UriKind.Relative), Ct))!;
        await Assertions.Expect(row.Locator("[data-testid='product-names']")).ToHaveTextAsync($"{sku} = {names[sku]}");
        await row.Locator("input[data-field='products']").FillAsync($"{sku}, NO-SUCH-SKU");
        await Assertions.Expect(row.Locator("[data-testid='product-names']")).ToHaveTextAsync($"{sku} = {names[sku]} / NO-SUCH-SKU（この商品コードの商品名は注文にありません）");

        // The same rule through the API (the profile snapshot is current by now: the second read comes from it).
        using var response = await api.PostAsync(new Uri("/api/segments/preview", UriKind.Relative),
            new StringContent($$$"""{"rule":{"type":"bought","products":["{{{sku}}}"]}}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(buyers, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("members").GetInt32());
    }

    [Fact]
    public async Task The_builders_sample_lists_members_by_name_with_revenue_in_yen_and_last_order_in_Tokyo_and_hides_names_on_request()
    {
        await LoadDemoAsync(200, 9);
        var store = App.Services.GetRequiredService<CustomerStore>();
        var first = (await ActiveProfilesAsync()).Where(p => p.Frequency >= 2).MinBy(p => p.CustomerId, StringComparer.Ordinal)!;
        var name = (await store.GetAsync(first.CustomerId, Ct))!.Contact.Name!;
        var lastOrder = TimeZoneInfo.ConvertTime(first.LastOrderAt!.Value, ShopTime.Tokyo.Zone).ToString("yyyy/MM/dd", CultureInfo.InvariantCulture);
        await SignInAsync();
        await OpenAsync("#/segments");

        var row = Page.Locator("[data-testid='rule-row']").First;
        await row.Locator("[data-testid='rule-type']").SelectOptionAsync("frequency");
        await row.Locator("input[data-field='min']").FillAsync("2");
        await Assertions.Expect(Page.Locator("[data-testid='segment-count'][data-state='done']")).ToBeVisibleAsync();

        // The first member (by id) is read by name, with the revenue in yen and the last order's day in Tokyo.
        var top = Page.Locator("[data-testid='segment-sample-table'] tbody tr").First;
        var link = top.Locator("a");
        await Assertions.Expect(link).ToHaveTextAsync(name);
        await Assertions.Expect(link).ToHaveAttributeAsync("href", $"#/customers/{first.CustomerId}");
        await Assertions.Expect(top).ToContainTextAsync($"￥{first.Monetary.ToString("N0", Ja)}");
        await Assertions.Expect(top).ToContainTextAsync(lastOrder);
        await ShotAsync("segments-sample");

        // Hidden on request, as in the RFM drill-down (the family name stays so the row is recognisable).
        var parts = name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var hidden = parts.Length > 1 ? $"{parts[0]} {new string('＊', Math.Min(3, string.Concat(parts[1..]).Length))}" : $"{name[0]}{new string('＊', Math.Min(3, name.Length - 1))}";
        await Page.GetByLabel("個人情報を隠す").CheckAsync();
        await Assertions.Expect(link).ToHaveTextAsync(hidden);
        await Page.GetByLabel("個人情報を隠す").UncheckAsync();
        await Assertions.Expect(link).ToHaveTextAsync(name);

        await link.ClickAsync();
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync(name);
        Assert.EndsWith($"#/customers/{first.CustomerId}", Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_builder_shows_and_reads_the_broadcast_time_in_Tokyo_whatever_the_browsers_own_zone()
    {
        await LoadDemoAsync(50, 3);
        await PostSegmentAsync("""{"schemaVersion":1,"id":"two-plus","name":"2回以上購入","rule":{"type":"frequency","min":2}}""");

        // The DevOps engineer abroad: a browser on Los Angeles time opens the same builder.
        await using var abroad = await Session.Context.Browser!.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP", TimezoneId = "America/Los_Angeles" });
        var page = await abroad.NewPageAsync();
        Session.Watch(page);
        await Session.SignInAsync(page);
        await Session.OpenAsync("#/scenarios/new?preset=dormant-reactivation&segment=two-plus", page);

        // The default is an hour from now as the shop's clock reads it (the browser's real clock: a margin, not a sleep).
        var shown = DateTime.ParseExact(await page.Locator("#scenario-at").InputValueAsync(), "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        var tokyoInAnHour = DateTimeOffset.UtcNow.AddHours(1).ToOffset(TimeSpan.FromHours(9)).DateTime;
        Assert.InRange((shown - tokyoInAnHour).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(5));

        // What the operator types is Tokyo time too: the preview says the same moment back.
        await page.Locator("#scenario-at").FillAsync("2026-11-01T12:00");
        await Assertions.Expect(page.Locator("[data-testid='preview-next-run']")).ToHaveTextAsync("2026/11/01 12:00");
    }

    [Fact]
    public async Task The_cart_recovery_preset_says_when_it_sends_as_a_person_writes_it()
    {
        await SignInAsync();
        await OpenAsync("#/scenarios/new?preset=cart-recovery");

        await Assertions.Expect(Page.Locator("[data-testid='preset-about']")).ToContainTextAsync("カゴ落ちから 1 時間後");
        await Assertions.Expect(Page.Locator("[data-testid='preview-trigger']")).ToHaveTextAsync("カゴ落ちから 1 時間後");
        // The suggested id ends with the time as the shop's clock reads it (Tokyo), to the minute.
        var id = await Page.Locator("#scenario-id").InputValueAsync();
        var stamp = DateTime.ParseExact(id[^12..], "yyyyMMddHHmm", CultureInfo.InvariantCulture);
        Assert.InRange((stamp - DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)).DateTime).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task The_builders_send_steps_say_what_they_do_with_which_template_not_their_step_ids_in_japanese_and_english()
    {
        await SignInAsync();
        await OpenAsync("#/scenarios/new?preset=dormant-120-line-email-then-dm");

        // The steps "online" and "dm" of the preset, read as what they do: the first channel's action, the fallback, the template.
        var labels = Page.Locator("[data-testid='send-step'] h3");
        await Assertions.Expect(labels).ToHaveTextAsync(["LINE を送る・届かなければメール（テンプレート: winback-120）", "DM を郵送する（テンプレート: winback-dm-postcard）"]);
        // The label follows the channels and the template chosen below it.
        var online = Page.Locator("[data-testid='send-step'][data-step='online']");
        await online.Locator("input[data-channel='email']").UncheckAsync();
        await Assertions.Expect(online.Locator("h3")).ToHaveTextAsync("LINE を送る（テンプレート: winback-120）");
        await online.Locator("[data-testid='send-template']").SelectOptionAsync("segment-broadcast");
        await Assertions.Expect(online.Locator("h3")).ToHaveTextAsync("LINE を送る（テンプレート: segment-broadcast）");
        await Assertions.Expect(online.GetByLabel("テンプレート: LINE を送る（テンプレート: segment-broadcast）")).ToHaveValueAsync("segment-broadcast");

        // A call step puts the customer on the call list; in English the steps say the same.
        await OpenAsync("#/scenarios/new?preset=dormant-call-high-f");
        await Assertions.Expect(labels).ToHaveTextAsync(["架電リストに載せる（テンプレート: call-script-dormant-vip）"]);
        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(labels).ToHaveTextAsync(["Put on the call list (template: call-script-dormant-vip)"]);
        await OpenAsync("#/scenarios/new?preset=dormant-120-line-email-then-dm");
        await Assertions.Expect(labels).ToHaveTextAsync(["Send a LINE message, else Email (template: winback-120)", "Mail a DM (template: winback-dm-postcard)"]);
        await Assertions.Expect(Page.Locator("[data-testid='send-steps']")).Not.ToContainTextAsync("online");
    }

    [Fact]
    public async Task A_broadcast_without_a_segment_asks_for_one_instead_of_showing_a_validation_error()
    {
        await SignInAsync();
        await OpenAsync("#/scenarios/new");

        await Assertions.Expect(Page.Locator("[data-testid='scenario-preview'][data-state='refused']")).ToContainTextAsync("対象セグメントを選んでください");
        await Assertions.Expect(Page.Locator("[data-testid='scenario-preview']")).Not.ToContainTextAsync("segmentId");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "作成して開始" })).ToBeDisabledAsync();
    }

    [Fact]
    public async Task A_scenario_created_from_a_preset_for_a_segment_enters_the_customers_its_preview_promised()
    {
        await LoadDemoAsync(200, 9);
        await PostSegmentAsync("""{"schemaVersion":1,"id":"two-plus","name":"2回以上購入","rule":{"type":"frequency","min":2}}""");
        await SignInAsync();
        await OpenAsync("#/scenarios/new?preset=dormant-reactivation&segment=two-plus&from=segments");

        await Assertions.Expect(Page.Locator("#scenario-preset")).ToHaveValueAsync("dormant-reactivation");
        await Assertions.Expect(Page.Locator("[data-testid='preset-description']")).ToContainTextAsync("クーポン案と新着商品案");
        await Assertions.Expect(Page.Locator("#scenario-when")).ToHaveValueAsync("broadcast");
        await Page.Locator("#scenario-at").FillAsync("2026-11-01T12:00");
        await Page.Locator("input[data-weight='coupon']").FillAsync("40");
        await Page.Locator("input[data-weight='new-arrivals']").FillAsync("40");
        await Page.Locator("input[data-weight='holdout']").FillAsync("20");
        await Page.Locator("#scenario-id").FillAsync("winback-two-plus");
        await Assertions.Expect(Page.Locator("[data-testid='scenario-preview'][data-state='ready']")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[data-testid='preview-trigger']")).ToHaveTextAsync("セグメント「2回以上購入」の全員に 2026/11/01 12:00 に一斉配信");
        await Assertions.Expect(Page.Locator("[data-testid='preview-next-run']")).ToHaveTextAsync("2026/11/01 12:00");

        // What the preview promises, against the customers counted here: two orders or more, reachable by LINE or email.
        var members = (await ActiveProfilesAsync()).Where(p => p.Frequency >= 2).ToList();
        var reachable = members.Where(p => p.Reachability.CanReach(Channel.Line) || p.Reachability.CanReach(Channel.Email)).Select(p => p.CustomerId).ToHashSet();
        var enters = Page.Locator("[data-testid='audience'] li[data-reason='enters']");
        var holdout = Page.Locator("[data-testid='audience'] li[data-reason='holdout']");
        var entering = int.Parse(await enters.GetAttributeAsync("data-count") ?? "0", CultureInfo.InvariantCulture);
        var heldOut = int.Parse(await holdout.GetAttributeAsync("data-count") ?? "0", CultureInfo.InvariantCulture);
        Assert.Equal(reachable.Count, entering + heldOut);
        await Assertions.Expect(enters).ToHaveTextAsync($"{entering.ToString("N0", Ja)} 人が対象になります");
        await Assertions.Expect(Page.Locator("[data-testid='audience'] li[data-reason='no-address'], [data-testid='audience'] li[data-reason='no-consent']").First).ToContainTextAsync("対象外");

        // Who enters is listed by name (the first by id first), each linked to the customer's page.
        var firstIn = reachable.Order(StringComparer.Ordinal).First();
        var firstName = (await App.Services.GetRequiredService<CustomerStore>().GetAsync(firstIn, Ct))!.Contact.Name!;
        var sampleLink = Page.Locator("[data-testid='audience-sample'] tbody tr").First.Locator("a");
        await Assertions.Expect(sampleLink).ToHaveTextAsync(firstName);
        await Assertions.Expect(sampleLink).ToHaveAttributeAsync("href", $"#/customers/{firstIn}");
        await ShotAsync("scenario-builder-preview");

        await Page.Locator("[data-testid='scenario-start']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='flash']")).ToHaveTextAsync("「休眠掘り起こし（90日） — 2回以上購入」を開始しました");
        await Assertions.Expect(Page.Locator("main table tbody tr", new() { HasText = "winback-two-plus" })).ToContainTextAsync("稼働中");
        await Assertions.Expect(Page.Locator("#results-title")).ToHaveTextAsync("結果: 休眠掘り起こし（90日） — 2回以上購入");

        App.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero));
        await App.Services.GetRequiredService<ScenarioTriggerRunner>().RunBroadcastsAsync(Ct);
        await App.Functions.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);
        var enrolled = await App.Services.GetRequiredService<EnrollmentStore>().ForScenarioAsync("winback-two-plus", activeOnly: false, Ct).ToListAsync(Ct);
        Assert.Equal(reachable.Order(StringComparer.Ordinal), enrolled.Select(e => e.CustomerId).Order(StringComparer.Ordinal));
        Assert.Equal(heldOut, enrolled.Count(e => e.HeldOut));

        // The list explains who did not enter, in words.
        await OpenAsync("#/scenarios");
        await Page.Locator("main button[data-audience='winback-two-plus']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='scenario-results'] [data-testid='audience'] li").First).ToBeVisibleAsync();
        var gaps = members.Count - reachable.Count;
        await Assertions.Expect(Page.Locator("[data-testid='scenario-results']")).ToContainTextAsync($"トリガーの対象 {members.Count.ToString("N0", Ja)} 人のうち");
        Assert.Equal(gaps, await Page.Locator("[data-testid='scenario-results'] li.gap").EvaluateAllAsync<int>("ls => ls.reduce((n, l) => n + Number(l.dataset.count), 0)"));
        await ShotAsync("scenario-audience");

        // Once the messages went out (sandbox), the results' uplift over the holdout names the pooled row in words (the
        // API's "all arms" once showed as it came), and each arm by the name the preset gave it.
        await App.Functions.DrainAsync(StorageCatalog.Queues.SendEmail, Kozuchi.Functions.Channels.SendEmailFunction.Name, Ct);
        await App.Functions.DrainAsync(StorageCatalog.Queues.SendLine, Kozuchi.Functions.Channels.SendLineFunction.Name, Ct);
        await Page.Locator("main button[data-results='winback-two-plus']").ClickAsync();
        var uplift = Page.Locator("[data-testid='scenario-results'] table", new() { Has = Page.Locator("caption", new() { HasText = "ホールドアウト比の上乗せ" }) });
        await Assertions.Expect(uplift.Locator("tbody th", new() { HasText = "全バリアント合計" })).ToBeVisibleAsync();
        await Assertions.Expect(uplift.Locator("tbody th", new() { HasText = "coupon" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[data-testid='scenario-results']")).Not.ToContainTextAsync("all arms");
    }

    [Fact]
    public async Task The_template_preview_shows_the_sample_customer_by_name_with_sama_and_a_test_send_lands_in_the_outbox()
    {
        await SignInAsync();
        await OpenAsync("#/templates");
        await Page.Locator("main a[href='#/templates/first-order-thanks']").First.ClickAsync();
        await Assertions.Expect(Page.Locator("main[data-path='templates/:id']:not([aria-busy])")).ToBeVisibleAsync();

        await Assertions.Expect(Page.Locator("[data-testid='preview-subject']")).ToHaveTextAsync("佐藤 花子 様、ご購入ありがとうございます");
        await Assertions.Expect(Page.FrameLocator("[data-testid='preview-frame']").Locator("body")).ToContainTextAsync("佐藤 花子 様");

        // An edit not saved yet is previewed as typed.
        await Page.GetByLabel("件名").First.FillAsync("{{ customer }}、秋の新作のご案内");
        await Assertions.Expect(Page.Locator("[data-testid='preview-subject']")).ToHaveTextAsync("佐藤 花子 様、秋の新作のご案内");
        await ShotAsync("template-preview");
        var description = await Page.GetByLabel("説明").InputValueAsync();
        await Page.GetByLabel("説明").FillAsync("秋の新作");
        await Page.GetByRole(AriaRole.Button, new() { Name = "変更を取り消す" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='preview-subject']")).ToHaveTextAsync("佐藤 花子 様、ご購入ありがとうございます");
        // Every field is back as saved, the description above the editor too.
        await Assertions.Expect(Page.GetByLabel("説明")).ToHaveValueAsync(description);
        await Assertions.Expect(Page.GetByLabel("件名").First).ToHaveValueAsync("{{ customer }}、ご購入ありがとうございます");
        await Page.GetByRole(AriaRole.Button, new() { Name = "メールをテスト送信" }).ClickAsync();
        await Page.Locator("[data-testid='test-send-link']").ClickAsync();
        await Assertions.Expect(Page.Locator("main[data-page='outbox']:not([aria-busy])")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("main")).ToContainTextAsync("佐藤 花子 様、ご購入ありがとうございます");
    }

    [Fact]
    public async Task A_failed_message_shows_why_it_failed_in_words_and_replays()
    {
        const string body = """{"v":1,"kind":"kozuchi","blob":"webhooks/orders/missing.json"}""";
        await Assert.ThrowsAsync<FunctionFailedException>(() => App.Functions.QueueAsync("ProcessOrders", body, dequeueCount: 5, cancellationToken: Ct));
        var poison = Session.Storage.Clients.PoisonQueue(StorageCatalog.Queues.OrdersIncoming);
        await poison.CreateIfNotExistsAsync(cancellationToken: Ct);
        await poison.SendMessageAsync(body, Ct);
        await SignInAsync();

        await OpenAsync("#/operations");
        var group = Page.Locator("[data-testid='failed-queue'][data-queue-name='orders-incoming']");
        await Assertions.Expect(group.Locator(".failed-what")).ToContainTextAsync("注文 Webhook — 保存先 webhooks/orders/missing.json");
        await Assertions.Expect(group.Locator(".failed-why")).ToContainTextAsync("理由:");
        await Assertions.Expect(group.Locator(".failed-why .hint")).ToContainTextAsync("試行 5 回");
        await ShotAsync("operations-failed");
        await group.GetByRole(AriaRole.Button, new() { Name = "再実行" }).ClickAsync();

        await Assertions.Expect(Page.Locator("main .status-line").First).ToHaveTextAsync("orders-incoming: 1 件を再投入しました");
        await Assertions.Expect(Page.Locator("[data-testid='poison']")).ToContainTextAsync("処理できなかったメッセージはありません。");
        var back = await Session.Storage.Clients.Queue(StorageCatalog.Queues.OrdersIncoming).ReceiveMessagesAsync(32, cancellationToken: Ct);
        Assert.Equal(body, Assert.Single(back.Value).Body.ToString());
    }

    [Fact]
    public async Task A_sample_query_runs_over_the_snapshot_and_shows_its_rows()
    {
        await LoadDemoAsync(60, 3);
        using (var api = Session.Api())
        {
            (await api.PostAsync(new Uri("/api/analytics/snapshots", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        }

        await SignInAsync();
        await OpenAsync("#/sql");
        await Page.Locator("[data-testid='sql-run']").ClickAsync();
        // The first query loads the snapshot into DuckDB: seconds on a busy machine.
        await Assertions.Expect(Page.Locator("[data-testid='sql-table'] tbody tr").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(Page.Locator("[data-testid='sql-table'] thead")).ToContainTextAsync("sales");
        await Assertions.Expect(Page.Locator("[data-testid='sql-summary']")).ToContainTextAsync("行");
        await ShotAsync("sql");
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.Locator("[data-testid='sql-csv']").ClickAsync());
        Assert.StartsWith("month,sales,orders", (await File.ReadAllTextAsync(await download.PathAsync(), Ct)).TrimStart('\uFEFF'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_query_of_a_new_shop_says_in_japanese_that_there_is_no_snapshot_and_takes_one_then_answers()
    {
        // A new shop opens 分析 before the first nightly snapshot: the API answers 409, the page says why in words.
        Session.Expect("response 409: POST .*/api/analytics/sql");
        // Chromium's console line for that response, and only for that address: any other failure still fails the test.
        Session.Expect("^console error: Failed to load resource: the server responded with a status of 409 \\(Conflict\\) \\(http://[^ ]+/api/analytics/sql");
        await LoadDemoAsync(60, 3);
        await SignInAsync();
        await OpenAsync("#/sql");
        await Assertions.Expect(Page.Locator("#result")).ToContainTextAsync("「実行」を押すと、結果がここに表示されます。");

        await Page.Locator("[data-testid='sql-run']").ClickAsync();
        var none = Page.Locator("[data-testid='sql-no-snapshot']");
        await Assertions.Expect(none).ToContainTextAsync("まだスナップショットがありません。");
        await Assertions.Expect(Page.Locator("main")).Not.ToContainTextAsync("POST /api");
        await ShotAsync("sql-no-snapshot");

        await none.GetByRole(AriaRole.Button, new() { Name = "スナップショットを作成して実行" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='sql-table'] tbody tr").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(Page.Locator("main .status-line").First).ToContainTextAsync("を作成しました");

        // Yen summed as DECIMAL reads as whole yen, with commas and without ".00".
        var sales = await Page.Locator("[data-testid='sql-table'] tbody tr td:nth-child(2)").AllInnerTextsAsync();
        Assert.NotEmpty(sales);
        Assert.All(sales, s => Assert.Matches(@"^\d{1,3}(,\d{3})*$", s));
    }

    [Fact]
    public async Task A_list_for_a_day_no_scenario_filled_says_so_in_japanese_instead_of_an_api_error()
    {
        Session.Expect("response 400: POST .*/api/exports/dm");
        Session.Expect("^console error: Failed to load resource: the server responded with a status of 400 \\(Bad Request\\) \\(http://[^ ]+/api/exports/dm");
        await SignInAsync();
        await OpenAsync("#/exports?day=2026-11-30");

        await Page.Locator("#export-campaign").FillAsync("冬のDM");
        await Page.Locator("[data-testid='export-form'] button[type='submit']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='export-empty']")).ToHaveTextAsync("2026/11/30 の郵送 DM にシナリオが載せた顧客はいません。別の日付か、保存済みセグメントを選んでください。");
        await Assertions.Expect(Page.Locator("[data-testid='export-status']")).Not.ToContainTextAsync("recipients");
    }

    [Fact]
    public async Task A_list_of_a_segment_nobody_is_in_says_so_without_asking_the_api()
    {
        // No Session.Expect: the page knows the segment is empty once it has its members, and sends no list request.
        await LoadDemoAsync(20, 5);
        await PostSegmentAsync("""{"schemaVersion":1,"id":"nobody","name":"誰もいない","rule":{"type":"frequency","min":500}}""");
        await SignInAsync();
        await OpenAsync("#/exports");

        await Page.Locator("#export-kind").SelectOptionAsync("calls");
        await Page.Locator("#export-source").SelectOptionAsync("segment");
        await Page.Locator("#export-segment").SelectOptionAsync("nobody");
        await Page.Locator("#export-campaign").FillAsync("冬の架電");
        await Page.Locator("[data-testid='export-form'] button[type='submit']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='export-empty']")).ToHaveTextAsync("このセグメントには今は対象の顧客がいません。");
        await Assertions.Expect(Page.Locator("[data-testid='export-form'] button[type='submit']")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_call_list_of_a_segment_is_made_listed_and_downloaded_and_call_results_come_back()
    {
        await LoadDemoAsync(80, 5);
        await PostSegmentAsync("""{"schemaVersion":1,"id":"everyone","name":"全員","rule":{"type":"frequency","min":1}}""");
        await SignInAsync();
        await OpenAsync("#/exports");

        await Page.Locator("#export-kind").SelectOptionAsync("calls");
        await Page.Locator("#export-source").SelectOptionAsync("segment");
        await Page.Locator("#export-segment").SelectOptionAsync("everyone");
        await Page.Locator("#export-campaign").FillAsync("autumn");
        await Page.Locator("[data-testid='export-form'] button[type='submit']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='export-done']")).ToContainTextAsync("架電リストを作成しました");
        await Assertions.Expect(Page.Locator("[data-testid='export-file-table'] tbody tr")).ToHaveCountAsync(1);
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.Locator("[data-testid='export-download']").ClickAsync());
        var list = await File.ReadAllTextAsync(await download.PathAsync(), Ct);
        var phoned = (await ActiveProfilesAsync()).First(p => p.Reachability.CanReach(Channel.Phone));
        Assert.Contains(phoned.CustomerId, list, StringComparison.Ordinal);
        await ShotAsync("exports");

        await Page.Locator("#call-results-file").SetInputFilesAsync(new FilePayload
        {
            Name = "results.csv", MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes($"customer_id,outcome,refusal_reason,called_at,operator\r\n{phoned.CustomerId},reached,,2026-10-31 15:00,op1\r\nnobody,reached,,2026-10-31 15:00,op1\r\n{phoned.CustomerId},留守,,2026-10-31 15:10,op1\r\n"),
        });
        await Page.Locator("[data-testid='call-results-form'] button[type='submit']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='call-results-done']")).ToHaveTextAsync("1 件を取り込みました (架電拒否に変更 0 人・不明な顧客 1 人・エラー行 1 行)");
        // The bad row's reason in Japanese, not the API's English.
        await Assertions.Expect(Page.Locator("[data-testid='call-result-errors'] tbody tr")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^4\\s*結果「留守」は分かりません。通話・不在・購入・拒否 のいずれかにしてください。$"));
    }
}
