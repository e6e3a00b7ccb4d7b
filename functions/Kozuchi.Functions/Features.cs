using Kozuchi.Functions.Analytics;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Checkouts;
using Kozuchi.Functions.Customers;
using Kozuchi.Functions.Dashboard;
using Kozuchi.Functions.Erasure;
using Kozuchi.Functions.Health;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.NextActions;
using Kozuchi.Functions.Operations;
using Kozuchi.Functions.Pulls;
using Kozuchi.Functions.Reports;
using Kozuchi.Functions.Scenarios;
using Kozuchi.Functions.Segments;

namespace Kozuchi.Functions;

/// <summary>The app's features: their services, and their functions in the one registry.</summary>
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
        return services;
    }

    /// <summary>The registry; with configuration it includes one pull timer per configured cart source.</summary>
    public static FunctionRegistry CreateRegistry(IConfiguration? configuration = null) =>
        new FunctionRegistry()
            .AddHealthFunctions()
            .AddOperationsFunctions()
            .AddIngestFunctions()
            .AddPullFunctions(PullSources.Read(configuration))
            .AddCustomerFunctions()
            .AddErasureFunctions()
            .AddReportFunctions()
            .AddAnalyticsFunctions()
            .AddClvFunctions()
            .AddSegmentFunctions()
            .AddNextActionFunctions()
            .AddFreeSqlFunctions()
            .AddChannelsFunctions()
            .AddScenarioFunctions()
            .AddCheckoutFunctions()
            .AddDashboardFunctions();
}
