using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Security;

/// <summary>
/// local.settings.sample.json is public, so its <c>&lt;…&gt;</c> placeholders are no secrets: a request signed with one is
/// never accepted. Every secret setting holding a placeholder (or nothing, or an unresolved Key Vault reference) counts
/// as not set, and the function it guards answers 503 "not configured".
/// </summary>
public sealed class PlaceholderSecretTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ShopifyPlaceholder = "<shopify-app-client-secret>";
    private const string OrderPlaceholder = "<generic-webhook-secret>";
    private const string LinePlaceholder = "<line-channel-secret>";
    private const string EventGridPlaceholder = "<event-grid-key>";
    private const string OperatorPlaceholder = "<operator-key>";

    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage)
            .WithSetting("Kozuchi:Webhooks:ShopifySecret", ShopifyPlaceholder)
            .WithSetting("Kozuchi:Webhooks:OrderSecret", OrderPlaceholder)
            .WithSetting("Kozuchi:Webhooks:ShopifyShopDomain", "<your-shop>.myshopify.com")
            .WithSetting("Kozuchi:Line:ChannelSecret", LinePlaceholder)
            .WithSetting("Kozuchi:EventGrid:Key", EventGridPlaceholder)
            .WithSetting("Kozuchi:Unsubscribe:SigningKey", "<random-32-byte-base64-key>")
            .WithSetting("Kozuchi:Unsubscribe:BaseUrl", "http://127.0.0.1:7071")
            .WithSetting("Kozuchi:Auth:OperatorKey", OperatorPlaceholder);
        _client = _app.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private static async Task AssertNotConfiguredAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("not configured", await response.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_shopify_webhook_signed_with_the_samples_placeholder_is_answered_not_configured()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":1,"email":"a@example.jp","created_at":"2026-10-01T10:00:00+09:00","total_price":"100","line_items":[]}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(body, ShopifyPlaceholder));
        request.Headers.Add("X-Shopify-Topic", "orders/create");
        request.Headers.Add("X-Shopify-Shop-Domain", "kozuchi-test.myshopify.com");

        await AssertNotConfiguredAsync(await _client.SendAsync(request, Ct));
    }

    [Fact]
    public async Task An_order_webhook_signed_with_the_samples_placeholder_is_answered_not_configured()
    {
        var body = Encoding.UTF8.GetBytes("""{"source":"own","order_id":"p-1","ordered_at":"2026-10-01T10:00:00+09:00","total":1000,"customer":{"email":"p@example.jp"}}""");
        using var request = SignedRequests.KozuchiOrders(body, _app.Time.GetUtcNow().ToUnixTimeSeconds(), OrderPlaceholder);

        await AssertNotConfiguredAsync(await _client.SendAsync(request, Ct));
    }

    [Fact]
    public async Task A_line_webhook_signed_with_a_placeholder_is_answered_not_configured()
    {
        var body = Encoding.UTF8.GetBytes("""{"destination":"U0","events":[]}""");
        using var content = new ByteArrayContent(body);
        content.Headers.Add("x-line-signature", LineSignature.Sign(body, LinePlaceholder));

        await AssertNotConfiguredAsync(await _client.PostAsync(new Uri("/api/webhooks/line", UriKind.Relative), content, Ct));
    }

    [Fact]
    public async Task Event_grid_and_unsubscribe_with_placeholder_keys_are_answered_not_configured()
    {
        using var events = new StringContent("[]", Encoding.UTF8, "application/json");
        await AssertNotConfiguredAsync(await _client.PostAsync(new Uri("/api/webhooks/acs-email?key=" + Uri.EscapeDataString(EventGridPlaceholder), UriKind.Relative), events, Ct));
        await AssertNotConfiguredAsync(await _client.GetAsync(new Uri("/api/unsubscribe?token=anything", UriKind.Relative), Ct));
    }

    [Fact]
    public async Task The_operator_key_placeholder_opens_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/summary", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorPlaceholder);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.SendAsync(request, Ct)).StatusCode);
    }
}
