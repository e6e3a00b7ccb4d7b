using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Storage.Erasure;

public static class ErasureServiceCollectionExtensions
{
    /// <summary>
    /// The erasure service and its participants, one per place personal data is kept. Participants run in this order;
    /// a new store of personal data adds its participant here (and nothing else).
    /// </summary>
    public static IServiceCollection AddErasure(this IServiceCollection services)
    {
        services.TryAddSingleton<ErasedIdentifiers>();
        services.TryAddSingleton<ErasureService>();
        services.TryAddSingleton<BlobIndex>();
        services.TryAddSingleton<ErasureJobs>();
        services.TryAddSingleton<Checkouts.CheckoutStore>();
        services.TryAddSingleton<Customers.CustomerSearchIndex>();
        services.TryAddSingleton<Scenarios.EnrollmentStore>();
        services.AddSingleton<IErasureParticipant, CustomerRecordsParticipant>();
        services.AddSingleton<IErasureParticipant, IdentityRowsParticipant>();
        services.AddSingleton<IErasureParticipant, CustomerSearchParticipant>();
        services.AddSingleton<IErasureParticipant, OrderRowsParticipant>();
        services.AddSingleton<IErasureParticipant, RawPayloadsParticipant>();
        services.AddSingleton<IErasureParticipant, ImportFilesParticipant>();
        services.AddSingleton<IErasureParticipant, ExportFilesParticipant>();
        services.AddSingleton<IErasureParticipant, ChannelEventsParticipant>();
        services.AddSingleton<IErasureParticipant, ScenarioParticipant>();
        services.AddSingleton<IErasureParticipant, CheckoutsParticipant>();
        services.AddSingleton<IErasureParticipant, OutboxParticipant>();
        services.AddSingleton<IErasureParticipant, DataRequestsParticipant>();
        return services;
    }
}
