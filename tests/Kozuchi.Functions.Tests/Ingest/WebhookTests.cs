using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Ingest;

public sealed class WebhookTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static string ShopifyOrder(long id, string updatedAt, string financialStatus = "paid", string? cancelledAt = null, string email = "hanako@example.jp") => $$"""
        {"id":{{id}},"name":"#{{id}}","email":"{{email}}","phone":null,"created_at":"2026-10-01T10:00:00+09:00","updated_at":"{{updatedAt}}",
         "processed_at":"2026-10-01T10:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"{{financialStatus}}",
         "cancelled_at":{{(cancelledAt is null ? "null" : $"\"{cancelledAt}\"")}},"buyer_accepts_marketing":true,"test":false,
         "customer":{"id":7001,"email":"{{email}}","first_name":"花子","last_name":"佐藤","phone":"+819011112222"},
         "billing_address":{"name":"佐藤 花子","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-3","address2":"","phone":"090-1111-2222"},
         "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],
         "refunds":[]}
        """;

    private async Task<HttpResponseMessage> PostShopify(string body, string topic, string? webhookId = null, string secret = IngestHarness.ShopifySecret, string? eventId = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(bytes, secret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", "kozuchi-test.myshopify.com");
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId ?? Guid.NewGuid().ToString());
        if (eventId is not null)
        {
            request.Headers.Add("X-Shopify-Event-Id", eventId);
        }

        return await _h.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<HttpResponseMessage> PostGeneric(string body, long? timestamp = null, string secret = IngestHarness.OrderSecret)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var ts = timestamp ?? _h.App.Time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/orders", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Kozuchi-Timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Kozuchi-Signature", WebhookSignatures.SignKozuchi(bytes, ts, secret));
        return await _h.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<JsonElement> Summary() =>
        await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/summary", UriKind.Relative), TestContext.Current.CancellationToken);

    private async Task<int> RawBlobCount(string prefix)
    {
        var n = 0;
        await foreach (var _ in _h.Storage.Clients.Container(StorageCatalog.Containers.Raw).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, TestContext.Current.CancellationToken))
        {
            n++;
        }

        return n;
    }

    [Fact]
    public async Task A_signed_shopify_order_is_stored_first_then_becomes_a_customer()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await PostShopify(ShopifyOrder(1001, "2026-10-01T10:00:05+09:00"), "orders/create");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await RawBlobCount("webhooks/shopify/"));
        Assert.Equal(0, (await Summary()).GetProperty("customers").GetInt32());

        Assert.Equal(1, await _h.DrainAsync(ct));
        var summary = await Summary();
        Assert.Equal((1, 1, 5980m), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal()));
    }

    [Fact]
    public async Task A_repeated_delivery_is_one_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = ShopifyOrder(1002, "2026-10-01T10:00:05+09:00");
        var first = await PostShopify(body, "orders/create", webhookId: "w-1", eventId: "e-1");
        var again = await PostShopify(body, "orders/create", webhookId: "w-2", eventId: "e-1");

        Assert.Contains("accepted", await first.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Contains("duplicate", await again.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        await _h.DrainAsync(ct);
        Assert.Equal(1, (await Summary()).GetProperty("orders").GetInt32());
    }

    [Fact]
    public async Task Updates_out_of_order_end_with_the_latest_state()
    {
        var ct = TestContext.Current.CancellationToken;
        await PostShopify(ShopifyOrder(1003, "2026-10-02T09:00:00+09:00", cancelledAt: "2026-10-02T09:00:00+09:00"), "orders/cancelled");
        await PostShopify(ShopifyOrder(1003, "2026-10-01T10:00:05+09:00", financialStatus: "pending"), "orders/create");
        await PostShopify(ShopifyOrder(1004, "2026-10-01T10:00:05+09:00"), "orders/paid");
        await _h.DrainAsync(ct);

        var summary = await Summary();
        Assert.Equal(1, summary.GetProperty("orders").GetInt32());
        Assert.Equal(5980m, summary.GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task A_bad_signature_is_refused_and_nothing_is_stored_or_queued()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await PostShopify(ShopifyOrder(1005, "2026-10-01T10:00:05+09:00"), "orders/create", secret: "not-the-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await RawBlobCount(string.Empty));
        Assert.Equal(0, await _h.DrainAsync(ct));
    }

    [Fact]
    public async Task The_previous_secret_still_verifies_during_rotation()
    {
        var response = await PostShopify(ShopifyOrder(1006, "2026-10-01T10:00:05+09:00"), "orders/create", secret: IngestHarness.ShopifyPreviousSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_refused_with_the_reason_and_the_raw_body_is_kept()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await PostShopify("{\"id\": 1, \"total_price\": ", "orders/create");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not JSON", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(1, await RawBlobCount("rejected/shopify/"));
        Assert.Equal(0, await _h.DrainAsync(ct));
    }

    [Fact]
    public async Task A_refund_reduces_revenue_once_even_when_delivered_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        await PostShopify(ShopifyOrder(1007, "2026-10-01T10:00:05+09:00"), "orders/paid");
        await _h.DrainAsync(ct);
        const string refund = """{"id":555,"order_id":1007,"created_at":"2026-10-05T12:00:00+09:00","transactions":[{"kind":"refund","status":"success","amount":"980.00"}]}""";
        await PostShopify(refund, "refunds/create", webhookId: "r-1");
        await PostShopify(refund, "refunds/create", webhookId: "r-2");
        await _h.DrainAsync(ct);

        Assert.Equal(5000m, (await Summary()).GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task The_generic_webhook_accepts_a_signed_batch_and_refuses_an_old_timestamp()
    {
        var ct = TestContext.Current.CancellationToken;
        const string body = """
            {"orders":[
              {"source":"ecforce","order_id":"A-1","ordered_at":"2026-10-03 14:00:00","total":"3,300","customer":{"ref":"u1","email":"ichiro@example.jp"},"lines":[{"sku":"T1","name":"お試しセット","quantity":1,"unit_price":3300}]},
              {"source":"ecforce","order_id":"A-2","ordered_at":"2026-10-20T09:00:00+09:00","total":6600,"customer":{"ref":"u1"},"lines":[{"sku":"S4","name":"4本セット","quantity":1,"unit_price":6600}]}
            ]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await PostGeneric(body)).StatusCode);
        var stale = await PostGeneric(body.Replace("A-2", "A-3", StringComparison.Ordinal), timestamp: _h.App.Time.GetUtcNow().AddMinutes(-6).ToUnixTimeSeconds());
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);

        await _h.DrainAsync(ct);
        var summary = await Summary();
        Assert.Equal((1, 2, 9900m), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal()));
    }

    [Fact]
    public async Task A_generic_order_missing_required_fields_gets_a_clear_400()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await PostGeneric("""{"source":"own","order_id":"9","total":100}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ordered_at", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Customer_view_explains_a_merge_and_masks_identifiers()
    {
        var ct = TestContext.Current.CancellationToken;
        await PostGeneric("""{"source":"own","order_id":"1","ordered_at":"2026-09-01T10:00:00+09:00","total":1000,"customer":{"email":"jiro@example.jp"}}""");
        await PostGeneric("""{"source":"own","order_id":"2","ordered_at":"2026-09-05T10:00:00+09:00","total":2000,"customer":{"phone":"080-3333-4444"}}""");
        await _h.DrainAsync(ct);
        await PostGeneric("""{"source":"own","order_id":"3","ordered_at":"2026-09-09T10:00:00+09:00","total":3000,"customer":{"email":"JIRO@example.jp","phone":"08033334444"}}""");
        await _h.DrainAsync(ct);

        var rfm = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/rfm/customers?r=2&f=3&asOf=2026-10-20", UriKind.Relative), ct);
        var id = rfm.GetProperty("customers")[0].GetProperty("customerId").GetString();
        var view = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{id}", UriKind.Relative), ct);

        Assert.Equal(3, view.GetProperty("orders").GetArrayLength());
        var merge = view.GetProperty("merges")[0];
        Assert.Equal("same Phone", merge.GetProperty("reason").GetString());
        Assert.Equal("+81******4444", merge.GetProperty("sharedIdentifier").GetString());
        var merged = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{merge.GetProperty("mergedCustomerId").GetString()}", UriKind.Relative), ct);
        Assert.Equal(id, merged.GetProperty("customerId").GetString());
    }

    [Fact]
    public async Task Stored_payloads_replay_through_ingest_without_changing_the_result()
    {
        var ct = TestContext.Current.CancellationToken;
        await PostShopify(ShopifyOrder(1010, "2026-10-01T10:00:05+09:00"), "orders/create");
        await PostShopify(ShopifyOrder(1010, "2026-10-03T10:00:05+09:00", cancelledAt: "2026-10-03T10:00:00+09:00"), "orders/cancelled");
        await PostShopify(ShopifyOrder(1011, "2026-10-04T10:00:05+09:00"), "orders/paid");
        await _h.DrainAsync(ct);
        var before = await Summary();

        var pipeline = _h.App.Services.GetRequiredService<Kozuchi.Storage.Orders.IngestPipeline>();
        Assert.Equal(3, await pipeline.ReplayAsync("webhooks/", ct));
        Assert.Equal(3, await _h.DrainAsync(ct));

        var after = await Summary();
        Assert.Equal(before.GetProperty("orders").GetInt32(), after.GetProperty("orders").GetInt32());
        Assert.Equal(5980m, after.GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task Customer_and_report_endpoints_need_the_operator_key()
    {
        var response = await _h.Client.GetAsync(new Uri("/api/reports/summary", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
