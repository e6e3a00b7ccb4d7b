using System.Net.Http.Headers;
using System.Text;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Functions.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// 送信プレビュー in real Chromium, as a CRM manager uses it after a scenario ran on the sandbox: the results say how
/// many messages went to the sandbox, the link opens them, and each is shown as the customer sees it — the email's
/// HTML in a sandboxed frame (read here as the customer reads it), the LINE messages as chat bubbles — with no console
/// error and no policy violation.
/// </summary>
public sealed class DashboardOutboxBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private const string Scenario = """
        { "schemaVersion": 1, "id": "thanks", "version": 1, "name": "初回購入のお礼", "trigger": { "type": "anyOrder" },
          "steps": [ { "type": "send", "id": "thanks", "channels": ["line", "email"], "template": "first-order-thanks" } ] }
        """;


    protected override void Configure(KozuchiAppFactory app) => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1");

    private async Task<string> CustomerAsync(string id, string email, string name, string product)
    {
        var customers = Session.App.Services.GetRequiredService<CustomerStore>();
        var ingestor = new OrderIngestor(customers, new ProfileSnapshots(Session.Storage.Clients, customers), Session.App.Time, NullLogger<OrderIngestor>.Instance);
        var at = new DateTimeOffset(2026, 10, 20, 12, 0, 0, TimeSpan.FromHours(9));
        await ingestor.IngestAsync([new IncomingOrder(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = at,
            UpdatedAt = at,
            Contact = new OrderContact { Email = email, Name = name, EmailOptIn = true },
            Lines = [new OrderLine { Sku = "KZ-" + id, ProductName = product, UnitPrice = 3980m }],
            Total = 3980m,
        }, "raw/" + id)], null, Ct);
        return (await customers.FindByIdentityAsync(new IdentityKey(IdentityKind.Email, email), Ct))!.CustomerId;
    }

    [Fact]
    public async Task The_send_preview_shows_a_scenarios_sandboxed_email_and_line_messages_as_the_customer_reads_them()
    {
        var page = Session.Page;
        using var http = new HttpClient { BaseAddress = Session.Base };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardSession.OperatorKey);
        using (var content = new StringContent(Scenario, Encoding.UTF8, "application/json"))
        {
            (await http.PostAsync(new Uri("/api/scenarios", UriKind.Relative), content, Ct)).EnsureSuccessStatusCode();
        }

        (await http.PostAsync(new Uri("/api/scenarios/thanks/activate", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        var hanako = await CustomerAsync("o-1", "hanako@example.jp", "佐藤 花子", "こづち 薬用ローション 150mL");
        var taro = await CustomerAsync("o-2", "taro@example.jp", "鈴木 太郎", "国産大麦若葉の青汁 30包");
        await Session.App.Services.GetRequiredService<CustomerStore>().UpdateAsync(taro, r => r with { LineUserId = "U" + new string('b', 32), LineFollowing = true }, Ct);

        // 10:00 in Tokyo, outside LINE's quiet hours: both enroll, and the send queues carry the sends out on the sandbox.
        Session.App.Time.SetUtcNow(new DateTimeOffset(2026, 11, 2, 1, 0, 0, TimeSpan.Zero));
        var engine = Session.App.Services.GetRequiredService<ScenarioEngine>();
        foreach (var id in new[] { hanako, taro })
        {
            await engine.ProcessAsync([new EngineWork(id, "thanks." + id, null, new EnrollmentStart("thanks", 1, Session.App.Time.GetUtcNow(), null))], Ct);
        }

        foreach (var (queueName, function) in new[] { (StorageCatalog.Queues.SendEmail, SendEmailFunction.Name), (StorageCatalog.Queues.SendLine, SendLineFunction.Name) })
        {
            var queue = Session.Storage.Clients.Queue(queueName);
            var message = Assert.Single((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), Ct)).Value);
            await Session.App.Functions.QueueAsync(function, message.MessageText, message.MessageId, message.DequeueCount, Ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, Ct);
        }

        await page.GotoAsync(new Uri(Session.Base, "/api/dashboard/").ToString());
        await page.GetByLabel("オペレーターキー / Operator key").FillAsync(DashboardSession.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("main[data-page='overview']")).ToBeVisibleAsync();

        // The results count the two messages as sent (sandbox), nothing failed, nothing really sent.
        await page.Locator("#nav a[data-page='scenarios']").ClickAsync();
        await Assertions.Expect(page.Locator("main[data-page='scenarios']")).ToBeVisibleAsync();
        await page.Locator("main button[data-results='thanks']").ClickAsync();
        var outcomes = page.Locator("[data-testid='send-outcomes'] .card");
        await Assertions.Expect(outcomes.Filter(new() { HasText = "送信 (サンドボックス)" })).ToHaveTextAsync("送信 (サンドボックス)2");
        await Assertions.Expect(outcomes.Filter(new() { HasText = "失敗" })).ToHaveTextAsync("失敗0");
        await Assertions.Expect(outcomes.Filter(new() { HasText = "費用" })).ToHaveTextAsync("費用￥0");
        await Shot("scenario-results-sandbox");

        await page.GetByRole(AriaRole.Link, new() { Name = "送信プレビューで内容を見る" }).ClickAsync();
        await Assertions.Expect(page.Locator("main[data-page='outbox'] h1")).ToHaveTextAsync("送信プレビュー");
        await Assertions.Expect(page.Locator("[data-testid='providers']")).ToContainTextAsync("サンドボックス (送信せず保存)");
        await Assertions.Expect(page.Locator("[data-testid='outbox-count']")).ToHaveTextAsync("件数: 2");

        // The email: subject and headers beside it, the body in its sandboxed frame, read as the customer reads it.
        await page.Locator("[data-testid='outbox-list'] button", new() { HasText = "佐藤 花子 様、ご購入ありがとうございます" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='mail-subject']")).ToHaveTextAsync("佐藤 花子 様、ご購入ありがとうございます");
        await Assertions.Expect(page.Locator("[data-testid='outbox-detail']")).ToContainTextAsync("List-Unsubscribe: <http://127.0.0.1:7071/api/unsubscribe?token=");
        var mail = page.FrameLocator("[data-testid='mail-frame']");
        await Assertions.Expect(mail.GetByText("このたびはこづちストア（デモ）でこづち 薬用ローション 150mLをお買い上げいただき、誠にありがとうございます。")).ToBeVisibleAsync();
        await Assertions.Expect(mail.GetByRole(AriaRole.Link, new() { Name = "こちら" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^http://127\\.0\\.0\\.1:7071/api/unsubscribe\\?token="));
        Assert.Equal("", await page.Locator("[data-testid='mail-frame']").GetAttributeAsync("sandbox"));
        await Shot("outbox-email");
        await page.GetByRole(AriaRole.Tab, new() { Name = "テキスト" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='mail-text']")).ToContainTextAsync("配信停止: http://127.0.0.1:7071/api/unsubscribe?token=");

        // The LINE message, as chat bubbles.
        await page.Locator("[data-testid='outbox-list'] button", new() { HasText = "鈴木 太郎 様" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='line-chat'] .bubble").First).ToContainTextAsync("鈴木 太郎 様、このたびは国産大麦若葉の青汁 30包をお買い上げいただき");
        await Shot("outbox-line");

        // Per customer, and no SKU anywhere a person reads.
        await page.GetByLabel("顧客ID").FillAsync(hanako);
        await page.GetByRole(AriaRole.Button, new() { Name = "表示" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid='outbox-count']")).ToHaveTextAsync("件数: 1");
        Assert.DoesNotContain("KZ-", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Session.AssertClean();
    }

    private Task Shot(string name) => ShotAsync(name);
}
