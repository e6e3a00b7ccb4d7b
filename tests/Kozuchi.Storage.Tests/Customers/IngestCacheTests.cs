using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Customers;

/// <summary>
/// Ingest deciding on its in-process cache while other instances (each its own <see cref="CustomerStore"/> and cache,
/// as separate function instances are) change the same tables: a stale row costs a refused write and a re-read, never
/// a wrong customer.
/// </summary>
public sealed class IngestCacheTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    private StorageScope _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await azurite.CreateScopeAsync();

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One function instance: its own store, cache and ingestor over the shared tables.</summary>
    private sealed record Instance(CustomerStore Store, OrderIngestor Ingestor, CustomerCorrections Corrections);

    private Instance NewInstance()
    {
        var store = new CustomerStore(_storage.Clients);
        var snapshots = new ProfileSnapshots(_storage.Clients, store);
        return new Instance(store, new OrderIngestor(store, snapshots, Time, NullLogger<OrderIngestor>.Instance), new CustomerCorrections(store, snapshots, Time, NullLogger<CustomerCorrections>.Instance));
    }

    private static IncomingOrder Incoming(string id, string? email = null, string? phone = null, int day = 1, decimal total = 1000m, int minute = 0) =>
        new(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 2, day, 12, minute, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Phone = phone, Name = "山田 太郎" },
            Lines = [new OrderLine { Sku = "SKU-" + day, ProductName = "商品" + day, UnitPrice = total }],
            Total = total,
        }, "raw/test/" + id);

    private static async Task<List<CustomerProfile>> ActiveAsync(CustomerStore store) =>
        await store.ScanProfilesAsync(Ct).ToListAsync(Ct);

    private static Task<CustomerRecord?> OwnerAsync(CustomerStore store, IdentityKey key) => store.FindByIdentityAsync(key, Ct);

    private static readonly IdentityKey EmailA = new(IdentityKind.Email, "a@example.jp");
    private static readonly IdentityKey Phone = new(IdentityKind.Phone, "+81312345678");

    [Fact]
    public async Task A_warm_cache_decides_without_reading_the_identity_or_customer_tables()
    {
        var a = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("1", email: "a@example.jp")], null, Ct);
        var pages = a.Store.Cache.ScanPages;

        var result = await a.Ingestor.IngestAsync([Incoming("2", email: "a@example.jp", day: 2), Incoming("3", email: "new@example.jp", day: 2)], null, Ct);

        Assert.Equal((1, 2), (result.Attempts, result.Created));
        Assert.Equal(pages, a.Store.Cache.ScanPages);
        Assert.True(a.Store.Cache.TryGetIdentity(new IdentityKey(IdentityKind.Email, "new@example.jp"), out var owner, out _) == IngestCache.Knowledge.Present);
        Assert.Equal(result.Orders.Single(o => o.Order.Key.OrderId == "3").CustomerId, owner);
        var x = Assert.Single(await ActiveAsync(a.Store), p => p.Frequency == 2);
        Assert.Equal(result.Orders.Single(o => o.Order.Key.OrderId == "2").CustomerId, x.CustomerId);
    }

    [Fact]
    public async Task An_identifier_cached_on_a_customer_another_instance_merged_away_lands_on_the_survivor()
    {
        var a = NewInstance();
        var b = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("1", email: "a@example.jp", day: 1), Incoming("2", phone: "03-1234-5678", day: 2)], null, Ct);
        var (x, y) = ((await OwnerAsync(a.Store, EmailA))!.CustomerId, (await OwnerAsync(a.Store, Phone))!.CustomerId);

        // Instance b joins the two: y (the later buyer) is merged into x. Instance a still holds phone → y.
        await b.Ingestor.IngestAsync([Incoming("3", email: "a@example.jp", phone: "0312345678", day: 3)], null, Ct);
        Assert.True(a.Store.Cache.TryGetIdentity(Phone, out var cached, out _) == IngestCache.Knowledge.Present);
        Assert.Equal(y, cached);

        var result = await a.Ingestor.IngestAsync([Incoming("4", phone: "03-1234-5678", day: 4)], null, Ct);

        // The write on the stale y was refused; y and the phone were read again and the order went to x (whose cached
        // row is stale too: its write is refused once more, then read).
        Assert.Equal(3, result.Attempts);
        Assert.Equal(x, Assert.Single(result.Orders).CustomerId);
        var survivor = Assert.Single(await ActiveAsync(a.Store));
        Assert.Equal((x, 4, 4000m), (survivor.CustomerId, survivor.Frequency, survivor.Monetary));
        Assert.Equal((CustomerState.Merged, x), ((await a.Store.GetAsync(y, Ct))!.State, (await a.Store.GetAsync(y, Ct))!.MergedInto));
    }

    [Fact]
    public async Task An_identifier_cached_on_a_customer_another_instance_split_follows_the_split()
    {
        var a = NewInstance();
        var b = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("1", email: "a@example.jp", day: 1), Incoming("2", email: "a@example.jp", phone: "03-1234-5678", day: 2)], null, Ct);
        var x = (await OwnerAsync(a.Store, EmailA))!.CustomerId;

        // The shop splits order 2 (and the phone only it carried) off x, on another instance.
        var split = await b.Corrections.SplitAsync(x, new HashSet<OrderKey> { new("test", "2") }, Ct);
        Assert.True(split.Done);
        var other = split.OtherCustomerId!;

        var result = await a.Ingestor.IngestAsync([Incoming("3", phone: "0312345678", day: 3)], null, Ct);

        Assert.Equal(2, result.Attempts);
        Assert.Equal(other, Assert.Single(result.Orders).CustomerId);
        var profiles = (await ActiveAsync(a.Store)).ToDictionary(p => p.CustomerId);
        Assert.Equal((1, 2), (profiles[x].Frequency, profiles[other].Frequency));
    }

    [Fact]
    public async Task A_new_identifier_another_instance_created_meanwhile_is_refused_read_and_joined()
    {
        var a = NewInstance();
        var b = NewInstance();

        // a's buckets are complete (it has ingested), so it takes an identifier it has not seen for absent.
        await a.Ingestor.IngestAsync([Incoming("1", email: "warm@example.jp")], null, Ct);
        await b.Ingestor.IngestAsync([Incoming("2", email: "late@example.jp", day: 2, total: 500m)], null, Ct);
        var late = new IdentityKey(IdentityKind.Email, "late@example.jp");
        Assert.Equal(IngestCache.Knowledge.Absent, a.Store.Cache.TryGetIdentity(late, out _, out _));

        var result = await a.Ingestor.IngestAsync([Incoming("3", email: "late@example.jp", day: 3, total: 700m)], null, Ct);

        // The insert of the identity row was refused (409); the retry read it and the two orders are one customer's.
        Assert.Equal(2, result.Attempts);
        var owner = (await OwnerAsync(a.Store, late))!;
        Assert.Equal((2, 1200m), (owner.Orders.Count, owner.Orders.Sum(o => o.Net)));
        Assert.Equal(2, (await ActiveAsync(a.Store)).Count);
        Assert.Equal(owner.CustomerId, Assert.Single(result.Orders).CustomerId);
    }

    [Fact]
    public async Task Two_instances_with_warm_caches_writing_one_customer_at_once_count_every_order_once()
    {
        var instances = Enumerable.Range(0, 4).Select(_ => NewInstance()).ToList();
        foreach (var i in instances)
        {
            await i.Ingestor.IngestAsync([Incoming("w" + instances.IndexOf(i), email: "same@example.jp", day: 1, total: 100m)], null, Ct);
        }

        var writers = Enumerable.Range(1, 12).Select(n => instances[n % 4].Ingestor.IngestAsync([Incoming("c" + n, email: "same@example.jp", day: 2 + n, total: 10m)], null, Ct));
        var results = await Task.WhenAll(writers);

        var profile = Assert.Single(await ActiveAsync(instances[0].Store));
        Assert.Equal((16, 520m), (profile.Frequency, profile.Monetary));
        Assert.Contains(results, r => r.Attempts > 1);

        // Redelivered to instances whose caches are as stale as can be: nothing changes.
        var again = await Task.WhenAll(Enumerable.Range(1, 12).Select(n => instances[(n + 1) % 4].Ingestor.IngestAsync([Incoming("c" + n, email: "same@example.jp", day: 2 + n, total: 10m)], null, Ct)));
        Assert.All(again, r => Assert.Equal(1, r.Unchanged));
        Assert.Equal((16, 520m), (Assert.Single(await ActiveAsync(instances[0].Store)).Frequency, Assert.Single(await ActiveAsync(instances[0].Store)).Monetary));
    }

    [Fact]
    public async Task An_order_redelivered_after_a_crash_between_its_order_row_and_its_customer_is_applied_once_as_a_first_order()
    {
        var a = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("0", email: "warm@example.jp")], null, Ct);

        // What a crash right after the first write leaves: the new order's row (inserted before anything else), pointing
        // at the customer it would create, and neither that customer nor its identity rows.
        var order = Incoming("1", email: "crash@example.jp", day: 2);
        var creator = CustomerLedger.NewCustomerId(order.Order.Key);
        await a.Store.OrdersTable.AddEntityAsync(CustomerEntities.ToEntity(order.Order, creator, order.RawRef), Ct);

        foreach (var instance in new[] { a, NewInstance() })
        {
            var result = await instance.Ingestor.IngestAsync([order], null, Ct);
            var applied = Assert.Single(result.Orders);
            if (instance == a)
            {
                Assert.Equal((ApplyOutcome.Created, true, creator), (applied.Outcome, applied.IsFirstOrder, applied.CustomerId));
            }
            else
            {
                Assert.Equal(ApplyOutcome.Unchanged, applied.Outcome);
            }
        }

        var customer = (await OwnerAsync(a.Store, new IdentityKey(IdentityKind.Email, "crash@example.jp")))!;
        Assert.Equal((creator, 1), (customer.CustomerId, customer.Orders.Count));
        Assert.Equal(2, (await ActiveAsync(a.Store)).Count);
    }

    [Fact]
    public async Task An_order_redelivered_after_a_crash_between_its_customer_and_its_identity_rows_is_found_by_its_row_not_recreated()
    {
        var a = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("0", email: "warm@example.jp")], null, Ct);

        // Instance b wrote the order row and the customer it created, then died before the identity rows.
        var b = NewInstance();
        var order = Incoming("1", email: "crash@example.jp", day: 2);
        await b.Ingestor.IngestAsync([order], null, Ct);
        var creator = CustomerLedger.NewCustomerId(order.Order.Key);
        var identity = new IdentityKey(IdentityKind.Email, "crash@example.jp");
        await b.Store.IdentitiesTable.DeleteEntityAsync(CustomerEntities.IdentityPartition(identity), CustomerEntities.IdentityRow(identity), cancellationToken: Ct);

        // Instance a's cache was complete before: it knows neither the customer nor the identifier.
        Assert.Equal(IngestCache.Knowledge.Absent, a.Store.Cache.TryGetCustomer(creator, out _, out _));
        var result = await a.Ingestor.IngestAsync([order], null, Ct);

        Assert.Equal(ApplyOutcome.Unchanged, Assert.Single(result.Orders).Outcome);
        Assert.Equal(creator, (await OwnerAsync(a.Store, identity))!.CustomerId);
        Assert.Single((await a.Store.GetAsync(creator, Ct))!.Orders);
        Assert.Equal(2, (await ActiveAsync(a.Store)).Count);
        Assert.Equal(2, await a.Store.OrdersTable.QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: Ct).CountAsync(Ct));
    }

    [Fact]
    public async Task Many_orders_a_stopped_bulk_write_left_without_their_customers_are_all_found_by_one_retry_on_a_stale_cache()
    {
        var a = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("0", email: "warm@example.jp")], null, Ct);

        // What a bulk write (the CLI import) leaves when it loses a race at its customers: the rows of the orders that
        // create customers are written (they go first), their customers and identifiers are not. 20 such orders to an
        // order partition, beside orders nobody wrote yet: a's complete buckets know none of them.
        var orphans = Enumerable.Range(1, 20 * 16).Select(i => Incoming("o" + i, email: $"o{i}@example.jp", day: 2 + (i % 20))).ToList();
        var fresh = Enumerable.Range(1, 100).Select(i => Incoming("n" + i, email: $"n{i}@example.jp", day: 2 + (i % 20))).ToList();
        foreach (var partition in orphans.GroupBy(o => CustomerEntities.OrderPartition(o.Order.Key)))
        {
            await a.Store.OrdersTable.SubmitTransactionAsync(
                partition.Select(o => new TableTransactionAction(TableTransactionActionType.Add, CustomerEntities.ToEntity(o.Order, CustomerLedger.NewCustomerId(o.Order.Key), o.RawRef))),
                Ct);
        }

        var result = await a.Ingestor.IngestAsync([.. orphans, .. fresh], null, Ct);

        // One refused insert transaction names every row that exists, not only its first: the next attempt reads them all.
        Assert.Equal(2, result.Attempts);
        Assert.All(result.Orders, o => Assert.Equal((ApplyOutcome.Created, true), (o.Outcome, o.IsFirstOrder)));
        Assert.Equal(1 + orphans.Count + fresh.Count, (await ActiveAsync(a.Store)).Count);
        Assert.All(await ActiveAsync(a.Store), p => Assert.Equal(1, p.Frequency));
    }

    [Fact]
    public async Task What_a_bulk_import_in_the_same_process_wrote_is_read_not_learnt_from_a_refused_write()
    {
        var a = NewInstance();
        await a.Ingestor.IngestAsync([Incoming("1", email: "a@example.jp")], null, Ct);

        // The CLI import (a preloaded session) adds an order and a phone to the customer a's cache holds.
        var bulk = CustomerStore.NewSession();
        await a.Store.PreloadAllAsync(bulk, Ct);
        await a.Ingestor.IngestAsync([Incoming("2", email: "a@example.jp", phone: "03-1234-5678", day: 2)], bulk, Ct);

        var result = await a.Ingestor.IngestAsync([Incoming("3", phone: "0312345678", day: 3)], null, Ct);

        Assert.Equal(1, result.Attempts);
        var customer = Assert.Single(await ActiveAsync(a.Store));
        Assert.Equal((customer.CustomerId, 3), (Assert.Single(result.Orders).CustomerId, customer.Frequency));
    }

    [Fact]
    public async Task A_full_cache_completes_no_more_buckets_and_point_reads_the_rest()
    {
        var store = new CustomerStore(_storage.Clients, new IngestCache(maxRows: 5));
        var ingestor = new OrderIngestor(store, new ProfileSnapshots(_storage.Clients, store), Time, NullLogger<OrderIngestor>.Instance);
        var orders = Enumerable.Range(1, 40).Select(i => Incoming("b" + i, email: $"p{i}@example.jp", day: 1 + (i % 20))).ToList();
        await NewInstance().Ingestor.IngestAsync(orders, null, Ct);

        var again = await ingestor.IngestAsync(orders, null, Ct);

        Assert.Equal(40, again.Unchanged);
        Assert.True(store.Cache.Count <= 5 + (5 / 4), $"{store.Cache.Count} rows cached");
        Assert.Equal(40, (await ActiveAsync(store)).Count);
    }
}
