using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Orders;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions.Ingest;

/// <summary>Orders in: webhooks, the queue that processes them, imports (their functions are in this folder).</summary>
public static class IngestFeature
{
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebhookOptions>(configuration.GetSection("Kozuchi:Webhooks"));
        services.PostConfigure<WebhookOptions>(o =>
        {
            o.ShopifySecret = Secrets.Value(o.ShopifySecret);
            o.ShopifySecretPrevious = Secrets.Value(o.ShopifySecretPrevious);
            o.OrderSecret = Secrets.Value(o.OrderSecret);
            o.OrderSecretPrevious = Secrets.Value(o.OrderSecretPrevious);
            o.ShopifyShopDomain = Core.Erasure.ShopifyPrivacyRequest.NormalizeDomain(Secrets.Value(o.ShopifyShopDomain));
        });
        services.AddSingleton(_ => new ShopTime(TimeZoneInfo.FindSystemTimeZoneById(configuration["Kozuchi:Shop:TimeZone"] ?? "Asia/Tokyo")));

        // Validated at start: a setting that is no currency code stops the app with the reason, not the first report.
        services.AddOptions<ShopOptions>().Bind(configuration.GetSection("Kozuchi:Shop"))
            .Validate(o => Currencies.Normalize(o.Currency) is not null, "Kozuchi__Shop__Currency must be an ISO 4217 currency code (three letters, e.g. JPY).")
            .ValidateOnStart();
        services.AddSingleton(sp => new ShopCurrency(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ShopOptions>>().Value.Currency));
        services.AddSingleton<RawPayloads>();
        services.AddSingleton<ImportChunks>();
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<ProfileSnapshots>();
        services.TryAddSingleton<CustomerSearchIndex>();
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
