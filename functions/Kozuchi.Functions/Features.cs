using Kozuchi.Functions.Analytics;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Checkouts;
using Kozuchi.Functions.Customers;
using Kozuchi.Functions.Erasure;
using Kozuchi.Functions.Health;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.NextActions;
using Kozuchi.Functions.Operations;
using Kozuchi.Functions.Pulls;
using Kozuchi.Functions.Reports;
using Kozuchi.Functions.Scenarios;
using Kozuchi.Functions.Segments;

namespace Kozuchi.Functions;

/// <summary>
/// The features' application services. Their functions are the <c>[Function]</c> methods in each feature's folder;
/// the Worker SDK lists them in <c>functions.metadata</c> at build time, for the host and for <c>kozuchi serve</c>.
/// </summary>
public static class Features
{
    public static IServiceCollection AddFeatureServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOperations();
        services.AddIngest(configuration);
        services.AddPulls();
        services.AddErasureServices();
        services.AddReports(configuration);
        services.AddAnalytics();
        services.AddClv(configuration);
        services.AddSegments();
        services.AddNextActions();
        services.AddFreeSql();
        services.AddChannels(configuration);
        services.AddScenarios(configuration);
        services.AddCheckouts(configuration);
        services.AddSingleton<CustomerViews>();
        services.AddSingleton<CustomerFinder>();
        services.AddSingleton<StorageHealth>();
        return services;
    }
}
