using System.Net.Http.Headers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>The app with webhook secrets set, and a way to deliver what the webhooks queued as the host would.</summary>
internal sealed class IngestHarness : IAsyncDisposable
{
    public const string ShopifySecret = "shopify-secret-placeholder";
    public const string ShopifyPreviousSecret = "shopify-old-secret-placeholder";
    public const string OrderSecret = "order-secret-placeholder";
    public const string OperatorKey = "operator-key-placeholder";

    private IngestHarness(StorageScope storage, KozuchiAppFactory app)
    {
        Storage = storage;
        App = app;
        Client = app.CreateClient();
        Operator = app.CreateClient();
        Operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
    }

    public StorageScope Storage { get; }
    public KozuchiAppFactory App { get; }
    public HttpClient Client { get; }
    public HttpClient Operator { get; }

    public static async Task<IngestHarness> StartAsync(AzuriteFixture azurite, Action<KozuchiAppFactory>? configure = null)
    {
        var storage = await azurite.CreateScopeAsync();
        var app = new KozuchiAppFactory(storage)
            .WithStartSettings()
            .WithSetting("Kozuchi:Webhooks:ShopifySecret", ShopifySecret)
            .WithSetting("Kozuchi:Webhooks:ShopifySecretPrevious", ShopifyPreviousSecret)
            .WithSetting("Kozuchi:Webhooks:OrderSecret", OrderSecret)
            .WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey);
        configure?.Invoke(app);
        return new IngestHarness(storage, app);
    }

    /// <summary>Delivers every queued ingest message to ProcessOrders, as the host does, deleting each one that succeeds.</summary>
    public Task<int> DrainAsync(CancellationToken cancellationToken) => DrainAsync(StorageCatalog.Queues.OrdersIncoming, "ProcessOrders", cancellationToken);

    /// <summary>Delivers every message of a queue to a queue function as the local runtime does, deleting each one that succeeds.</summary>
    public Task<int> DrainAsync(string queueName, string functionName, CancellationToken cancellationToken) =>
        App.Functions.DrainAsync(queueName, functionName, cancellationToken);

    /// <summary>A Shopify order webhook delivery signed with the current secret, as Shopify sends it.</summary>
    public async Task<HttpResponseMessage> PostShopifyOrderAsync(byte[] body, string webhookId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Shopify-Hmac-Sha256", Kozuchi.Core.Orders.Formats.WebhookSignatures.SignShopify(body, ShopifySecret));
        request.Headers.Add("X-Shopify-Topic", "orders/create");
        request.Headers.Add("X-Shopify-Shop-Domain", "kozuchi-test.myshopify.com");
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId);
        return await Client.SendAsync(request, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Operator.Dispose();
        await App.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
