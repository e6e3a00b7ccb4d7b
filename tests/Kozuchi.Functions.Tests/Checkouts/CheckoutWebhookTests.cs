using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Checkouts;

/// <summary>Checkouts through HTTP and the function endpoints, as the Functions host drives them: webhook → queue → timer → scenario.</summary>
public sealed class CheckoutWebhookTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Recovery = """
        {
          "schemaVersion": 1, "id": "cart-30", "version": 1, "trigger": { "type": "cartAbandoned", "delay": { "minutes": 30 } },
          "policies": { "reentry": { "mode": "afterDays", "days": 7 } },
          "steps": [
            { "type": "goal", "id": "goal", "window": { "days": 7 }, "next": "mail" },
            { "type": "send", "id": "mail", "channels": ["email"], "template": "cart-recovery" }
          ]
        }
        """;


    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // App time is 2026-11-01T00:00Z = 09:00 in Tokyo; the checkout starts then.
    private static string ShopifyCheckout(string updatedAt = "2026-11-01T09:00:00+09:00") => $$$"""
        {"id":35938439069862,"token":"7b1e2f9c3d4a","cart_token":"Z2NwLWFzaWE","email":"hanako@example.jp","phone":null,
         "buyer_accepts_marketing":true,"created_at":"2026-11-01T09:00:00+09:00","updated_at":"{{{updatedAt}}}","completed_at":null,
         "currency":"JPY","total_price":"7700.00","abandoned_checkout_url":"https://kozuchi-test.myshopify.com/1/checkouts/7b1e2f9c3d4a/recover?key=k",
         "line_items":[{"title":"美容液","variant_title":"30ml","sku":"SERUM-30","quantity":2,"price":"3300.00"},{"title":"シートマスク","sku":"MASK","quantity":1,"price":"1100.00"}],
         "customer":{"id":7001,"email":"hanako@example.jp","first_name":"花子","last_name":"佐藤"}}
        """;

    private async Task<HttpResponseMessage> PostShopify(string body, string topic, string eventId, string secret = IngestHarness.ShopifySecret)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(bytes, secret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", "kozuchi-test.myshopify.com");
        request.Headers.Add("X-Shopify-Webhook-Id", "wh-" + eventId);
        request.Headers.Add("X-Shopify-Event-Id", eventId);
        return await _h.Client.SendAsync(request, Ct);
    }

    private async Task<HttpResponseMessage> PostGeneric(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var ts = _h.App.Time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/orders", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Kozuchi-Timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Kozuchi-Signature", WebhookSignatures.SignKozuchi(bytes, ts, IngestHarness.OrderSecret));
        return await _h.Client.SendAsync(request, Ct);
    }

    private async Task<string> CustomerThroughOrderWebhookAsync()
    {
        const string order = """
            {"id":9001,"name":"#9001","email":"hanako@example.jp","phone":null,"created_at":"2026-09-01T20:00:00+09:00","updated_at":"2026-09-01T20:00:00+09:00",
             "processed_at":"2026-09-01T20:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"paid","cancelled_at":null,
             "buyer_accepts_marketing":true,"test":false,"customer":{"id":7001,"email":"hanako@example.jp","first_name":"花子","last_name":"佐藤","phone":null},
             "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],"refunds":[]}
            """;
        Assert.True((await PostShopify(order, "orders/create", "order-9001")).IsSuccessStatusCode);
        await _h.DrainAsync(Ct);
        await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);
        return Assert.Single(await _h.App.Services.GetRequiredService<CustomerStore>().ScanProfilesAsync(Ct).ToListAsync(Ct)).CustomerId;
    }

    private async Task<int> RawBlobCount(string prefix)
    {
        var n = 0;
        await foreach (var _ in _h.Storage.Clients.Container(StorageCatalog.Containers.Raw).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, Ct))
        {
            n++;
        }

        return n;
    }

    [Fact]
    public async Task A_Shopify_checkout_delivered_twice_and_updated_is_stored_first_and_sends_its_cart_once_after_the_delay()
    {
        var customerId = await CustomerThroughOrderWebhookAsync();
        using (var content = new StringContent(Recovery, Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.Created, (await _h.Operator.PostAsync(new Uri("/api/scenarios", UriKind.Relative), content, Ct)).StatusCode);
        }

        using (var empty = new StringContent(""))
        {
            Assert.True((await _h.Operator.PostAsync(new Uri("/api/scenarios/cart-30/activate", UriKind.Relative), empty, Ct)).IsSuccessStatusCode);
        }

        var first = await PostShopify(ShopifyCheckout(), "checkouts/create", "co-1");
        var again = await PostShopify(ShopifyCheckout(), "checkouts/create", "co-1");
        var update = await PostShopify(ShopifyCheckout("2026-11-01T09:10:00+09:00"), "checkouts/update", "co-2");

        Assert.Equal("accepted", (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal("duplicate", (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal(2, await RawBlobCount("webhooks/shopify/event-co-"));
        Assert.Equal(3, await _h.DrainAsync(StorageCatalog.Queues.CheckoutsIncoming, "ProcessCheckouts", Ct));
        var stored = await _h.App.Services.GetRequiredService<CheckoutStore>().GetAsync("shopify:7b1e2f9c3d4a", Ct);
        Assert.Equal(customerId, stored!.CustomerId);

        // 09:35: the create's check (09:30) is past the sweep's grace but the cart changed at 09:10; at 09:43 the
        // update's check (09:40) is too, and the cart is abandoned.
        _h.App.Time.Advance(TimeSpan.FromMinutes(35));
        await _h.App.Functions.TimerAsync("CheckoutSweep", Ct);
        Assert.Equal(0, await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct));
        _h.App.Time.Advance(TimeSpan.FromMinutes(8));
        await _h.App.Functions.TimerAsync("CheckoutSweep", Ct);
        await _h.App.Functions.TimerAsync("CheckoutSweep", Ct);
        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct));

        var enrollment = Assert.Single((await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{customerId}/enrollments", UriKind.Relative), Ct)).EnumerateArray(), e => e.GetProperty("scenarioId").GetString() == "cart-30");
        Assert.Equal(1, enrollment.GetProperty("sends").GetInt32());
        var message = Assert.Single((await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail).PeekMessagesAsync(10, Ct)).Value);
        var batch = SendBatchMessage.Parse(message.MessageText);
        var recipient = Assert.Single(batch.Recipients);
        Assert.Equal(("cart-recovery", customerId), (batch.Template, recipient.CustomerId));
        Assert.DoesNotContain("hanako", message.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain("7b1e2f9c3d4a", message.MessageText, StringComparison.Ordinal);

        var cart = await _h.App.Services.GetRequiredService<CheckoutCarts>().ForEnrollmentAsync(customerId, recipient.EnrollmentId, Ct);
        Assert.Equal(["美容液 30ml", "シートマスク"], cart!.Lines.Select(l => l.ProductName));
        Assert.Equal("https://kozuchi-test.myshopify.com/1/checkouts/7b1e2f9c3d4a/recover?key=k", cart.RecoveryUrl);
    }

    [Fact]
    public async Task A_checkout_with_a_wrong_signature_is_refused_and_nothing_is_stored()
    {
        var response = await PostShopify(ShopifyCheckout(), "checkouts/create", "co-bad", secret: "wrong-secret-placeholder");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await RawBlobCount("webhooks/"));
        Assert.Equal(0, await _h.DrainAsync(StorageCatalog.Queues.CheckoutsIncoming, "ProcessCheckouts", Ct));
    }

    [Fact]
    public async Task The_generic_webhook_takes_a_checkout_event_and_refuses_a_malformed_one_keeping_it()
    {
        const string checkout = """
            {"event":"checkout","source":"own","cart_token":"c-1","created_at":"2026-11-01T09:00:00+09:00",
             "customer":{"email":"hanako@example.jp"},"lines":[{"sku":"SERUM-30","name":"美容液 30ml","quantity":1,"unit_price":3300}],
             "total":3300,"recovery_url":"https://shop.example.jp/cart/restore?c=c-1"}
            """;

        var accepted = await PostGeneric(checkout);
        var duplicate = await PostGeneric(checkout);
        var malformed = await PostGeneric("""{"event":"checkout","source":"own","created_at":"2026-11-01T09:00:00+09:00"}""");

        Assert.Equal("accepted", (await accepted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal("duplicate", (await duplicate.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("cart_token", await malformed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(1, await RawBlobCount("webhooks/checkouts/"));
        Assert.Equal(1, await RawBlobCount("rejected/kozuchi-checkout/"));
        Assert.Equal(0, await RawBlobCount("webhooks/orders/"));

        Assert.Equal(2, await _h.DrainAsync(StorageCatalog.Queues.CheckoutsIncoming, "ProcessCheckouts", Ct));
        var stored = await _h.App.Services.GetRequiredService<CheckoutStore>().GetAsync("own:c-1", Ct);
        Assert.Null(stored!.CustomerId);
        Assert.Equal(3300m, stored.Checkout.Total);
    }

    [Fact]
    public async Task A_checkout_timer_that_arrives_early_is_sent_again_for_the_remainder()
    {
        var timers = _h.Storage.Clients.Queue(StorageCatalog.Queues.CheckoutTimers);
        var timer = new CheckoutTimerMessage { CheckoutId = "shopify:none", ScenarioId = "cart-30", DueAt = _h.App.Time.GetUtcNow().AddHours(1) };

        Assert.True(await _h.App.Functions.TryQueueAsync("CheckoutAbandonment", timer.ToJson(), cancellationToken: Ct));
        Assert.Equal(1, (await timers.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }
}
