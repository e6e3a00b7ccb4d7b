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

        // Validated at start: a setting that is no currency code stops the app with the reason, not the first report.
        services.AddOptions<ShopOptions>().Bind(configuration.GetSection("Kozuchi:Shop"))
            .Validate(o => Currencies.Normalize(o.Currency) is not null, "Kozuchi__Shop__Currency must be an ISO 4217 currency code (three letters, e.g. JPY).")
            .ValidateOnStart();
        services.AddSingleton(sp => new ShopCurrency(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ShopOptions>>().Value.Currency));
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
