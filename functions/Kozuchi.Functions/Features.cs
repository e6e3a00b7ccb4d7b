using Kozuchi.Functions.Dashboard;
using Kozuchi.Functions.Health;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Operations;

namespace Kozuchi.Functions;

/// <summary>The app's features: their services, and their functions in the one registry.</summary>
public static class Features
{
    public static IServiceCollection AddFeatureServices(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddOperations();
        return services;
    }

    public static FunctionRegistry CreateRegistry() =>
        new FunctionRegistry()
            .AddHealthFunctions()
            .AddOperationsFunctions()
            .AddDashboardFunctions();
}
