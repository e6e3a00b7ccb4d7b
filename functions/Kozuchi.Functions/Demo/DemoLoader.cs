using Kozuchi.Core.Common;
using Kozuchi.Core.Demo;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Demo;

/// <summary>Loads generated demo orders through the same ingest as real orders (identity resolution included).</summary>
public sealed class DemoLoader(CustomerStore store, OrderIngestor ingestor, ShopTime shopTime, TimeProvider time)
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
        foreach (var chunk in DemoGenerator.Stream(options).Chunk(ChunkSize))
        {
            await ingestor.IngestAsync([.. chunk.Select(o => new IncomingOrder(o, "demo"))], session, cancellationToken);
            loaded += chunk.Length;
            progress?.Report(loaded);
        }

        return loaded;
    }
}
