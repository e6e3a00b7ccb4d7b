using System.Text.Json;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Customers;

public sealed class OrderIngestorTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private CustomerStore _store = null!;
    private OrderIngestor _ingestor = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _store = new CustomerStore(_storage.Clients);
        _ingestor = new OrderIngestor(_store, new ProfileSnapshots(_storage.Clients, _store), new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<OrderIngestor>.Instance);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private static IncomingOrder Incoming(string id, string? email = null, string? phone = null, int day = 1, decimal total = 1000m, OrderStatus status = OrderStatus.Paid, int minute = 0) =>
        new(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 2, day, 12, minute, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Phone = phone, Name = "山田 太郎", PostalCode = "1500001", Address = "東京都渋谷区神宮前1-1" },
            Lines = [new OrderLine { Sku = "SKU-" + day, ProductName = "商品" + day, UnitPrice = total }],
            Total = total,
            Status = status,
        }, "raw/test/" + id);

    private async Task<List<CustomerProfile>> ActiveAsync() =>
        await _store.ScanProfilesAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Orders_are_stored_with_their_customer_and_read_back_whole()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp"), Incoming("2", email: "A@EXAMPLE.JP", day: 3, total: 500m)], null, ct);

        Assert.Equal(2, result.Created);
        var profile = Assert.Single(await ActiveAsync());
        Assert.Equal((2, 1500m), (profile.Frequency, profile.Monetary));
        var stored = await _store.GetOrderAsync(new OrderKey("test", "2"), ct);
        Assert.Equal(500m, stored!.Total);
        var record = await _store.GetAsync(profile.CustomerId, ct);
        Assert.Equal("a@example.jp", record!.Contact.Email);
        Assert.Equal("150-0001", record.Contact.PostalCode);
        Assert.True(result.Orders.Single(o => o.Order.Key.OrderId == "1").IsFirstOrder);
        Assert.False(result.Orders.Single(o => o.Order.Key.OrderId == "2").IsFirstOrder);
    }

    [Fact]
    public async Task The_same_batch_ingested_twice_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        IncomingOrder[] batch = [Incoming("1", email: "a@example.jp"), Incoming("2", phone: "090-1234-5678", day: 2), Incoming("3", email: "a@example.jp", phone: "09012345678", day: 4)];
        await _ingestor.IngestAsync(batch, null, ct);
        var before = await ActiveAsync();

        var again = await _ingestor.IngestAsync(batch, null, ct);

        Assert.Equal(3, again.Unchanged);
        Assert.Equivalent(before, await ActiveAsync());
    }

    [Fact]
    public async Task Concurrent_batches_for_one_customer_all_count()
    {
        var ct = TestContext.Current.CancellationToken;
        var writers = Enumerable.Range(1, 8).Select(i => _ingestor.IngestAsync([Incoming("c" + i, email: "same@example.jp", day: i, total: i * 100m)], null, ct));
        var results = await Task.WhenAll(writers);

        var profile = Assert.Single(await ActiveAsync());
        Assert.Equal(8, profile.Frequency);
        Assert.Equal(3600m, profile.Monetary);
        Assert.Contains(results, r => r.Attempts > 1);
    }

    [Fact]
    public async Task A_merge_is_stored_with_its_reason_and_the_old_id_points_at_the_survivor()
    {
        var ct = TestContext.Current.CancellationToken;
        await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp", day: 1)], null, ct);
        await _ingestor.IngestAsync([Incoming("2", phone: "03-1234-5678", day: 2)], null, ct);
        var ids = (await ActiveAsync()).Select(p => p.CustomerId).ToList();
        Assert.Equal(2, ids.Count);

        await _ingestor.IngestAsync([Incoming("3", email: "a@example.jp", phone: "0312345678", day: 5)], null, ct);

        var survivor = Assert.Single(await ActiveAsync());
        var record = await _store.GetAsync(survivor.CustomerId, ct);
        var merge = Assert.Single(record!.Merges);
        var loser = await _store.GetAsync(merge.MergedCustomerId, ct);
        Assert.Equal((CustomerState.Merged, survivor.CustomerId), (loser!.State, loser.MergedInto));
        Assert.Equal(3, survivor.Frequency);
    }

    [Fact]
    public async Task A_cancellation_arriving_after_the_order_removes_it_from_the_aggregate_and_a_late_old_version_does_not_bring_it_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp"), Incoming("2", email: "a@example.jp", day: 2)], null, ct);
        await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp", status: OrderStatus.Cancelled, minute: 30)], null, ct);
        var late = await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp", minute: 5)], null, ct);

        Assert.Equal(1, late.Unchanged);
        var profile = Assert.Single(await ActiveAsync());
        Assert.Equal((1, 1000m), (profile.Frequency, profile.Monetary));
    }

    [Fact]
    public async Task Bulk_ingest_on_a_preloaded_session_gives_the_same_customers_as_point_reads()
    {
        var ct = TestContext.Current.CancellationToken;
        var orders = Enumerable.Range(1, 300).Select(i => Incoming("b" + i, email: $"user{i % 120}@example.jp", day: 1 + (i % 27), total: i)).ToList();
        await _ingestor.IngestAsync(orders.Take(100).ToList(), null, ct);

        var session = CustomerStore.NewSession();
        await _store.PreloadAllAsync(session, ct);
        await _ingestor.IngestAsync(orders.Skip(100).Take(100).ToList(), session, ct);
        await _ingestor.IngestAsync(orders.Skip(200).ToList(), session, ct);

        var profiles = await ActiveAsync();
        Assert.Equal(120, profiles.Count);
        Assert.Equal(orders.Sum(o => o.Order.Total), profiles.Sum(p => p.Monetary));
        Assert.Equal(300, profiles.Sum(p => p.Frequency));
    }

    [Fact]
    public async Task A_preloaded_session_keeps_saved_customers_as_json_and_later_batches_merge_them_as_point_reads_would()
    {
        var ct = TestContext.Current.CancellationToken;
        IncomingOrder[][] batches =
        [
            [Incoming("1", email: "a@example.jp", day: 1), Incoming("2", phone: "03-1234-5678", day: 2), Incoming("3", email: "other@example.jp", day: 2)],
            [Incoming("4", email: "a@example.jp", phone: "0312345678", day: 5)],
            [Incoming("5", phone: "03-1234-5678", day: 7, total: 300m), Incoming("2", phone: "03-1234-5678", day: 2, status: OrderStatus.Cancelled, minute: 30)],
        ];

        var session = CustomerStore.NewSession();
        await _store.PreloadAllAsync(session, ct);
        foreach (var batch in batches)
        {
            await _ingestor.IngestAsync(batch, session, ct);

            // Between batches nothing is held as objects: the batch just saved is frozen.
            Assert.Empty(session.Set.Customers);
        }

        Assert.Equal(3, session.Cold.Count);
        await using var reference = await azurite.CreateScopeAsync();
        var referenceStore = new CustomerStore(reference.Clients);
        var pointReads = new OrderIngestor(referenceStore, new ProfileSnapshots(reference.Clients, referenceStore), new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<OrderIngestor>.Instance);
        foreach (var batch in batches)
        {
            await pointReads.IngestAsync(batch, null, ct);
        }

        var expected = await referenceStore.ScanRecordsAsync(ct).Select(r => JsonSerializer.Serialize(r, CustomerEntities.Json)).OrderBy(j => j, StringComparer.Ordinal).ToListAsync(ct);
        var actual = await _store.ScanRecordsAsync(ct).Select(r => JsonSerializer.Serialize(r, CustomerEntities.Json)).OrderBy(j => j, StringComparer.Ordinal).ToListAsync(ct);
        Assert.Equal(2, actual.Count);
        Assert.Equal(expected, actual);
        var survivor = Assert.Single(await ActiveAsync(), p => p.Frequency > 1);
        Assert.Equal((3, 2300m), (survivor.Frequency, survivor.Monetary));
    }

    [Fact]
    public async Task A_preload_shares_one_id_string_per_customer_between_order_and_identity_rows_and_keeps_customers_cold()
    {
        var ct = TestContext.Current.CancellationToken;
        await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp"), Incoming("2", email: "a@example.jp", day: 3)], null, ct);

        var session = CustomerStore.NewSession();
        await _store.PreloadAllAsync(session, ct);

        var first = session.Set.OrdersByKey[new OrderKey("test", "1")].CustomerId;
        Assert.Same(first, session.Set.OrdersByKey[new OrderKey("test", "2")].CustomerId);
        Assert.Same(first, session.Set.Identities[new Kozuchi.Core.Identity.IdentityKey(Kozuchi.Core.Identity.IdentityKind.Email, "a@example.jp")]);
        Assert.Empty(session.Set.Customers);
        Assert.Same(first, session.Cold[first].Id);

        // The emulator's ETags (as the service's) are timestamps: none is kept as text.
        Assert.Equal((2 + 1 + 1, 0), (session.ETags.Count, session.ETags.TextCount));
        var record = JsonSerializer.Deserialize<CustomerRecord>(session.Cold[first].Json(), CustomerEntities.Json);
        Assert.Equal(2, record!.Orders.Count);
    }

    /// <summary>Runs <paramref name="act"/> once, when the first attempt of a batch has decided and written nothing: another writer's change.</summary>
    private sealed class OnceProbe(Func<Task> act) : IIngestProbe
    {
        private int _calls;

        public async ValueTask DecidedAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await act();
            }
        }
    }

    private OrderIngestor WithProbe(Func<Task> act) =>
        new(_store, new ProfileSnapshots(_storage.Clients, _store), new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<OrderIngestor>.Instance, null, new OnceProbe(act));

    [Fact]
    public async Task A_customer_another_writer_changed_meanwhile_sends_only_its_own_orders_round_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp")], null, ct);
        var x = Assert.Single(await ActiveAsync()).CustomerId;
        var written = _store.RowsWritten(_store.CustomersTable);

        // Between this batch's reads and its writes, a LINE follow (another writer) changes customer x.
        var ingestor = WithProbe(() => _store.UpdateAsync(x, r => r with { LineUserId = "U1", LineFollowing = true }, ct));
        IncomingOrder[] batch = [Incoming("2", email: "a@example.jp", day: 2), .. Enumerable.Range(3, 10).Select(i => Incoming(i.ToString(System.Globalization.CultureInfo.InvariantCulture), email: $"b{i}@example.jp", day: 3))];
        var result = await ingestor.IngestAsync(batch, null, ct);

        Assert.Equal((2, 1), (result.Attempts, result.Retried));
        Assert.Equal(11, result.Created);

        // Ten new customers written once, x twice tried and written once: no second pass over the whole batch.
        Assert.Equal(11, _store.RowsWritten(_store.CustomersTable) - written);
        var record = await _store.GetAsync(x, ct);
        Assert.Equal((2, true), (record!.Orders.Count, record.LineFollowing));
        Assert.Equal(11, (await ActiveAsync()).Count);
        Assert.Equal(12, await _store.OrdersTable.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["RowKey"], cancellationToken: ct).CountAsync(ct));
    }

    [Fact]
    public async Task A_merge_whose_survivor_lost_a_race_leaves_the_merged_customer_whole_until_the_retry_merges_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await _ingestor.IngestAsync([Incoming("1", email: "a@example.jp", day: 1)], null, ct);
        await _ingestor.IngestAsync([Incoming("2", phone: "03-1234-5678", day: 2)], null, ct);
        var first = (await ActiveAsync()).OrderBy(p => p.FirstOrderAt).Select(p => p.CustomerId).ToList();
        var written = _store.RowsWritten(_store.CustomersTable);

        // The order that joins the two: the older customer survives, and another writer changes it meanwhile.
        var ingestor = WithProbe(() => _store.UpdateAsync(first[0], r => r with { DoNotCall = true }, ct));
        var result = await ingestor.IngestAsync([Incoming("3", email: "a@example.jp", phone: "0312345678", day: 5)], null, ct);

        // The first attempt wrote neither: the merged customer would have handed its orders to a survivor that did not take them.
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, _store.RowsWritten(_store.CustomersTable) - written);
        var survivor = Assert.Single(await ActiveAsync());
        Assert.Equal((first[0], 3, 3000m), (survivor.CustomerId, survivor.Frequency, survivor.Monetary));
        var merged = await _store.GetAsync(first[1], ct);
        Assert.Equal((CustomerState.Merged, first[0]), (merged!.State, merged.MergedInto));
        Assert.True((await _store.GetAsync(first[0], ct))!.DoNotCall);
    }

    [Fact]
    public async Task A_cancellation_stamped_the_same_second_as_the_paid_version_is_the_stored_order_in_any_arrival_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var paid = Incoming("p1", email: "a@example.jp");
        var cancelled = paid with { Order = paid.Order with { Status = OrderStatus.Cancelled }, RawRef = "raw/test/p1-cancelled" };

        // Across batches, the paid version second: the order row keeps the cancellation.
        await _ingestor.IngestAsync([cancelled], null, ct);
        var late = await _ingestor.IngestAsync([paid], null, ct);
        Assert.Equal(ApplyOutcome.Unchanged, Assert.Single(late.Orders).Outcome);

        // The paid version lost: it starts no scenario (a placement event for a cancelled order would count as a purchase).
        Assert.Empty(Kozuchi.Storage.Scenarios.ScenarioEventPublisher.FromIngest(late));
        var stored = await _store.GetOrderAsync(paid.Order.Key, ct);
        Assert.Equal((OrderStatus.Cancelled, "raw/test/p1-cancelled"), (stored!.Status, (await _store.OrdersTable.GetEntityAsync<Azure.Data.Tables.TableEntity>(CustomerEntities.OrderPartition(paid.Order.Key), CustomerEntities.OrderRow(paid.Order.Key), cancellationToken: ct)).Value.GetString("RawRef")));

        // Both in one batch, paid listed last: the batch keeps the cancellation too.
        var other = Incoming("p2", email: "b@example.jp");
        await _ingestor.IngestAsync([other with { Order = other.Order with { Status = OrderStatus.Cancelled } }, other], null, ct);
        Assert.Equal(OrderStatus.Cancelled, (await _store.GetOrderAsync(other.Order.Key, ct))!.Status);
        Assert.All(await ActiveAsync(), p => Assert.Equal((0, 0m), (p.Frequency, p.Monetary)));
    }

    [Fact]
    public async Task Revenue_in_another_currency_is_stored_apart_on_the_customer_row_and_read_back_by_reports()
    {
        var ct = TestContext.Current.CancellationToken;
        var usd = Incoming("u1", email: "u@example.com", day: 1, total: 403.00m);
        await _ingestor.IngestAsync([usd with { Order = usd.Order with { Currency = "USD" } }, Incoming("u2", email: "u@example.com", day: 5, total: 2000m)], null, ct);

        var profile = Assert.Single(await ActiveAsync());
        Assert.Equal((403.00m, "USD"), (profile.Monetary, profile.Currency));
        Assert.Equal([new Kozuchi.Core.Common.CurrencyTotal("JPY", 2000m, 1)], profile.OtherMonetary);

        var snapshot = new ProfileSnapshots(_storage.Clients, _store);
        var fromSnapshot = Assert.Single(await snapshot.CurrentAsync(ct));
        Assert.Equal(profile.OtherMonetary, fromSnapshot.OtherMonetary);
        Assert.Equal(profile.OtherMonetary, Assert.Single(await snapshot.CurrentAsync(ct)).OtherMonetary);
    }
}
