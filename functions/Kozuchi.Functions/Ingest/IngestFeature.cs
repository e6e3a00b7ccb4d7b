using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Orders;

namespace Kozuchi.Functions.Ingest;

/// <summary>Orders in: webhooks, the queue that processes them, imports (their functions are in this folder).</summary>
public static class IngestFeature
{
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebhookOptions>(configuration.GetSection("Kozuchi:Webhooks"));
        services.PostConfigure<WebhookOptions>(o =>
        {
            o.ShopifySecret = KeyVaultReferences.Resolved(o.ShopifySecret);
            o.ShopifySecretPrevious = KeyVaultReferences.Resolved(o.ShopifySecretPrevious);
            o.OrderSecret = KeyVaultReferences.Resolved(o.OrderSecret);
            o.OrderSecretPrevious = KeyVaultReferences.Resolved(o.OrderSecretPrevious);
        });
        services.AddSingleton(_ => new ShopTime(TimeZoneInfo.FindSystemTimeZoneById(configuration["Kozuchi:Shop:TimeZone"] ?? "Asia/Tokyo")));
        services.AddSingleton<RawPayloads>();
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<ProfileSnapshots>();
        services.AddSingleton<OrderIngestor>();
        services.AddSingleton<CustomerCorrections>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<OrderImporter>();
        services.AddSingleton<WebhookReceiver>();
        services.AddSingleton<OrderProcessing>();
        services.AddSingleton<DroppedImports>();
        services.AddSingleton<Demo.DemoLoader>();
        return services;
    }
}
