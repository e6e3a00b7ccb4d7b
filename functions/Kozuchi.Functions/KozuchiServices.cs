using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions;

/// <summary>The services of the three ways the executable runs: the worker, <c>kozuchi serve</c> and the CLI.</summary>
public static class KozuchiServices
{
    /// <summary>What every mode shares: storage, the clock, the features' application services.</summary>
    public static IServiceCollection AddKozuchi(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddKozuchiStorage(configuration);
        services.AddFeatureServices(configuration);
        return services;
    }

    /// <summary>What serving functions needs, in the worker and in <c>kozuchi serve</c>: storage readiness and the HTTP gate.</summary>
    public static IServiceCollection AddFunctionServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StorageReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageReadiness>());
        services.AddProblemDetails();
        services.Configure<Security.OperatorAccessOptions>(configuration.GetSection("Kozuchi:Auth"));
        services.PostConfigure<Security.OperatorAccessOptions>(o => o.OperatorKey = KeyVaultReferences.Resolved(o.OperatorKey));
        services.AddSingleton<Security.OperatorAccess>();
        services.AddSingleton<HttpFunctionGuard>();
        return services;
    }

    /// <summary><c>kozuchi serve</c>'s stand-in for the host: the functions of <c>functions.metadata</c> and their triggers.</summary>
    public static IServiceCollection AddLocalRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => HostSettings.Load(HostSettings.Locate()));
        services.TryAddSingleton(_ => FunctionCatalog.Load());
        services.AddSingleton<TriggerBindings>();
        services.AddSingleton<LocalFunctionRunner>();
        services.Configure<LocalRuntimeOptions>(configuration.GetSection("Kozuchi:LocalRuntime"));
        services.AddHostedService<LocalRuntimeService>();
        return services;
    }
}
