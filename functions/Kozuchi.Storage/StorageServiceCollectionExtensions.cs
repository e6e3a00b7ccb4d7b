using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Storage clients from <c>AzureWebJobsStorage</c>; <c>Kozuchi:StoragePrefix</c> isolates tests.</summary>
    public static IServiceCollection AddKozuchiStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => StorageConnection.FromConfiguration(configuration));
        services.TryAddSingleton(_ => new StorageNames(configuration["Kozuchi:StoragePrefix"] ?? string.Empty));
        services.TryAddSingleton<StorageClients>();
        services.TryAddSingleton<StorageRecovery>();
        return services;
    }
}
