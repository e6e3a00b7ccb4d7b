using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>The dashboard in real Chromium against the app on a real port: sign in, every page, drill-downs, replay.</summary>
public sealed class DashboardBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private const string OperatorKey = DashboardSession.OperatorKey;

    private DashboardSession _session = null!;
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private IPage _page = null!;
    private Uri _base = null!;

    public async ValueTask InitializeAsync()
    {
        _session = await DashboardSession.StartAsync(azurite, browser);
        (_storage, _app, _page, _base) = (_session.Storage, _session.App, _session.Page, _session.Base);
    }

    public async ValueTask DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task Unauthenticated_visit_goes_to_login_and_a_wrong_key_is_refused()
    {
        await _page.GotoAsync(new Uri(_base, "/api/dashboard/").ToString());
        Assert.Contains("/api/dashboard/login", _page.Url, StringComparison.Ordinal);

        await _page.GetByLabel("オペレーターキー / Operator key").FillAsync("wrong");
        await _page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();

        await Assertions.Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("キーが正しくありません");
        await Shot("login-refused");
    }

    [Fact]
    public async Task Operator_signs_in_and_opens_every_page_in_japanese_then_english()
    {
        await SignIn();
        string[] pages = ["overview", "rfm", "cohorts", "products", "scenarios", "operations"];
        foreach (var name in pages)
        {
            await _page.Locator($"#nav a[data-page='{name}']").ClickAsync();
            await Assertions.Expect(_page.Locator($"main[data-page='{name}']")).ToBeVisibleAsync();
            await Assertions.Expect(_page.Locator($"#nav a[data-page='{name}']")).ToHaveAttributeAsync("aria-current", "page");
            await Assertions.Expect(_page.Locator("main h1")).ToBeVisibleAsync();
            await Assertions.Expect(_page.Locator("main .error")).ToHaveCountAsync(0);
            await Shot($"ja-{name}");
        }

        await _page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(_page.Locator("#nav a[data-page='operations']")).ToHaveTextAsync("Imports & failures");
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Shot("en-operations");
    }

    [Fact]
    public async Task Poison_message_is_shown_and_replayed_from_the_operations_page()
    {
        const string queue = "orders-incoming";
        await _storage.Clients.PoisonQueue(queue).CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        await _storage.Clients.PoisonQueue(queue).SendMessageAsync("""{"orders":["broken"]}""", TestContext.Current.CancellationToken);
        await SignIn();

        await _page.Locator("#nav a[data-page='operations']").ClickAsync();
        await Assertions.Expect(_page.Locator("main pre.message")).ToContainTextAsync("broken");
        await Shot("operations-poison");
        await _page.Locator($"main button[data-queue='{queue}']").ClickAsync();

        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("1");
        var back = await _storage.Clients.Queue(queue).ReceiveMessagesAsync(32, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("""{"orders":["broken"]}""", Assert.Single(back.Value).Body.ToString());
    }

    [Fact]
    public async Task An_imported_file_is_listed_with_its_counts_and_its_error_report_downloads()
    {
        var ct = TestContext.Current.CancellationToken;
        var csv = "order_id,ordered_at,customer_ref,order_total\r\n1,2026-10-01,c1,100\r\n2,2026-10-01,,100\r\n";
        await _storage.Clients.Container(Kozuchi.Storage.Infrastructure.StorageCatalog.Containers.Imports).GetBlobClient("october.csv").UploadAsync(BinaryData.FromString(csv), ct);
        Assert.Equal(1, await _app.Functions.PollBlobsAsync(Kozuchi.Functions.Ingest.ImportOrdersFunction.Name, ct));
        await SignIn();

        await _page.Locator("#nav a[data-page='operations']").ClickAsync();
        var row = _page.Locator("[data-testid='imports'] tbody tr", new() { HasText = "october.csv" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("1");
        await Shot("operations-imports");
        var download = await _page.RunAndWaitForDownloadAsync(() => row.GetByRole(AriaRole.Link, new() { Name = "エラー一覧 (CSV)" }).ClickAsync());
        var text = await File.ReadAllTextAsync(await download.PathAsync(), ct);
        Assert.Contains("3,customer_ref,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_demo_data_the_overview_cohort_and_product_pages_show_the_analytics()
    {
        await _app.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(200, 9, null, TestContext.Current.CancellationToken);
        await SignIn();

        await Assertions.Expect(_page.Locator("[data-testid='kpis'] .card")).ToHaveCountAsync(8);
        await Assertions.Expect(_page.Locator("[data-testid='freshness']")).ToHaveAttributeAsync("data-current", "true");
        await Assertions.Expect(_page.Locator("[data-testid='freshness']")).ToContainTextAsync("集計時刻:");
        await Shot("data-overview");
        await _page.Locator("#nav a[data-page='cohorts']").ClickAsync();
        await Assertions.Expect(_page.Locator("main table tbody tr").First).ToBeVisibleAsync();
        Assert.True(await _page.Locator("main table tbody tr").CountAsync() >= 30);
        await Shot("data-cohorts");
        await _page.Locator("#nav a[data-page='products']").ClickAsync();
        await Assertions.Expect(_page.Locator("main table")).ToHaveCountAsync(3);
        await Assertions.Expect(_page.Locator("main .error")).ToHaveCountAsync(0);
        await Shot("data-products");
    }

    [Fact]
    public async Task Rfm_drill_down_starts_a_broadcast_for_the_cell_whose_results_count_the_cell_customers()
    {
        var ct = TestContext.Current.CancellationToken;
        await _app.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(200, 9, null, ct);
        await SignIn();
        await _page.Locator("#nav a[data-page='rfm']").ClickAsync();

        // The most populated cell, as the grid shows it.
        var cells = _page.Locator("[data-testid='rfm-grid'] button");
        await Assertions.Expect(cells.First).ToBeVisibleAsync();
        var counts = await cells.Locator("strong").AllTextContentsAsync();
        var best = counts.Select((c, i) => (Count: int.Parse(c, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.GetCultureInfo("ja-JP")), Index: i)).MaxBy(c => c.Count);
        Assert.True(best.Count > 0);
        var cell = cells.Nth(best.Index);
        var (r, f) = (await cell.GetAttributeAsync("data-r"), await cell.GetAttributeAsync("data-f"));
        await cell.ClickAsync();
        await Assertions.Expect(_page.Locator("section table tbody tr").First).ToBeVisibleAsync();
        await Shot("rfm-drill-down");

        await _page.GetByRole(AriaRole.Link, new() { Name = "このセグメントでシナリオを開始" }).ClickAsync();
        var form = _page.Locator("[data-testid='start-scenario']");
        await Assertions.Expect(form).ToBeVisibleAsync();
        await _page.GetByLabel("名前").FillAsync("休眠前フォロー");
        await Assertions.Expect(_page.GetByLabel("テンプレート")).ToHaveValueAsync("segment-broadcast");
        await _page.GetByLabel("配信日時").FillAsync("2026-11-01T12:00");
        await Shot("scenario-start-form");
        await form.GetByRole(AriaRole.Button, new() { Name = "シナリオを開始" }).ClickAsync();
        var scenarioId = $"broadcast-rfm-r{r}-f{f}-202611011200";
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync(scenarioId);
        await Assertions.Expect(_page.Locator("main table tbody tr", new() { HasText = scenarioId })).ToContainTextAsync("稼働中");

        // The broadcast goes out when its time comes: the sweep enrolls the segment, the router starts each enrollment.
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero));
        var enrolled = await _app.Services.GetRequiredService<Kozuchi.Storage.Scenarios.ScenarioTriggerRunner>().RunBroadcastsAsync(ct);
        Assert.Equal(best.Count, enrolled);
        var events = _storage.Clients.Queue(Kozuchi.Storage.Infrastructure.StorageCatalog.Queues.ScenarioEvents);
        while ((await events.ReceiveMessagesAsync(32, cancellationToken: ct)).Value is { Length: > 0 } messages)
        {
            foreach (var m in messages)
            {
                await _app.Functions.QueueAsync("RouteScenarioEvents", m.MessageText, m.MessageId, m.DequeueCount, ct);
                await events.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
            }
        }

        // Enrolled are the cell's customers an email can reach (the others are not enrolled, by the suppression policy).
        using var api = new HttpClient { BaseAddress = _base };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorKey);
        var drill = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/reports/rfm/customers?r={r}&f={f}&take=1000", UriKind.Relative), ct)).RootElement;
        Assert.Equal(best.Count, drill.GetProperty("total").GetInt32());
        var reachable = drill.GetProperty("customers").EnumerateArray().Count(c => c.GetProperty("canEmail").GetBoolean());
        Assert.InRange(reachable, 1, best.Count);

        // Their emails go out on the sandbox (as scripts/start sets it): each is in the outbox and counted as such, none as sent.
        var sends = _storage.Clients.Queue(Kozuchi.Storage.Infrastructure.StorageCatalog.Queues.SendEmail);
        while ((await sends.ReceiveMessagesAsync(32, cancellationToken: ct)).Value is { Length: > 0 } batches)
        {
            foreach (var m in batches)
            {
                await _app.Functions.QueueAsync(Kozuchi.Functions.Channels.SendEmailFunction.Name, m.MessageText, m.MessageId, m.DequeueCount, ct);
                await sends.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
            }
        }

        var count = reachable.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("ja-JP"));
        await _page.Locator($"main button[data-results='{scenarioId}']").ClickAsync();
        await Assertions.Expect(_page.Locator("[data-testid='scenario-totals'] .card").First).ToHaveTextAsync("対象者" + count);
        await Assertions.Expect(_page.Locator("[data-testid='send-outcomes'] .card", new() { HasText = "送信 (サンドボックス)" })).ToHaveTextAsync("送信 (サンドボックス)" + count);
        await Assertions.Expect(_page.Locator("[data-testid='send-outcomes'] .card", new() { HasText = "失敗" })).ToHaveTextAsync("失敗0");
        await Assertions.Expect(_page.Locator("[data-testid='freshness']")).ToHaveAttributeAsync("data-current", "true");
        await Assertions.Expect(_page.Locator("main .error")).ToHaveCountAsync(0);
        await Shot("scenario-results");
    }

    [Fact]
    public async Task Every_amount_is_shown_in_its_own_currency_and_other_currencies_are_listed_apart()
    {
        var ct = TestContext.Current.CancellationToken;
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
        await _app.Services.GetRequiredService<Kozuchi.Storage.Customers.OrderIngestor>().IngestAsync(
            [new(Order("1001", "hanako@example.jp", 5980m, "JPY", 7), null), new(Order("1002", "john@test.com", 403.00m, "USD", 8), null)], null, ct);
        await SignIn();

        // The yen shop's revenue is yen; the dollar order is beside it, in dollars, not added.
        var summary = _page.Locator("[data-testid='summary']");
        await Assertions.Expect(summary.Locator(".card").Nth(2)).ToContainTextAsync("￥5,980");
        await Assertions.Expect(_page.Locator("[data-testid='summary-other-currencies']")).ToHaveTextAsync("他の通貨（合算していません）: $403.00 (1件)");
        await Assertions.Expect(_page.Locator("[data-testid='kpis'] .card").First).ToContainTextAsync("￥5,980");
        await Assertions.Expect(_page.Locator("[data-testid='kpi-other-currencies']")).ToContainTextAsync("$403.00");
        await Shot("currency-overview");

        // Each customer's figure in their own currency in the drill-down.
        await _page.Locator("#nav a[data-page='rfm']").ClickAsync();
        var cell = _page.Locator("[data-testid='rfm-grid'] button[data-r='1'][data-f='1']");
        await Assertions.Expect(cell).ToHaveTextAsync("2新規顧客");
        await Assertions.Expect(_page.Locator("main")).Not.ToContainTextAsync("[object Object]");
        await cell.ClickAsync();
        var rows = _page.Locator("section table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("￥5,980");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("$403.00");
        await Shot("currency-rfm-drill-down");

        await _page.GetByLabel("表示言語").SelectOptionAsync("en");
        await _page.Locator("#nav a[data-page='overview']").ClickAsync();
        await Assertions.Expect(_page.Locator("[data-testid='summary-other-currencies']")).ToHaveTextAsync("Other currencies (not added): $403.00 (1 orders)");
        await Assertions.Expect(_page.Locator("[data-testid='summary'] .card").Nth(2)).ToContainTextAsync("¥5,980");
    }

    [Fact]
    public async Task Dashboard_is_keyboard_navigable_with_a_skip_link_and_labelled_controls()
    {
        await SignIn();
        await _page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(_page.Locator(".skip")).ToBeFocusedAsync();
        await _page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(_page.Locator("#nav a").First).ToBeFocusedAsync();
        await _page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(_page.Locator("main[data-page='overview']")).ToBeVisibleAsync();
        var unlabelled = await _page.EvaluateAsync<int>("""
            () => [...document.querySelectorAll('input, select, button')].filter(e =>
              !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).length
            """);
        Assert.Equal(0, unlabelled);
    }

    [Fact]
    public async Task Every_text_has_japanese_and_english_and_every_label_in_the_page_has_a_text()
    {
        await SignIn();
        var missing = await _page.EvaluateAsync<string[]>("""
            () => {
              const { ja, en } = window.KOZUCHI_I18N;
              const keys = new Set([...Object.keys(ja), ...Object.keys(en)]);
              document.querySelectorAll('[data-i18n]').forEach(e => keys.add(e.dataset.i18n));
              return [...keys].filter(k => !(k in ja) || !(k in en));
            }
            """);
        Assert.Empty(missing);
    }

    private async Task SignIn()
    {
        await _page.GotoAsync(new Uri(_base, "/api/dashboard/").ToString());
        await _page.GetByLabel("オペレーターキー / Operator key").FillAsync(OperatorKey);
        await _page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
        await Assertions.Expect(_page.Locator("main[data-page]")).ToBeVisibleAsync();
    }

    private Task Shot(string name) =>
        _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png"), FullPage = true });
}
