using System.Text.Json;
using Azure.Data.Tables;
using Kozuchi.Core.Demo;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Customers;

/// <summary>Reports read one snapshot blob while nothing changed, and the tables as soon as ingest changed anything.</summary>
public sealed class ProfileSnapshotTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private CustomerStore _store = null!;
    private ProfileSnapshots _snapshots = null!;
    private OrderIngestor _ingestor = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _store = new CustomerStore(_storage.Clients);
        _snapshots = new ProfileSnapshots(_storage.Clients, _store);
        _ingestor = new OrderIngestor(_store, _snapshots, new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<OrderIngestor>.Instance);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task A_current_snapshot_is_read_instead_of_the_tables_and_a_change_makes_it_stale()
    {
        var ct = TestContext.Current.CancellationToken;
        var orders = DemoGenerator.Stream(new DemoOptions { Seed = 9, Customers = 300, AsOf = new DateOnly(2026, 10, 31) }).ToList();
        await _ingestor.IngestAsync([.. orders.Take(500).Select(o => new IncomingOrder(o, null))], null, ct);

        var scanned = await _store.ScanProfilesAsync(ct).ToListAsync(ct);
        var first = await _snapshots.CurrentAsync(ct);
        Assert.Equal(Canonical(scanned), Canonical(first));

        // Remove a row behind ingest's back: a current snapshot is what answers, so the row is still counted.
        var victim = first[0].CustomerId;
        await _storage.Clients.Table(StorageCatalog.Tables.Customers).DeleteEntityAsync(CustomerEntities.CustomerPartition(victim), victim, cancellationToken: ct);
        Assert.Equal(first.Count, (await _snapshots.CurrentAsync(ct)).Count);

        // Ingest moves the marker: the next read scans the tables again (and sees the missing row and the new orders).
        await _ingestor.IngestAsync([.. orders.Skip(500).Select(o => new IncomingOrder(o, null))], null, ct);
        var after = await _snapshots.CurrentAsync(ct);
        Assert.Equal(Canonical(await _store.ScanProfilesAsync(ct).ToListAsync(ct)), Canonical(after));
        Assert.DoesNotContain(after, p => p.CustomerId == victim);
    }

    [Fact]
    public async Task A_batch_that_changes_nothing_keeps_the_snapshot_current()
    {
        var ct = TestContext.Current.CancellationToken;
        var orders = DemoGenerator.Stream(new DemoOptions { Seed = 2, Customers = 50, AsOf = new DateOnly(2026, 10, 31) }).Select(o => new IncomingOrder(o, null)).ToList();
        await _ingestor.IngestAsync(orders, null, ct);
        await _snapshots.CurrentAsync(ct);
        var marker = await _storage.Clients.Table(StorageCatalog.Tables.Runtime).GetEntityAsync<TableEntity>("customers", "last-change", cancellationToken: ct);

        await _ingestor.IngestAsync(orders, null, ct); // a redelivery

        var again = await _storage.Clients.Table(StorageCatalog.Tables.Runtime).GetEntityAsync<TableEntity>("customers", "last-change", cancellationToken: ct);
        Assert.Equal(marker.Value.ETag, again.Value.ETag);
    }

    [Fact]
    public async Task The_snapshot_holds_every_product_each_customer_bought_even_from_a_row_written_before_that_column()
    {
        var ct = TestContext.Current.CancellationToken;
        var orders = DemoGenerator.Stream(new DemoOptions { Seed = 9, Customers = 120, AsOf = new DateOnly(2026, 10, 31) }).Select(o => new IncomingOrder(o, null)).ToList();
        await _ingestor.IngestAsync(orders, null, ct);
        var runtime = _storage.Clients.Container(StorageCatalog.Containers.Runtime);
        await runtime.UploadBlobAsync("snapshots/customer-profiles.v2.bin", BinaryData.FromString("an older format"), ct);

        // What each customer's orders say they bought, against what the snapshot (taken from the tables' columns) says.
        var bought = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var p in await _store.ScanProfilesAsync(ct).ToListAsync(ct))
        {
            bought[p.CustomerId] = [.. (await _store.GetAsync(p.CustomerId, ct))!.ToProfile().BoughtProducts.Order(StringComparer.Ordinal)];
        }

        var repeat = bought.First(x => x.Value.Length > 1).Key;
        var first = await _snapshots.CurrentAsync(ct);
        Assert.All(first, p => Assert.Equal(bought[p.CustomerId], p.BoughtProducts.Order(StringComparer.Ordinal)));
        // The older format's blob is gone with the new snapshot (it held prefectures erasure takes out of the current one).
        Assert.False((await runtime.GetBlobClient("snapshots/customer-profiles.v2.bin").ExistsAsync(ct)).Value);

        // A row as written before the column existed: the next snapshot still knows what that customer bought.
        var customers = _storage.Clients.Table(StorageCatalog.Tables.Customers);
        var row = (await customers.GetEntityAsync<TableEntity>(CustomerEntities.CustomerPartition(repeat), repeat, cancellationToken: ct)).Value;
        Assert.True(row.Remove("BoughtProducts"));
        await customers.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
        await _snapshots.TouchAsync(ct);
        var again = await _snapshots.CurrentAsync(ct);
        Assert.All(again, p => Assert.Equal(bought[p.CustomerId], p.BoughtProducts.Order(StringComparer.Ordinal)));
    }

    private static List<string> Canonical(IEnumerable<Kozuchi.Core.Customers.CustomerProfile> profiles) =>
        [.. profiles.Select(p => JsonSerializer.Serialize(p)).Order(StringComparer.Ordinal)];
}
