using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Infrastructure;

public sealed class StorageInitializerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Creates_every_catalogued_table_queue_and_container_and_is_safe_to_run_again()
    {
        var clients = new StorageClients(StorageConnection.FromConnectionString(azurite.ConnectionString), new StorageNames("init" + Environment.ProcessId % 1000));
        var ct = TestContext.Current.CancellationToken;
        try
        {
            await StorageInitializer.EnsureCreatedAsync(clients, ct);
            await StorageInitializer.EnsureCreatedAsync(clients, ct);

            var tables = new List<string>();
            await foreach (var t in clients.Tables.QueryAsync(cancellationToken: ct))
            {
                tables.Add(t.Name);
            }

            foreach (var t in StorageCatalog.Tables.All)
            {
                Assert.Contains(clients.Names.Table(t), tables);
            }

            foreach (var q in StorageCatalog.Queues.All)
            {
                Assert.True((await clients.Queue(q).ExistsAsync(ct)).Value, q);
                Assert.True((await clients.PoisonQueue(q).ExistsAsync(ct)).Value, q + "-poison");
            }

            foreach (var c in StorageCatalog.Containers.All)
            {
                Assert.True((await clients.Container(c).ExistsAsync(ct)).Value, c);
            }
        }
        finally
        {
            await using var cleanup = await StorageScopeFor(clients);
        }
    }

    [Fact]
    public async Task Test_scopes_never_share_names()
    {
        await using var a = await azurite.CreateScopeAsync();
        await using var b = await azurite.CreateScopeAsync();
        Assert.NotEqual(a.Prefix, b.Prefix);
        await a.Clients.Container(StorageCatalog.Containers.Raw).UploadBlobAsync("x", BinaryData.FromString("a"), TestContext.Current.CancellationToken);
        Assert.False((await b.Clients.Container(StorageCatalog.Containers.Raw).GetBlobClient("x").ExistsAsync(TestContext.Current.CancellationToken)).Value);
    }

    private static Task<StorageScope> StorageScopeFor(StorageClients clients) => StorageScope.AdoptAsync(clients);
}
