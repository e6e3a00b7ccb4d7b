using System.Globalization;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>The dashboard's shell in real Chromium against the app on a real port: sign in, every page in both languages, keyboard use, replay, imports, the RFM cell to a started broadcast.</summary>
public sealed class DashboardBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    [Fact]
    public async Task The_apps_address_leads_to_a_styled_login_page_and_a_wrong_key_is_refused()
    {
        await Page.GotoAsync(Session.Base.ToString());
        Assert.Contains("/api/dashboard/login", Page.Url, StringComparison.Ordinal);

        // The stylesheet and the icon load before sign-in: the card is styled and nothing failed.
        Assert.Equal("12px", await Page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('main')).borderTopLeftRadius"));
        Assert.True(await Page.EvaluateAsync<bool>("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"));

        await Page.GetByLabel("オペレーターキー / Operator key").FillAsync("wrong");
        await Page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("キーが正しくありません");
        await ShotAsync("login-refused");
    }

    [Fact]
    public async Task The_dashboard_address_without_its_slash_opens_the_dashboard_after_sign_in()
    {
        await Page.GotoAsync(new Uri(Session.Base, "/api/dashboard").ToString());
        await Page.GetByLabel("オペレーターキー / Operator key").FillAsync(DashboardSession.OperatorKey);
        await Page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();

        await Assertions.Expect(Page.Locator("main[data-page='overview']")).ToBeVisibleAsync();
        Assert.EndsWith("/api/dashboard/", new Uri(Page.Url).AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("rgb(29, 35, 48)", await Page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('header.top')).backgroundColor"));
    }

    [Fact]
    public async Task Operator_opens_every_page_of_the_navigation_in_japanese_then_english()
    {
        await SignInAsync();
        var pages = await Page.Locator("#nav a").EvaluateAllAsync<string[]>("links => links.map(a => a.dataset.page)");
        Assert.Contains("customers", pages);
        foreach (var name in pages)
        {
            await Page.Locator($"#nav a[data-page='{name}']").ClickAsync();
            await Assertions.Expect(Page.Locator($"main[data-page='{name}']:not([aria-busy])")).ToBeVisibleAsync();
            await Assertions.Expect(Page.Locator($"#nav a[data-page='{name}']")).ToHaveAttributeAsync("aria-current", "page");
            await Assertions.Expect(Page.Locator("main h1")).ToBeVisibleAsync();
            await Assertions.Expect(Page.Locator("main [data-testid='error']")).ToHaveCountAsync(0);
            Assert.DoesNotContain("[object Object]", await Page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        }

        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(Page.Locator("#nav a[data-page='operations']")).ToHaveTextAsync("Imports & failures");
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("Imports & failures");
        await Assertions.Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }

    [Fact]
    public async Task An_unknown_address_says_the_page_does_not_exist_instead_of_showing_the_overview()
    {
        await SignInAsync();
        await OpenAsync("#/no-such-page");

        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("ページが見つかりません");
        await Assertions.Expect(Page.GetByRole(AriaRole.Link, new() { Name = "概要へ戻る" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Poison_message_is_shown_and_replayed_from_the_operations_page()
    {
        const string queue = "orders-incoming";
        await Session.Storage.Clients.PoisonQueue(queue).CreateIfNotExistsAsync(cancellationToken: Ct);
        await Session.Storage.Clients.PoisonQueue(queue).SendMessageAsync("""{"orders":["broken"]}""", Ct);
        await SignInAsync();

        await Page.Locator("#nav a[data-page='operations']").ClickAsync();
        await Assertions.Expect(Page.Locator("main pre.message")).ToContainTextAsync("broken");
        await ShotAsync("operations-poison");
        await Page.Locator($"main button[data-queue='{queue}']").ClickAsync();

        await Assertions.Expect(Page.Locator("main .status-line")).ToHaveTextAsync($"{queue}: 1 件を再投入しました");
        var back = await Session.Storage.Clients.Queue(queue).ReceiveMessagesAsync(32, cancellationToken: Ct);
        Assert.Equal("""{"orders":["broken"]}""", Assert.Single(back.Value).Body.ToString());
    }

    [Fact]
    public async Task An_imported_file_is_listed_with_its_counts_and_progress_and_its_error_report_downloads()
    {
        var csv = "order_id,ordered_at,customer_ref,order_total\r\n1,2026-10-01,c1,100\r\n2,2026-10-01,,100\r\n";
        await Session.Storage.Clients.Container(Kozuchi.Storage.Infrastructure.StorageCatalog.Containers.Imports).GetBlobClient("october.csv").UploadAsync(BinaryData.FromString(csv), Ct);
        Assert.Equal(1, await App.Functions.PollBlobsAsync(Kozuchi.Functions.Ingest.ImportOrdersFunction.Name, Ct));
        await SignInAsync();

        await Page.Locator("#nav a[data-page='operations']").ClickAsync();
        var row = Page.Locator("[data-testid='imports'] tbody tr", new() { HasText = "october.csv" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        // The file name is the row's header cell; then time, rows read, accepted, stored, pending, rejected.
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("1");
        await Assertions.Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("1");

        // Read and queued, not applied yet: the accepted order has not arrived, its chunk is pending.
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("0");
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("1 (1/1 チャンク)");
        await ShotAsync("operations-imports-pending");
        Assert.Equal(1, await App.Functions.DrainAsync(Kozuchi.Storage.Infrastructure.StorageCatalog.Queues.OrdersIncoming, "ProcessOrders", Ct));
        await Page.ReloadAsync();
        row = Page.Locator("[data-testid='imports'] tbody tr", new() { HasText = "october.csv" });
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("1");
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("0");
        await ShotAsync("operations-imports");

        // The rejected row and why, in Japanese (the parser writes its reasons in English for the error CSV).
        await row.GetByRole(AriaRole.Button, new() { Name = "エラー行 (1)" }).ClickAsync();
        var rejected = Page.Locator("[data-testid='import-error-rows'] tbody tr");
        await Assertions.Expect(rejected).ToHaveCountAsync(1);
        await Assertions.Expect(rejected.Locator("td").Last).ToHaveTextAsync("顧客を特定できません。customer_ref・email・phone のいずれかが必要です。");
        var download = await Page.RunAndWaitForDownloadAsync(() => row.GetByRole(AriaRole.Link, new() { Name = "エラー一覧 (CSV)" }).ClickAsync());
        var text = await File.ReadAllTextAsync(await download.PathAsync(), Ct);
        Assert.Contains("3,customer_ref,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_the_cli_ran_in_process_is_listed_as_stored_not_as_zero()
    {
        // The demo loader imports as `kozuchi import orders` does: in process, no chunks, everything stored when it returns.
        await LoadDemoAsync();
        await SignInAsync();

        await Page.Locator("#nav a[data-page='operations']").ClickAsync();
        var row = Page.Locator("[data-testid='imports'] tbody tr", new() { HasText = "demo" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        var accepted = await row.Locator("td").Nth(2).InnerTextAsync();
        Assert.NotEqual("0", accepted);
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(accepted);
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task An_rfm_cell_opens_the_scenario_page_with_its_segment_and_the_broadcast_counts_the_cells_customers()
    {
        await LoadDemoAsync();
        await SignInAsync();
        await OpenAsync("#/rfm");

        // The most populated cell, as the grid shows it.
        var cells = Page.Locator("[data-testid='rfm-grid'] button");
        await Assertions.Expect(cells).ToHaveCountAsync(25);
        var counts = await cells.EvaluateAllAsync<int[]>("bs => bs.map(b => Number(b.dataset.customers))");
        var best = counts.Select((c, i) => (Count: c, Index: i)).MaxBy(c => c.Count);
        Assert.True(best.Count > 0);
        var cell = cells.Nth(best.Index);
        var (r, f) = (await cell.GetAttributeAsync("data-r"), await cell.GetAttributeAsync("data-f"));
        await cell.ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='rfm-customers'] tbody tr").First).ToBeVisibleAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "このセルにシナリオを開始" }).ClickAsync();
        await Assertions.Expect(Page.Locator("main[data-path='scenarios/new']:not([aria-busy])")).ToBeVisibleAsync();
        Assert.Contains($"segment=rfm-r{r}-f{f}", Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(Page.Locator("#scenario-segment")).ToHaveValueAsync($"rfm-r{r}-f{f}");
        await Assertions.Expect(Page.Locator("#scenario-segment option:checked")).ToContainTextAsync($"(R{r}×F{f})");
        await Page.Locator("#scenario-name").FillAsync("休眠前フォロー");
        var scenarioId = $"broadcast-rfm-r{r}-f{f}-202611011200";
        await Page.Locator("#scenario-id").FillAsync(scenarioId);
        await Assertions.Expect(Page.Locator("[data-testid='send-template']")).ToHaveValueAsync("segment-broadcast");
        await Page.Locator("#scenario-at").FillAsync("2026-11-01T12:00");
        await Assertions.Expect(Page.Locator("[data-testid='scenario-preview'][data-state='ready']")).ToBeVisibleAsync();
        await ShotAsync("scenario-start-form");
        await Page.Locator("[data-testid='scenario-start']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='flash']")).ToHaveTextAsync("「休眠前フォロー」を開始しました");
        await Assertions.Expect(Page.Locator("main table tbody tr", new() { HasText = scenarioId })).ToContainTextAsync("稼働中");

        // The broadcast goes out when its time comes: the sweep enrolls the segment, the router starts each enrollment.
        App.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero));
        var enrolled = await App.Services.GetRequiredService<Kozuchi.Storage.Scenarios.ScenarioTriggerRunner>().RunBroadcastsAsync(Ct);
        Assert.Equal(best.Count, enrolled);
        await DrainAsync(Kozuchi.Storage.Infrastructure.StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents");

        // Enrolled are the cell's customers an email can reach (the others are not enrolled, by the suppression policy).
        using var api = Session.Api();
        var drill = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/reports/rfm/customers?r={r}&f={f}&take=500", UriKind.Relative), Ct)).RootElement;
        Assert.Equal(best.Count, drill.GetProperty("total").GetInt32());
        var reachable = drill.GetProperty("customers").EnumerateArray().Count(c => c.GetProperty("canEmail").GetBoolean());
        Assert.InRange(reachable, 1, best.Count);

        // Their emails go out on the sandbox (as scripts/start sets it): each is in the outbox and counted as such, none as sent.
        await DrainAsync(Kozuchi.Storage.Infrastructure.StorageCatalog.Queues.SendEmail, Kozuchi.Functions.Channels.SendEmailFunction.Name);
        var count = reachable.ToString("N0", Ja);
        await Page.Locator($"main button[data-results='{scenarioId}']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='scenario-totals'] .card").First).ToHaveTextAsync("対象者" + count);
        await Assertions.Expect(Page.Locator("[data-testid='send-outcomes'] .card", new() { HasText = "送信 (サンドボックス)" })).ToHaveTextAsync("送信 (サンドボックス)" + count);
        await Assertions.Expect(Page.Locator("[data-testid='send-outcomes'] .card", new() { HasText = "失敗" })).ToHaveTextAsync("失敗0");
        await Assertions.Expect(Page.Locator("[data-testid='scenario-results'] [data-testid='freshness']")).ToHaveAttributeAsync("data-current", "true");
        await ShotAsync("scenario-results");
    }

    [Fact]
    public async Task Every_amount_is_shown_in_its_own_currency_and_other_currencies_are_listed_apart()
    {
        // This morning in Tokyo (the app's clock is 2026-11-01 09:00 JST): the month the overview's KPI cards show.
        Kozuchi.Core.Orders.Order Order(string id, string email, decimal total, string currency, int hour) => new()
        {
            Key = new Kozuchi.Core.Orders.OrderKey("shopify", id),
            OrderedAt = new DateTimeOffset(2026, 11, 1, hour, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 11, 1, hour, 0, 0, TimeSpan.FromHours(9)),
            Contact = new Kozuchi.Core.Orders.OrderContact { Email = email },
            Lines = [new Kozuchi.Core.Orders.OrderLine { Sku = "S", ProductName = "商品", UnitPrice = total }],
            Total = total,
            Currency = currency,
        };
        await App.Services.GetRequiredService<Kozuchi.Storage.Customers.OrderIngestor>().IngestAsync(
            [new(Order("1001", "hanako@example.jp", 5980m, "JPY", 7), null), new(Order("1002", "john@test.com", 403.00m, "USD", 8), null)], null, Ct);
        await SignInAsync();

        // The yen shop's revenue is yen; the dollar order is beside it, in dollars, not added.
        await Assertions.Expect(Page.Locator("[data-testid='lifetime'] [data-kpi='revenue']")).ToContainTextAsync("￥5,980");
        await Assertions.Expect(Page.Locator("[data-testid='summary-other-currencies']")).ToHaveTextAsync("他の通貨（合算していません）: $403.00 (1件)");
        await Assertions.Expect(Page.Locator("[data-testid='kpis'] .card").First).ToContainTextAsync("￥5,980");
        await Assertions.Expect(Page.Locator("[data-testid='kpi-other-currencies']")).ToContainTextAsync("$403.00");
        await ShotAsync("currency-overview");

        // Each customer's figure in their own currency in the drill-down.
        await Page.Locator("#nav a[data-page='rfm']").ClickAsync();
        var cell = Page.Locator("[data-testid='rfm-grid'] button[data-r='1'][data-f='1']");
        await Assertions.Expect(cell.Locator(".heat-text")).ToHaveTextAsync("新規顧客");
        await Assertions.Expect(cell).ToHaveAttributeAsync("data-customers", "2");
        await Assertions.Expect(Page.Locator("main")).Not.ToContainTextAsync("[object Object]");
        await cell.ClickAsync();
        var rows = Page.Locator("[data-testid='rfm-customers'] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("￥5,980");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("$403.00");
        await ShotAsync("currency-rfm-drill-down");

        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Page.Locator("#nav a[data-page='overview']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='summary-other-currencies']")).ToHaveTextAsync("Other currencies (not added): $403.00 (1 orders)");
        await Assertions.Expect(Page.Locator("[data-testid='lifetime'] [data-kpi='revenue']")).ToContainTextAsync("¥5,980");
    }

    [Fact]
    public async Task Dashboard_is_keyboard_navigable_with_a_skip_link_labelled_controls_and_no_frame_around_the_content()
    {
        await SignInAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(Page.Locator(".skip")).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(Page.Locator(".brand")).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(Page.Locator("#nav a").First).ToBeFocusedAsync();
        Assert.NotEqual("none", await Page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Page.Locator("main[data-page='overview']:not([aria-busy])")).ToBeVisibleAsync();

        // The router focuses the content for screen readers; no focus ring is drawn around it.
        await Assertions.Expect(Page.Locator("main#content")).ToBeFocusedAsync();
        Assert.Equal("none", await Page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('main')).outlineStyle"));
        foreach (var hash in new[] { "#/overview", "#/rfm", "#/customers", "#/scenarios", "#/operations" })
        {
            await OpenAsync(hash);
            var unlabelled = await Page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('input, select, button, textarea')].filter(e =>
                  !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).map(e => e.outerHTML)
                """);
            Assert.Empty(unlabelled);
        }
    }

    [Fact]
    public async Task Every_text_has_japanese_and_english_and_every_label_in_the_page_has_a_text()
    {
        await SignInAsync();
        var missing = await Page.EvaluateAsync<string[]>("""
            () => {
              const { ja, en } = window.KOZUCHI_I18N;
              const keys = new Set([...Object.keys(ja), ...Object.keys(en)]);
              document.querySelectorAll('[data-i18n]').forEach(e => keys.add(e.dataset.i18n));
              return [...keys].filter(k => !(k in ja) || !(k in en) || !ja[k] || !en[k]);
            }
            """);
        Assert.Empty(missing);
        Assert.True(await Page.EvaluateAsync<int>("() => Object.keys(window.KOZUCHI_I18N.ja).length") > 300);
    }

    private async Task DrainAsync(string queueName, string function)
    {
        var queue = Session.Storage.Clients.Queue(queueName);
        while ((await queue.ReceiveMessagesAsync(32, cancellationToken: Ct)).Value is { Length: > 0 } messages)
        {
            foreach (var m in messages)
            {
                await App.Functions.QueueAsync(function, m.MessageText, m.MessageId, m.DequeueCount, Ct);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, Ct);
            }
        }
    }
}
