using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Testing;

/// <summary>
/// A private corner of a shared Azurite: every table, queue and container carries a random prefix, so test
/// classes never see each other's data; disposing deletes everything under the prefix (queues too, because
/// stored messages slow Azurite for everyone).
/// </summary>
public sealed class StorageScope : IAsyncDisposable
{
    private StorageScope(StorageClients clients) => Clients = clients;

    public StorageClients Clients { get; }
    public StorageNames Names => Clients.Names;
    public string Prefix => Names.Prefix;
    public string ConnectionString => Clients.Connection.ConnectionString!;

    /// <summary>Settings that point the app at this scope (for WebApplicationFactory and child processes).</summary>
    public IReadOnlyDictionary<string, string?> AppSettings => new Dictionary<string, string?>
    {
        [StorageConnection.SettingName] = ConnectionString,
        ["Kozuchi:StoragePrefix"] = Prefix,
    };

    public static async Task<StorageScope> CreateAsync(string connectionString)
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8];
        var clients = new StorageClients(StorageConnection.FromConnectionString(connectionString), new StorageNames(prefix));
        await StorageInitializer.EnsureCreatedAsync(clients, CancellationToken.None);
        return new StorageScope(clients);
    }

    /// <summary>Takes ownership of clients made elsewhere so that disposing cleans their prefix up.</summary>
    public static Task<StorageScope> AdoptAsync(StorageClients clients) => Task.FromResult(new StorageScope(clients));

    public async ValueTask DisposeAsync()
    {
        var prefix = Prefix;
        await foreach (var t in Clients.Tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0))
        {
            await Clients.Tables.DeleteTableAsync(t.Name);
        }

        await foreach (var q in Clients.Queues.GetQueuesAsync(prefix: prefix))
        {
            await Clients.Queues.DeleteQueueAsync(q.Name);
        }

        await foreach (var c in Clients.Blobs.GetBlobContainersAsync(prefix: prefix))
        {
            await Clients.Blobs.DeleteBlobContainerAsync(c.Name);
        }
    }
}
