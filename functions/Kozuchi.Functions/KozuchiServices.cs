using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.Invocation;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions;

/// <summary>The services shared by every way the executable runs: handler mode, <c>kozuchi serve</c> and the CLI.</summary>
public static class KozuchiServices
{
    public static IServiceCollection AddKozuchi(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddKozuchiStorage(configuration);
        services.TryAddSingleton(_ => HostSettings.Load(HostSettings.Locate()));

        // Built when first resolved, from the configuration the host ends up with: the pull timers depend on it, and
        // sources added late (tests, the host's own providers) are not yet in it while services are registered.
        services.TryAddSingleton(sp => Features.CreateRegistry(sp.GetRequiredService<IConfiguration>()));
        foreach (var function in Features.CreateRegistry().Functions.Where(f => f.HandlerType is not null))
        {
            services.TryAddScoped(function.HandlerType!);
        }

        services.AddFeatureServices(configuration);
        return services;
    }

    /// <summary>The pieces only a web host needs: invocation, readiness, the local trigger runtime.</summary>
    public static IServiceCollection AddFunctionHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<HttpInvocationAdapter>();
        services.AddSingleton<InvocationDispatcher>();
        services.AddSingleton<StorageReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageReadiness>());
        services.Configure<LocalRuntimeOptions>(configuration.GetSection("Kozuchi:LocalRuntime"));
        services.AddHostedService<LocalRuntimeService>();
        services.AddProblemDetails();
        services.Configure<Security.OperatorAccessOptions>(configuration.GetSection("Kozuchi:Auth"));
        services.PostConfigure<Security.OperatorAccessOptions>(o => o.OperatorKey = KeyVaultReferences.Resolved(o.OperatorKey));
        services.AddSingleton<Security.OperatorAccess>();
        return services;
    }
}
