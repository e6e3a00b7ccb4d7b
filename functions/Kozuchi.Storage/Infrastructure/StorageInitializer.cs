using Azure;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>Creates every catalogued table, queue and container that is missing.</summary>
public static class StorageInitializer
{
    public static async Task EnsureCreatedAsync(StorageClients clients, CancellationToken cancellationToken)
    {
        var work = new List<Task>();
        work.AddRange(StorageCatalog.Tables.All.Select(t => IgnoreConflict(() => clients.Table(t).CreateIfNotExistsAsync(cancellationToken))));
        work.AddRange(StorageCatalog.Queues.All.Select(q => IgnoreConflict(() => clients.Queue(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
        work.AddRange(StorageCatalog.Queues.All.Select(q => IgnoreConflict(() => clients.PoisonQueue(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
        work.AddRange(StorageCatalog.Containers.All.Select(c => IgnoreConflict(() => clients.Container(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
        await Task.WhenAll(work);
    }

    // Two instances starting together race on creation; the loser's 409 means the thing exists.
    private static async Task IgnoreConflict(Func<Task> create)
    {
        try
        {
            await create();
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
        }
    }
}
