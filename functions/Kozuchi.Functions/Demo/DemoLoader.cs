using Kozuchi.Core.Common;
using Kozuchi.Core.Demo;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Operations;

namespace Kozuchi.Functions.Demo;

/// <summary>Loads generated demo orders through the same ingest as real orders (identity resolution included), recorded in the import history like any import.</summary>
public sealed class DemoLoader(CustomerStore store, OrderIngestor ingestor, ImportLog log, ShopTime shopTime, TimeProvider time)
{
    public const int ChunkSize = 2000;

    public async Task<bool> HasCustomersAsync(CancellationToken cancellationToken)
    {
        await foreach (var _ in store.ScanProfilesAsync(cancellationToken))
        {
            return true;
        }

        return false;
    }

    public async Task<int> LoadAsync(int customers, int seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var options = new DemoOptions { Customers = customers, Seed = seed, AsOf = shopTime.Today(time.GetUtcNow()) };
        var session = CustomerStore.NewSession();
        await store.PreloadAllAsync(session, cancellationToken);
        var loaded = 0;
        int created = 0, updated = 0, unchanged = 0;
        foreach (var chunk in DemoGenerator.Stream(options).Chunk(ChunkSize))
        {
            var result = await ingestor.IngestAsync([.. chunk.Select(o => new IncomingOrder(o, "demo"))], session, cancellationToken);
            (created, updated, unchanged) = (created + result.Created, updated + result.Updated, unchanged + result.Unchanged);
            loaded += chunk.Length;
            progress?.Report(loaded);
        }

        await log.RecordAsync(new ImportRun
        {
            Id = log.NewRunId(),
            Path = ImportPaths.Cli,
            Source = "demo",
            Name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"demo ({customers:N0} customers, seed {seed})"),
            At = time.GetUtcNow(),
            RowsRead = loaded,
            OrdersAccepted = loaded,
            Created = created,
            Updated = updated,
            Unchanged = unchanged,
        }, cancellationToken);
        return loaded;
    }
}
