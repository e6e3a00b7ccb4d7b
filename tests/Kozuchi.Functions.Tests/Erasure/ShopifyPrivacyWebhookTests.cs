using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Functions.Tests.Security;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Functions.Tests.Erasure;

/// <summary>
/// Shopify signs the body, not the topic header: a privacy topic is acted on only for the configured shop and a body of
/// the topic's own shape. Everything else is refused with 400 and an audit line that names no customer.
/// </summary>
public sealed class ShopifyPrivacyWebhookTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly LogRecorder _log = new();
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private const string Order = """
        {"id":1001,"name":"#1001","email":"hanako@example.jp","phone":null,"created_at":"2026-10-01T10:00:00+09:00","updated_at":"2026-10-01T10:00:05+09:00",
         "processed_at":"2026-10-01T10:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"paid","cancelled_at":null,
         "buyer_accepts_marketing":true,"test":false,"customer":{"id":7001,"email":"hanako@example.jp","first_name":"花子","last_name":"佐藤","phone":"+819011112222"},
         "billing_address":{"name":"佐藤 花子","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-3","address2":"","phone":"090-1111-2222"},
         "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],"refunds":[]}
        """;

    private static async Task<HttpResponseMessage> PostAsync(KozuchiAppFactory app, string body, string topic, string shop = IngestHarness.ShopDomain)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(bytes, IngestHarness.ShopifySecret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", shop);
        request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
        using var client = app.CreateClient();
        return await client.SendAsync(request, Ct);
    }

    private async Task<string> HanakoAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_h.App, Order, "orders/create")).StatusCode);
        await _h.DrainAsync(Ct);
        return (await _h.App.Services.GetRequiredService<CustomerStore>().FindByIdentityAsync(new IdentityKey(IdentityKind.Email, "hanako@example.jp"), Ct))!.CustomerId;
    }

    private async Task<bool> StillHeldAsync(string customerId) =>
        (await _h.Operator.GetAsync(new Uri($"/api/customers/{customerId}", UriKind.Relative), Ct)).StatusCode == HttpStatusCode.OK
        && await _h.App.Services.GetRequiredService<CustomerStore>().FindByIdentityAsync(new IdentityKey(IdentityKind.Email, "hanako@example.jp"), Ct) is not null;

    [Fact]
    public async Task A_signed_order_body_replayed_as_customers_redact_is_refused_and_erases_nobody()
    {
        await using var app = Audited();
        var hanako = await HanakoAsync();

        var response = await PostAsync(app, Order, "customers/redact");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("order field", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.True(await StillHeldAsync(hanako));
        Assert.Single(_log.Lines, l => l.Contains("Shopify privacy webhook customers/redact refused", StringComparison.Ordinal) && !l.Contains("hanako", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shop_redact_with_a_body_that_names_a_customer_or_an_order_erases_nobody()
    {
        await using var app = Audited();
        var hanako = await HanakoAsync();

        var customerBody = await PostAsync(app, """{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","customer":{"id":7001},"orders_to_redact":[1001]}""", "shop/redact");
        var orderBody = await PostAsync(app, Order, "shop/redact");

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (customerBody.StatusCode, orderBody.StatusCode));
        Assert.True(await StillHeldAsync(hanako));
        Assert.Equal(2, _log.Lines.Count(l => l.Contains("Shopify privacy webhook shop/redact refused", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_privacy_request_for_another_shop_is_refused_with_an_audit_line()
    {
        await using var app = Audited();
        var hanako = await HanakoAsync();
        const string other = """{"shop_id":2,"shop_domain":"other-shop.myshopify.com","customer":{"id":7001,"email":"hanako@example.jp"},"orders_to_redact":[1001]}""";

        var byHeader = await PostAsync(app, other, "customers/redact", shop: "other-shop.myshopify.com");
        var byBody = await PostAsync(app, other, "customers/redact");

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (byHeader.StatusCode, byBody.StatusCode));
        Assert.True(await StillHeldAsync(hanako));
        Assert.DoesNotContain(_log.Lines, l => l.Contains("hanako", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("other-shop.myshopify.com", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("customers/redact refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_well_formed_redact_for_the_configured_shop_still_erases_the_customer()
    {
        var hanako = await HanakoAsync();

        var response = await PostAsync(_h.App, """{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","customer":{"id":7001,"email":"hanako@example.jp","phone":"+819011112222"},"orders_to_redact":[1001]}""", "customers/redact");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("erased", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.False(await StillHeldAsync(hanako));
    }

    [Fact]
    public async Task Until_the_shop_domain_is_configured_privacy_topics_are_answered_503_and_nothing_is_erased()
    {
        await using var unconfigured = Audited(domain: null);
        var hanako = await HanakoAsync();

        var response = await PostAsync(unconfigured, """{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com"}""", "shop/redact");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Kozuchi__Webhooks__ShopifyShopDomain", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.True(await StillHeldAsync(hanako));
    }

    [Fact]
    public async Task An_order_webhook_from_another_shop_is_refused_when_the_shop_domain_is_set()
    {
        var response = await PostAsync(_h.App, Order, "orders/create", shop: "other-shop.myshopify.com");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await _h.DrainAsync(Ct));
    }

    /// <summary>A second app over the same storage, with its log lines recorded (and the shop domain given, or not).</summary>
    private KozuchiAppFactory Audited(string? domain = IngestHarness.ShopDomain)
    {
        var app = new KozuchiAppFactory(_h.Storage, _h.App.Time, s => s.AddSingleton<ILoggerProvider>(_log))
            .WithSetting("Kozuchi:Webhooks:ShopifySecret", IngestHarness.ShopifySecret)
            .WithSetting("Kozuchi:Auth:OperatorKey", IngestHarness.OperatorKey)
            .WithSetting("Kozuchi:Webhooks:ShopifyShopDomain", domain);
        return app;
    }
}
