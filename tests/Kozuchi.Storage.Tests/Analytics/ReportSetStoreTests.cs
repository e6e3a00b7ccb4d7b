using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Demo;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Analytics;

/// <summary>A stored report set is handed out only under the change marker it was computed under.</summary>
public sealed class ReportSetStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateOnly Day = new(2026, 11, 1);
    private StorageScope _storage = null!;
    private ReportSetStore _store = null!;
    private ProfileSnapshots _snapshots = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _store = new ReportSetStore(_storage.Clients);
        _snapshots = new ProfileSnapshots(_storage.Clients, new CustomerStore(_storage.Clients));
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task A_set_is_read_back_while_the_marker_stays_and_not_after_an_ingest_moved_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var ingestor = new OrderIngestor(new CustomerStore(_storage.Clients), _snapshots, new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<OrderIngestor>.Instance);
        var orders = DemoGenerator.Stream(new DemoOptions { Seed = 4, Customers = 20, AsOf = Day.AddDays(-1) }).Select(o => new IncomingOrder(o, null)).ToList();
        await ingestor.IngestAsync([.. orders.Take(10)], null, ct);
        var marker = await _snapshots.MarkerAsync(ct);

        await _store.WriteAsync("report-set", Day, marker, BinaryData.FromString("{\"n\":1}"), ct);

        Assert.Equal("{\"n\":1}", (await _store.ReadAsync("report-set", Day, marker, ct))?.ToString());
        Assert.Null(await _store.ReadAsync("report-set", Day.AddDays(1), marker, ct));
        Assert.Null(await _store.ReadAsync("clv", Day, marker, ct));

        await ingestor.IngestAsync([.. orders.Skip(10)], null, ct);

        var moved = await _snapshots.MarkerAsync(ct);
        Assert.NotEqual(marker, moved);
        Assert.Null(await _store.ReadAsync("report-set", Day, moved, ct));
    }

    [Fact]
    public async Task Writing_a_day_keeps_that_kinds_two_newest_days_only()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var d = 0; d < 4; d++)
        {
            await _store.WriteAsync("report-set", Day.AddDays(d), "m", BinaryData.FromString("{}"), ct);
        }

        await _store.WriteAsync("clv", Day, "m", BinaryData.FromString("{}"), ct);

        var names = new List<string>();
        await foreach (var item in _storage.Clients.Container(StorageCatalog.Containers.Runtime).GetBlobsAsync(BlobTraits.None, BlobStates.None, "reports/", ct))
        {
            names.Add(item.Name);
        }

        Assert.Equal(
            [ReportSetStore.BlobName("clv", Day), ReportSetStore.BlobName("report-set", Day.AddDays(2)), ReportSetStore.BlobName("report-set", Day.AddDays(3))],
            names.Order(StringComparer.Ordinal));
    }
}
