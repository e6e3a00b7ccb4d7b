using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;

namespace Kozuchi.Functions.Ingest;

/// <summary>Orders in: webhooks, the queue that processes them, imports.</summary>
public static class IngestFeature
{
    public static FunctionRegistry AddIngestFunctions(this FunctionRegistry registry) =>
        registry
            .AddWebhookFunctions()
            .Queue<ProcessOrdersFunction>(ProcessOrdersFunction.Name, StorageCatalog.Queues.OrdersIncoming)
            .Blob<ImportOrdersFunction>(ImportOrdersFunction.Name, StorageCatalog.Containers.Imports);

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

        // Read now, so a setting that is no currency code stops the app at start with the reason, not at the first report.
        services.AddSingleton(new ShopCurrency(configuration["Kozuchi:Shop:Currency"] is { Length: > 0 } currency ? currency : Currencies.Default));
        services.AddSingleton<RawPayloads>();
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<ProfileSnapshots>();
        services.AddSingleton<OrderIngestor>();
        services.AddSingleton<CustomerCorrections>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<OrderImporter>();
        services.AddSingleton<Demo.DemoLoader>();
        return services;
    }
}
