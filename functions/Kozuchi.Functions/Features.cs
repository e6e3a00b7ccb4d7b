using Kozuchi.Functions.Analytics;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Customers;
using Kozuchi.Functions.Dashboard;
using Kozuchi.Functions.Erasure;
using Kozuchi.Functions.Health;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.Operations;
using Kozuchi.Functions.Reports;
using Kozuchi.Functions.Scenarios;

namespace Kozuchi.Functions;

/// <summary>The app's features: their services, and their functions in the one registry.</summary>
public static class Features
{
    public static IServiceCollection AddFeatureServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOperations();
        services.AddIngest(configuration);
        services.AddErasureServices();
        services.AddReports();
        services.AddAnalytics();
        services.AddChannels(configuration);
        services.AddScenarios(configuration);
        return services;
    }

    public static FunctionRegistry CreateRegistry() =>
        new FunctionRegistry()
            .AddHealthFunctions()
            .AddOperationsFunctions()
            .AddIngestFunctions()
            .AddCustomerFunctions()
            .AddErasureFunctions()
            .AddReportFunctions()
            .AddAnalyticsFunctions()
            .AddClvFunctions()
            .AddChannelsFunctions()
            .AddScenarioFunctions()
            .AddDashboardFunctions();
}
