using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Customers;

/// <summary>How the store reads the rows an ingest batch needs.</summary>
public enum ReadMode
{
    /// <summary>Point reads of exactly the rows needed: small batches (webhooks).</summary>
    Point,

    /// <summary>Whole tables read once and kept: bulk imports, where point reads would be the bottleneck.</summary>
    Preloaded,
}

/// <summary>
/// Loads and saves an <see cref="IngestWorkingSet"/>: orders, identities and customers, with ETags so that two
/// writers never silently overwrite each other. A conflict surfaces as <see cref="WriteConflictException"/>; the
/// caller reloads and re-decides (the ledger is idempotent, so partial writes before the conflict are harmless).
/// </summary>
public sealed class CustomerStore
{
    private const int Parallelism = 16;
    private readonly TableClient _orders;
    private readonly TableClient _identities;
    private readonly TableClient _customers;

    public CustomerStore(StorageClients clients, IngestCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        Cache = cache ?? new IngestCache();
        _orders = clients.Table(StorageCatalog.Tables.Orders);
        _identities = clients.Table(StorageCatalog.Tables.Identities);
        _customers = clients.Table(StorageCatalog.Tables.Customers);
    }

    /// <summary>What ingest knows of the identity and customer tables without reading them (one per process).</summary>
    public IngestCache Cache { get; }

    public TableClient OrdersTable => _orders;
    public TableClient CustomersTable => _customers;
    public TableClient IdentitiesTable => _identities;

    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _added = new(StringComparer.Ordinal);

    /// <summary>Rows ingest wrote to a table since start, rewrites included (what a benchmark divides by orders).</summary>
    public long RowsWritten(TableClient table) => _written.GetValueOrDefault(table?.Name ?? string.Empty);

    /// <summary>Rows ingest inserted into a table since start (written without an ETag as new rows).</summary>
    public long RowsAdded(TableClient table) => _added.GetValueOrDefault(table?.Name ?? string.Empty);

    private readonly ConcurrentDictionary<string, long> _transactions = new(StringComparer.Ordinal);

    /// <summary>Entity group transactions sent to a table since start, refused ones included (benchmarks: rows per transaction).</summary>
    public long Transactions(TableClient table) => _transactions.GetValueOrDefault(table?.Name ?? string.Empty);

    /// <summary>A working set with the ETags of what it read; one per attempt of a batch.</summary>
    public sealed class Session
    {
        internal Session(IngestWorkingSet set) => Set = set;

        public IngestWorkingSet Set { get; }
        internal RowETags ETags { get; } = new();
        internal HashSet<OrderKey> LoadedOrders { get; } = [];
        internal HashSet<IdentityKey> LoadedIdentities { get; } = [];
        internal HashSet<string> LoadedCustomers { get; } = new(StringComparer.Ordinal);
        internal bool Preloaded { get; set; }

        /// <summary>Reads identities and customers from <see cref="Cache"/> where it knows them; order rows only of orders known to exist.</summary>
        internal bool Cached { get; init; }

        /// <summary>Order rows this session's writes proved to exist (an insert refused, or written for an order that then went round again).</summary>
        public HashSet<OrderKey> ExistingOrders { get; } = [];

        /// <summary>The cache stamps of the identifiers and customers a cached session holds (<see cref="IngestCache.Tick"/>).</summary>
        internal Dictionary<IdentityKey, long> IdentityStamps { get; } = [];

        internal Dictionary<string, long> CustomerStamps { get; } = new(StringComparer.Ordinal);

        /// <summary>Blocked orders whose decision wrote a row a refusal named: what they rested on is forgotten (<see cref="Forget(Session, IEnumerable{Order})"/>).</summary>
        public HashSet<OrderKey> Implicated { get; } = [];

        /// <summary>Rows a refused write named as the culprit (table, partition, row): stale in the cache.</summary>
        internal HashSet<(string Table, string Pk, string Rk)> Culprits { get; } = [];

        /// <summary>
        /// The customers of a preloaded session that no batch is working on, as compressed UTF-8 JSON
        /// (<see cref="ColdCustomer"/>). A batch thaws the ones it needs (those a point-read session would read) into
        /// <see cref="IngestWorkingSet.Customers"/>, and they are frozen again once saved. The key and
        /// <see cref="ColdCustomer.Id"/> are the one instance of the id that order and identity refs share.
        /// </summary>
        internal Dictionary<string, ColdCustomer> Cold { get; } = new(StringComparer.Ordinal);
    }


    public static Session NewSession() => new(new IngestWorkingSet());

    /// <summary>A point session that takes identities and customers from the ingest cache (<see cref="IngestCache"/>).</summary>
    public static Session NewCachedSession() => new(new IngestWorkingSet()) { Cached = true };

    /// <summary>
    /// Moves the customers a preloaded session holds as objects to its compact store, once they are saved (nothing
    /// dirty); a point-read session is left as it is.
    /// </summary>
    public static void Freeze(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.Preloaded || session.Set.DirtyCustomers.Count > 0)
        {
            return;
        }

        foreach (var (id, record) in session.Set.Customers)
        {
            session.Cold[id] = ColdCustomer.Pack(id, JsonSerializer.SerializeToUtf8Bytes(record, CustomerEntities.Json));
        }

        session.Set.Customers.Clear();
    }

    /// <summary>Brings back from the compact store what the ledger needs for these orders, following merges.</summary>
    private static void Thaw(Session session, IReadOnlyCollection<Order> orders)
    {
        var set = session.Set;
        var wanted = new Stack<string>();
        foreach (var order in orders)
        {
            if (set.OrdersByKey.TryGetValue(order.Key, out var stored))
            {
                wanted.Push(stored.CustomerId);
            }

            wanted.Push(CustomerLedger.NewCustomerId(order.Key));
            foreach (var key in IdentityKey.From(order))
            {
                if (set.Identities.TryGetValue(key, out var owner))
                {
                    wanted.Push(owner);
                }
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (wanted.TryPop(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }

            if (!set.Customers.TryGetValue(id, out var record) && session.Cold.TryGetValue(id, out var cold))
            {
                record = JsonSerializer.Deserialize<CustomerRecord>(cold.Json(), CustomerEntities.Json)
                    ?? throw new InvalidDataException($"Customer {id} has no data.");

                // The ledger writes the record's id into order and identity refs: keep it the shared instance.
                set.Customers[cold.Id] = record with { CustomerId = cold.Id };
            }

            if (record?.MergedInto is { } next)
            {
                wanted.Push(next);
            }
        }
    }

    /// <summary>Takes over what a point-read session read and wrote, so a preloaded session stays current after a retry.</summary>
    public static void Absorb(Session target, Session source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        foreach (var (k, v) in source.Set.OrdersByKey)
        {
            target.Set.OrdersByKey[k] = v;
        }

        foreach (var (k, v) in source.Set.Identities)
        {
            target.Set.Identities[k] = v;
        }

        foreach (var (k, v) in source.Set.Customers)
        {
            target.Set.Customers[k] = v;
        }

        target.ETags.CopyFrom(source.ETags);
    }

    /// <summary>Reads every order, identity and customer row into the session: the bulk path.</summary>
    public async Task PreloadAllAsync(Session session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);

        // Every row names its customer in its own string: one instance per customer instead (about 2.3 rows an order).
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string Shared(string id)
        {
            if (ids.TryGetValue(id, out var shared))
            {
                return shared;
            }

            ids.Add(id);
            return id;
        }

        await Task.WhenAll(
            ScanAsync(_orders, ["PartitionKey", "RowKey", "CustomerId", "UpdatedAt"], e =>
            {
                var key = CustomerEntities.OrderKeyFromRow(e.RowKey);
                lock (session)
                {
                    session.Set.OrdersByKey[key] = new StoredOrderRef(key, Shared(e.GetString("CustomerId")), e.GetDateTimeOffset("UpdatedAt") ?? default);
                    session.ETags.Set(_orders.Name, e.PartitionKey, e.RowKey, e.ETag);
                }
            }, cancellationToken),
            ScanAsync(_identities, ["PartitionKey", "RowKey", "CustomerId"], e =>
            {
                var key = IdentityKey.Parse(TableKeys.Unescape(e.RowKey));
                lock (session)
                {
                    session.Set.Identities[key] = Shared(e.GetString("CustomerId"));
                    session.ETags.Set(_identities.Name, e.PartitionKey, e.RowKey, e.ETag);
                }
            }, cancellationToken),
            ScanAsync(_customers, null, e =>
            {
                var json = Encoding.UTF8.GetBytes(CustomerEntities.JsonOf(e));
                lock (session)
                {
                    var id = Shared(e.RowKey);
                    session.Cold[id] = ColdCustomer.Pack(id, json);
                    session.ETags.Set(_customers.Name, e.PartitionKey, e.RowKey, e.ETag);
                }
            }, cancellationToken)).ConfigureAwait(false);
        session.Preloaded = true;
    }

    private static async Task ScanAsync(TableClient table, IEnumerable<string>? select, Action<TableEntity> onRow, CancellationToken cancellationToken, int parallelism = 4)
    {
        await Parallel.ForEachAsync(TableKeys.AllBuckets(), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (bucket, ct) =>
        {
            await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == bucket, select: select, cancellationToken: ct).ConfigureAwait(false))
            {
                onRow(e);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Point-reads what the orders need that the session does not hold yet, following merges to the survivor.</summary>
    /// <param name="existing">Orders whose row is known to exist (a cached session reads only those, and those a customer it loaded holds).</param>
    public async Task LoadAsync(Session session, IReadOnlyCollection<Order> orders, CancellationToken cancellationToken, IReadOnlySet<OrderKey>? existing = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Preloaded)
        {
            Thaw(session, orders);
            return;
        }

        if (session.Cached)
        {
            await LoadCachedAsync(session, orders, existing ?? new HashSet<OrderKey>(), cancellationToken).ConfigureAwait(false);
            return;
        }

        var (orderKeys, identityKeys) = CustomerLedger.Needs(orders);
        var set = session.Set;

        // Orders, identifiers and the customers the orders would create are independent: read together, so a batch
        // holds its rows for as short a time as the reads allow (a shorter window, fewer races with other writers).
        var creators = orderKeys.Select(CustomerLedger.NewCustomerId).Where(session.LoadedCustomers.Add).ToList();
        var readOrders = ReadOrdersAsync(session, [.. orderKeys.Where(session.LoadedOrders.Add)], cancellationToken);
        var readIdentities = ReadIdentitiesAsync(session, [.. identityKeys.Where(session.LoadedIdentities.Add)], cancellationToken);
        await Task.WhenAll(readOrders, readIdentities, ReadCustomersAsync(session, creators, cancellationToken)).ConfigureAwait(false);

        // Then the owners they name (and, following merges, the survivors).
        var wanted = set.OrdersByKey.Values.Select(o => o.CustomerId).Concat(set.Identities.Values).ToHashSet(StringComparer.Ordinal);
        wanted.UnionWith(creators.Select(id => set.Customers.GetValueOrDefault(id)?.MergedInto).OfType<string>());
        while (wanted.Where(session.LoadedCustomers.Add).ToList() is { Count: > 0 } batch)
        {
            await ReadCustomersAsync(session, batch, cancellationToken).ConfigureAwait(false);

            // A merged customer points at its survivor, which the ledger needs too.
            wanted = batch.Select(id => set.Customers.GetValueOrDefault(id)?.MergedInto).OfType<string>().ToHashSet(StringComparer.Ordinal);
        }
    }

    private Task ReadOrdersAsync(Session session, IReadOnlyList<OrderKey> keys, CancellationToken cancellationToken) =>
        ForEachAsync(keys, async (key, ct) =>
        {
            var pk = CustomerEntities.OrderPartition(key);
            var rk = CustomerEntities.OrderRow(key);
            var row = await _orders.GetEntityIfExistsAsync<TableEntity>(pk, rk, ["CustomerId", "UpdatedAt"], ct).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e)
            {
                lock (session)
                {
                    session.Set.OrdersByKey[key] = new StoredOrderRef(key, e.GetString("CustomerId"), e.GetDateTimeOffset("UpdatedAt") ?? default);
                    session.ETags.Set(_orders.Name, pk, rk, e.ETag);
                }
            }
        }, cancellationToken);

    private Task ReadIdentitiesAsync(Session session, IReadOnlyList<IdentityKey> keys, CancellationToken cancellationToken) =>
        ForEachAsync(keys, async (key, ct) =>
        {
            var pk = CustomerEntities.IdentityPartition(key);
            var rk = CustomerEntities.IdentityRow(key);
            var seenFrom = Cache.Tick();
            var row = await _identities.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e)
            {
                var owner = e.GetString("CustomerId");
                Cache.PutIdentity(key, owner, e.ETag, seenFrom);
                lock (session)
                {
                    session.Set.Identities[key] = owner;
                    session.ETags.Set(_identities.Name, pk, rk, e.ETag);
                    session.IdentityStamps[key] = seenFrom;
                }
            }
            else
            {
                Cache.ConfirmAbsentIdentity(key);
            }
        }, cancellationToken);

    /// <summary>
    /// The cached path of <see cref="LoadAsync"/>: the buckets the orders need are made complete once, identifiers and
    /// customers come from the cache where it knows them (present, or absent in a complete bucket) and are point-read
    /// otherwise; a customer a row names is read when the cache lacks it. Order rows are read only for orders known to
    /// exist (<paramref name="existing"/>) or held by a customer loaded here (a redelivery or a later version); any other
    /// order is taken as new and its row is inserted before anything else is written (<see cref="SavePartialAsync"/>),
    /// so a wrong guess is a refused insert, not a double count.
    /// </summary>
    private async Task LoadCachedAsync(Session session, IReadOnlyCollection<Order> orders, IReadOnlySet<OrderKey> existing, CancellationToken cancellationToken)
    {
        var (orderKeys, identityKeys) = CustomerLedger.Needs(orders);
        var set = session.Set;
        var creators = orderKeys.Select(CustomerLedger.NewCustomerId).Where(session.LoadedCustomers.Add).ToList();
        // A message of 100 orders touches every bucket of both tables: all are completed the first time (then it is free).
        await Cache.CompleteAsync(_identities, TableKeys.AllBuckets(), _customers, TableKeys.AllBuckets(), cancellationToken).ConfigureAwait(false);

        var unknownIdentities = new List<IdentityKey>();
        foreach (var key in identityKeys.Where(session.LoadedIdentities.Add))
        {
            if (Cache.TryGetIdentity(key, out var owner, out var etag, out var stamp) is var known && known == IngestCache.Knowledge.Present)
            {
                set.Identities[key] = owner!;
                session.ETags.Set(_identities.Name, CustomerEntities.IdentityPartition(key), CustomerEntities.IdentityRow(key), etag);
                session.IdentityStamps[key] = stamp;
            }
            else if (known == IngestCache.Knowledge.Unknown)
            {
                unknownIdentities.Add(key);
            }
        }

        await Task.WhenAll(
            ReadIdentitiesAsync(session, unknownIdentities, cancellationToken),
            ReadOrdersAsync(session, [.. orderKeys.Where(existing.Contains).Where(session.LoadedOrders.Add)], cancellationToken),
            TakeCustomersAsync(session, creators, trustAbsence: true, cancellationToken)).ConfigureAwait(false);
        await FollowOwnersAsync(session, cancellationToken).ConfigureAwait(false);

        // An order a loaded customer holds is known: its row is read (what it says decides as on the point path).
        var held = orderKeys.Where(k => !session.LoadedOrders.Contains(k) && set.Customers.Values.Any(c => c.Find(k) is not null)).ToList();
        if (held.Count > 0)
        {
            session.LoadedOrders.UnionWith(held);
            await ReadOrdersAsync(session, held, cancellationToken).ConfigureAwait(false);
            await FollowOwnersAsync(session, cancellationToken).ConfigureAwait(false);
        }

        // An identifier older than a customer it leads to may have been moved by the change that customer's newer
        // version holds: read it again (then its owners), until every identifier is at least as new as its customers.
        for (var round = 0; StaleIdentities(session) is { Count: > 0 } stale; round++)
        {
            foreach (var key in stale)
            {
                set.Identities.Remove(key);
                session.IdentityStamps.Remove(key);
                session.ETags.Remove(_identities.Name, CustomerEntities.IdentityPartition(key), CustomerEntities.IdentityRow(key));
            }

            await ReadIdentitiesAsync(session, stale, cancellationToken).ConfigureAwait(false);
            await FollowOwnersAsync(session, cancellationToken).ConfigureAwait(false);
            if (round > 8)
            {
                throw new WriteConflictException("Identifiers kept changing while they were read.");
            }
        }
    }

    private static List<IdentityKey> StaleIdentities(Session session) =>
        [.. session.IdentityStamps.Where(i => session.Set.Identities.TryGetValue(i.Key, out var owner)
            && Chain(session.Set, owner).Any(id => session.CustomerStamps.TryGetValue(id, out var c) && c > i.Value)).Select(i => i.Key)];

    /// <summary>A customer and those it was merged into, as far as the session holds them.</summary>
    private static IEnumerable<string> Chain(IngestWorkingSet set, string customerId)
    {
        var id = customerId;
        for (var hops = 0; hops < 32 && id is not null; hops++)
        {
            yield return id;
            id = set.Customers.GetValueOrDefault(id)?.MergedInto!;
        }
    }

    /// <summary>The customers the session's order and identity rows name, and their survivors, from the cache or read.</summary>
    private async Task FollowOwnersAsync(Session session, CancellationToken cancellationToken)
    {
        var set = session.Set;
        var wanted = set.OrdersByKey.Values.Select(o => o.CustomerId).Concat(set.Identities.Values).ToHashSet(StringComparer.Ordinal);
        wanted.UnionWith(set.Customers.Values.Select(c => c.MergedInto).OfType<string>());
        while (wanted.Where(session.LoadedCustomers.Add).ToList() is { Count: > 0 } batch)
        {
            // A row names its customer: the cache's "absent" is not taken for it (it was written after the bucket's scan).
            await TakeCustomersAsync(session, batch, trustAbsence: false, cancellationToken).ConfigureAwait(false);
            wanted = batch.Select(id => set.Customers.GetValueOrDefault(id)?.MergedInto).OfType<string>().ToHashSet(StringComparer.Ordinal);
        }
    }

    private Task TakeCustomersAsync(Session session, IReadOnlyList<string> ids, bool trustAbsence, CancellationToken cancellationToken)
    {
        var unknown = new List<string>();
        foreach (var id in ids)
        {
            var known = Cache.TryGetCustomer(id, out var record, out var etag, out var stamp);
            if (known == IngestCache.Knowledge.Present)
            {
                session.Set.Customers[id] = record!;
                session.ETags.Set(_customers.Name, CustomerEntities.CustomerPartition(id), id, etag);
                session.CustomerStamps[id] = stamp;
            }
            else if (known == IngestCache.Knowledge.Unknown || !trustAbsence)
            {
                unknown.Add(id);
            }
        }

        return ReadCustomersAsync(session, unknown, cancellationToken);
    }

    /// <summary>Point-reads one customer and one identifier with their owners (following merges): what attaching an identifier needs.</summary>
    public async Task LoadForIdentityAsync(Session session, string customerId, IdentityKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var set = session.Set;
        if (session.LoadedIdentities.Add(key))
        {
            var pk = CustomerEntities.IdentityPartition(key);
            var rk = CustomerEntities.IdentityRow(key);
            var row = await _identities.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e)
            {
                set.Identities[key] = e.GetString("CustomerId");
                session.ETags.Set(_identities.Name, pk, rk, e.ETag);
            }
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal) { customerId };
        if (set.Identities.TryGetValue(key, out var owner))
        {
            wanted.Add(owner);
        }

        while (wanted.Where(session.LoadedCustomers.Add).ToList() is { Count: > 0 } batch)
        {
            await ReadCustomersAsync(session, batch, cancellationToken).ConfigureAwait(false);
            wanted = batch.Select(id => set.Customers.GetValueOrDefault(id)?.MergedInto).OfType<string>().ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>The customer an identifier belongs to now (after merges), or null.</summary>
    public async Task<CustomerRecord?> FindByIdentityAsync(IdentityKey key, CancellationToken cancellationToken)
    {
        var row = await _identities.GetEntityIfExistsAsync<TableEntity>(CustomerEntities.IdentityPartition(key), CustomerEntities.IdentityRow(key), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? await GetActiveAsync(e.GetString("CustomerId"), cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The customer, or the one it was merged into.</summary>
    public async Task<CustomerRecord?> GetActiveAsync(string customerId, CancellationToken cancellationToken)
    {
        var record = await GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        for (var hops = 0; record is { State: CustomerState.Merged, MergedInto: { } next } && hops < 32; hops++)
        {
            record = await GetAsync(next, cancellationToken).ConfigureAwait(false);
        }

        return record;
    }

    /// <summary>
    /// The names of these customers, in their order (null where one is not active or has none): point reads, 16 at a
    /// time, for the rows a page shows — never a whole list.
    /// </summary>
    public async Task<string?[]> NamesAsync(IReadOnlyList<string> customerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        var names = new string?[customerIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Length), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            if (await GetAsync(customerIds[i], ct).ConfigureAwait(false) is { State: CustomerState.Active, Contact.Name: { } name })
            {
                names[i] = name;
            }
        }).ConfigureAwait(false);
        return names;
    }

    /// <summary>
    /// The ids merged into <paramref name="survivor"/>, however deep (a merged customer's own merges come along): the
    /// partitions where what was kept per customer before the merge (enrollments, tags) still lives. Only ids that still
    /// point into the group count, so an undone merge drops out.
    /// </summary>
    public async Task<IReadOnlyList<string>> MergedIdsAsync(CustomerRecord survivor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(survivor);
        var group = new HashSet<string>(StringComparer.Ordinal) { survivor.CustomerId };
        var merged = new List<string>();
        var pending = new Queue<CustomerRecord>([survivor]);
        while (pending.TryDequeue(out var record) && group.Count <= 32)
        {
            foreach (var id in record.Merges.Select(m => m.MergedCustomerId).Where(id => !group.Contains(id)))
            {
                if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { State: CustomerState.Merged, MergedInto: { } into } m && group.Contains(into) && group.Add(id))
                {
                    merged.Add(id);
                    pending.Enqueue(m);
                }
            }
        }

        return merged;
    }

    /// <summary>
    /// Read-modify-write of one customer row under its ETag, retried when another writer got there first. The change
    /// returns null for "nothing to do". Returns the record as stored, or null if the customer does not exist.
    /// </summary>
    public async Task<CustomerRecord?> UpdateAsync(string customerId, Func<CustomerRecord, CustomerRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetActiveAsync(customerId, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return null;
            }

            var row = await _customers.GetEntityAsync<TableEntity>(CustomerEntities.CustomerPartition(current.CustomerId), current.CustomerId, cancellationToken: cancellationToken).ConfigureAwait(false);
            var record = CustomerEntities.FromEntity(row.Value);
            if (change(record) is not { } changed)
            {
                return record;
            }

            try
            {
                var entity = CustomerEntities.ToEntity(changed);
                var response = await _customers.UpdateEntityAsync(entity, row.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                Remember(_customers, entity, response.Headers.ETag ?? default, 0);
                return changed;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 8)
            {
                // Ingest or another channel event changed the customer meanwhile: read again and re-apply.
            }
        }
    }

    /// <summary>Point-reads customers the session does not hold yet (with their ETags).</summary>
    public Task LoadCustomersAsync(Session session, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return ReadCustomersAsync(session, [.. ids.Where(session.LoadedCustomers.Add)], cancellationToken);
    }

    private async Task ReadCustomersAsync(Session session, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        await ForEachAsync(ids, async (id, ct) =>
        {
            var pk = CustomerEntities.CustomerPartition(id);
            var row = await _customers.GetEntityIfExistsAsync<TableEntity>(pk, id, cancellationToken: ct).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e)
            {
                var json = CustomerEntities.JsonOf(e);
                var record = JsonSerializer.Deserialize<CustomerRecord>(json, CustomerEntities.Json)
                    ?? throw new InvalidDataException($"Customer row {id} has no data.");
                var stamp = Cache.PutCustomer(id, Encoding.UTF8.GetBytes(json), e.ETag);
                lock (session)
                {
                    session.Set.Customers[id] = record;
                    session.ETags.Set(_customers.Name, pk, id, e.ETag);
                    session.CustomerStamps[id] = stamp;
                }
            }
            else
            {
                Cache.ConfirmAbsentCustomer(id);
            }
        }, cancellationToken).ConfigureAwait(false);

    private static readonly string[] ProfileColumns =
        ["PartitionKey", "RowKey", "State", "MergedInto", "Frequency", "Monetary", "Currency", "OtherMonetary", "FirstOrderAt", "LastOrderAt", "EntryProducts", "BoughtProducts", "IsSubscriber", "AcquisitionMedium", "Prefecture", "CanEmail", "CanLine", "CanPost", "CanCall"];

    /// <summary>
    /// Every active (or erased, kept anonymously) customer's profile from the scalar columns only (no JSON): what reports read. Merged customers are
    /// left out: their orders count with their survivor.
    /// </summary>
    public async IAsyncEnumerable<CustomerProfile> ScanProfilesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _customers.QueryAsync<TableEntity>(filter: (string?)null, select: ProfileColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (CountsInAnalytics(e))
            {
                yield return ProfileFrom(e);
            }
        }
    }

    /// <summary>Like <see cref="ScanProfilesAsync"/>, reading the hash buckets in parallel: the path for whole-base reports.</summary>
    public async Task<IReadOnlyList<CustomerProfile>> ReadAllProfilesAsync(CancellationToken cancellationToken)
    {
        var profiles = new ConcurrentBag<CustomerProfile>();
        var older = 0;
        await ScanAsync(_customers, ProfileColumns, e =>
        {
            if (CountsInAnalytics(e))
            {
                profiles.Add(ProfileFrom(e));
                if (LacksBoughtProducts(e))
                {
                    Interlocked.Increment(ref older);
                }
            }
        }, cancellationToken).ConfigureAwait(false);

        if (older > 0)
        {
            // Rows written before the BoughtProducts column: only their orders say what they bought, so read whole
            // records (slower, exact) rather than count those buyers out of a "bought" segment. Each row gets the
            // column on its next write (ingest, correction, replay of the raw payloads).
            profiles.Clear();
            await ReadAllRecordsAsync((_, profile) => profiles.Add(profile), cancellationToken).ConfigureAwait(false);
        }

        return [.. profiles.OrderBy(p => p.CustomerId, StringComparer.Ordinal)];
    }

    private static bool CountsInAnalytics(TableEntity e) => Enum.TryParse<CustomerState>(e.GetString("State"), out var state) && state.CountsInAnalytics();

    /// <summary>A row with orders written before the BoughtProducts column existed (a row with none has nothing to miss).</summary>
    private static bool LacksBoughtProducts(TableEntity e) => e.GetString("BoughtProducts") is null && e.GetInt32("Frequency") is > 0;

    private static CustomerProfile ProfileFrom(TableEntity e) => new()
    {
        CustomerId = e.RowKey,
        State = Enum.TryParse<CustomerState>(e.GetString("State"), out var state) ? state : CustomerState.Active,
        Frequency = e.GetInt32("Frequency") ?? 0,
        Monetary = decimal.Parse(e.GetString("Monetary") ?? "0", System.Globalization.CultureInfo.InvariantCulture),
        Currency = e.GetString("Currency") ?? Currencies.Default,
        OtherMonetary = Currencies.Parse(e.GetString("OtherMonetary")),
        FirstOrderAt = e.GetDateTimeOffset("FirstOrderAt"),
        LastOrderAt = e.GetDateTimeOffset("LastOrderAt"),
        EntryProducts = e.GetString("EntryProducts") is { Length: > 0 } entry ? entry.Split('\t') : [],
        BoughtProducts = e.GetString("BoughtProducts") is { Length: > 0 } bought ? bought.Split('\t').ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal),
        IsSubscriber = e.GetBoolean("IsSubscriber") ?? false,
        AcquisitionMedium = e.GetString("AcquisitionMedium"),
        Prefecture = e.GetString("Prefecture"),
        Reachability = new Reachability
        {
            HasEmail = e.GetBoolean("CanEmail") ?? false,
            EmailOptIn = e.GetBoolean("CanEmail") ?? false,
            LineUserId = e.GetBoolean("CanLine") == true ? "(linked)" : null,
            LineFollowing = e.GetBoolean("CanLine") ?? false,
            HasPostalAddress = e.GetBoolean("CanPost") ?? false,
            HasPhone = e.GetBoolean("CanCall") ?? false,
        },
    };

    /// <summary>
    /// Every active or erased customer's full record with its profile (as <see cref="ReadAllProfilesAsync"/> reads it),
    /// reading the hash buckets in parallel: one pass for everything the precomputed report set needs.
    /// <paramref name="onCustomer"/> is called from several threads at once.
    /// </summary>
    /// <param name="parallelism">Partitions read at once: a background pass keeps it low, so the requests served meanwhile do not queue behind it.</param>
    public Task ReadAllRecordsAsync(Action<CustomerRecord, CustomerProfile> onCustomer, CancellationToken cancellationToken, int parallelism = 4)
    {
        ArgumentNullException.ThrowIfNull(onCustomer);
        return ScanAsync(_customers, null, e =>
        {
            if (CountsInAnalytics(e))
            {
                var record = CustomerEntities.FromEntity(e);
                var profile = ProfileFrom(e);
                // A row written before the BoughtProducts column existed: its orders say what it bought.
                onCustomer(record, LacksBoughtProducts(e) ? profile with { BoughtProducts = record.ToProfile().BoughtProducts } : profile);
            }
        }, cancellationToken, parallelism);
    }

    /// <summary>Every active or erased customer's full record: for as-of reports that refold orders before a date.</summary>
    public async IAsyncEnumerable<CustomerRecord> ScanRecordsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _customers.QueryAsync<TableEntity>(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (CountsInAnalytics(e))
            {
                yield return CustomerEntities.FromEntity(e);
            }
        }
    }

    public async Task<CustomerRecord?> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        var row = await _customers.GetEntityIfExistsAsync<TableEntity>(CustomerEntities.CustomerPartition(customerId), customerId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? CustomerEntities.FromEntity(e) : null;
    }

    /// <summary>The customer an order row was written for (before following merges), or null when the order is unknown.</summary>
    public async Task<string?> GetOrderRowCustomerAsync(OrderKey key, CancellationToken cancellationToken)
    {
        var row = await _orders.GetEntityIfExistsAsync<TableEntity>(CustomerEntities.OrderPartition(key), CustomerEntities.OrderRow(key), ["CustomerId"], cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? e.GetString("CustomerId") : null;
    }

    public async Task<Order?> GetOrderAsync(OrderKey key, CancellationToken cancellationToken)
    {
        var row = await _orders.GetEntityIfExistsAsync<TableEntity>(CustomerEntities.OrderPartition(key), CustomerEntities.OrderRow(key), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? CustomerEntities.OrderFromEntity(e) : null;
    }

    /// <summary>
    /// Writes what the ledger changed. The rows of orders that create a customer go first (a customer never exists
    /// without its creating order's row, which is how a later delivery finds it), then customers: their order
    /// summaries are what makes a re-run idempotent, and an order row found without its customer is simply re-applied.
    /// </summary>
    public async Task SaveAsync(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest, CancellationToken cancellationToken)
    {
        await SaveNewOrdersAsync(session, latest, cancellationToken).ConfigureAwait(false);
        await SaveCustomersAsync(session, cancellationToken).ConfigureAwait(false);
        await WriteRestAsync(session, TakeRest(session, latest), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first phase of <see cref="SaveAsync"/>: the dirty customers, those that stay active first and the ones merged
    /// into them after. A merged customer's row gives its orders to its survivor, so it is written only once the
    /// survivor's row (which holds them now) is: a conflict on the survivor leaves the merged customer as it was.
    /// </summary>
    public async Task SaveCustomersAsync(Session session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var set = session.Set;
        var (surviving, merged) = CustomerRows(set, set.DirtyCustomers);
        set.DirtyCustomers.Clear();
        await WriteAsync(session, _customers, surviving, cancellationToken).ConfigureAwait(false);
        await WriteAsync(session, _customers, merged, cancellationToken).ConfigureAwait(false);
    }

    private static (List<(TableEntity Entity, bool Merge)> Surviving, List<(TableEntity Entity, bool Merge)> Merged) CustomerRows(IngestWorkingSet set, IEnumerable<string> ids)
    {
        var rows = ids.Select(id => set.Customers[id]).ToLookup(c => c.State == CustomerState.Merged);
        return ([.. rows[false].Select(c => (CustomerEntities.ToEntity(c), false))], [.. rows[true].Select(c => (CustomerEntities.ToEntity(c), false))]);
    }

    /// <summary>The rows one order's decision changed: its customers, identity rows and order rows (a merge moves others').</summary>
    public sealed record OrderEffects(OrderKey Order, IReadOnlySet<string> Customers, IReadOnlySet<IdentityKey> Identities, IReadOnlySet<OrderKey> Orders);

    /// <summary>
    /// Writes what the ledger changed for a batch of orders decided on a point-read (or cached) session, and tells which
    /// orders must be decided again: a lost ETag race fails one partition's transaction, not the batch. First the rows
    /// of orders taken as new are inserted: an insert refused means the order exists (a redelivery, a later version,
    /// or a concurrent writer), so it goes round again with its row read, together with every order whose customers it
    /// changed (their rows hold its effect). Then customers (those staying active, then the ones merged into them, each
    /// only once its survivor is written); an order whose customers were not all written is blocked, and the identity
    /// and order rows it changed are left for its retry, as are those of an order whose identity or order rows then
    /// fail. Everything else is written, so a retry reads and decides again only what another writer touched — exactly
    /// what a re-run after a crash between any two writes would find (an order row written before its customer is an
    /// order the customer does not hold yet: re-applied). Returns the blocked orders; the order rows the retry must read
    /// are in <see cref="Session.ExistingOrders"/>.
    /// </summary>
    public async Task<IReadOnlySet<OrderKey>> SavePartialAsync(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest, IReadOnlyList<OrderEffects> effects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(effects);
        var set = session.Set;

        var inserts = NewOrderRows(session, latest);
        var refused = (await TryWriteAsync(session, _orders, inserts, cancellationToken).ConfigureAwait(false)).Select(r => CustomerEntities.OrderKeyFromRow(r.Rk)).ToHashSet();
        var blocked = effects.Where(e => e.Orders.Overlaps(refused)).Select(e => e.Order).ToHashSet();
        BlockSharers(blocked, effects);
        var excluded = effects.Where(e => blocked.Contains(e.Order)).SelectMany(e => e.Customers).ToHashSet(StringComparer.Ordinal);

        var (surviving, merged) = CustomerRows(set, set.DirtyCustomers.Where(id => !excluded.Contains(id)));
        var failed = (await TryWriteAsync(session, _customers, surviving, cancellationToken).ConfigureAwait(false)).Select(r => r.Rk).ToHashSet(StringComparer.Ordinal);
        var blockedLosers = merged.Where(m => failed.Contains(set.Customers[m.Entity.RowKey].MergedInto ?? string.Empty)).Select(m => m.Entity.RowKey).ToList();
        failed.UnionWith(blockedLosers);
        failed.UnionWith((await TryWriteAsync(session, _customers, [.. merged.Where(m => !failed.Contains(m.Entity.RowKey))], cancellationToken).ConfigureAwait(false)).Select(r => r.Rk));
        blocked.UnionWith(effects.Where(e => e.Customers.Overlaps(failed)).Select(e => e.Order));
        VouchIdentities(session, failed, excluded);

        // Identity and order rows an order that goes round again changed are its to write on the retry.
        var heldIdentities = effects.Where(e => blocked.Contains(e.Order)).SelectMany(e => e.Identities).ToHashSet();
        var heldOrders = effects.Where(e => blocked.Contains(e.Order)).SelectMany(e => e.Orders).ToHashSet();
        set.DirtyIdentities.ExceptWith(heldIdentities);
        set.DirtyOrders.ExceptWith(heldOrders);
        var rest = TakeRest(session, latest);
        var failures = await Task.WhenAll(
            TryWriteAsync(session, _identities, rest.Identities, cancellationToken),
            TryWriteAsync(session, _orders, rest.Orders, cancellationToken)).ConfigureAwait(false);
        var failedIdentities = failures[0].Select(r => IdentityKey.Parse(TableKeys.Unescape(r.Rk))).ToHashSet();
        var failedOrders = failures[1].Select(r => CustomerEntities.OrderKeyFromRow(r.Rk)).ToHashSet();
        blocked.UnionWith(effects.Where(e => e.Identities.Overlaps(failedIdentities) || e.Orders.Overlaps(failedOrders)).Select(e => e.Order));

        // Inserted rows of orders going round again exist now, as do the ones whose insert was refused for them.
        var culprits = session.Culprits.Where(c => c.Table == _orders.Name).Select(c => CustomerEntities.OrderKeyFromRow(c.Rk));
        session.ExistingOrders.UnionWith(inserts.Select(r => CustomerEntities.OrderKeyFromRow(r.Entity.RowKey)).Where(k => !refused.Contains(k) && heldOrders.Contains(k)));
        session.ExistingOrders.UnionWith(culprits);

        // What a refusal proved stale is in the effects of the orders whose decision wrote it; the others blocked
        // (sharing a customer with them, or merged into a survivor that lost) rested on nothing proved stale.
        var culpritCustomers = session.Culprits.Where(c => c.Table == _customers.Name).Select(c => c.Rk).ToHashSet(StringComparer.Ordinal);
        var culpritIdentities = session.Culprits.Where(c => c.Table == _identities.Name).Select(c => IdentityKey.Parse(TableKeys.Unescape(c.Rk))).ToHashSet();
        var culpritOrders = session.Culprits.Where(c => c.Table == _orders.Name).Select(c => CustomerEntities.OrderKeyFromRow(c.Rk)).ToHashSet();
        session.Implicated.UnionWith(effects
            .Where(e => blocked.Contains(e.Order) && (e.Customers.Overlaps(culpritCustomers) || e.Identities.Overlaps(culpritIdentities) || e.Orders.Overlaps(culpritOrders)))
            .Select(e => e.Order));
        return blocked;
    }

    /// <summary>
    /// The identifiers pointing at a customer a cached session just wrote on If-Match are as new as its written row
    /// (<see cref="IngestCache.Vouch"/>), as long as they were no older than the version it wrote over: without this, the
    /// customer's next order would read them again.
    /// </summary>
    private void VouchIdentities(Session session, HashSet<string> failed, HashSet<string> excluded)
    {
        if (!session.Cached)
        {
            return;
        }

        var set = session.Set;
        var fromSession = set.Identities.Where(i => !set.DirtyIdentities.Contains(i.Key)).ToLookup(i => CustomerLedger.Resolve(set, i.Value), i => i.Key, StringComparer.Ordinal);
        foreach (var id in set.DirtyCustomers)
        {
            if (!failed.Contains(id) && !excluded.Contains(id) && session.CustomerStamps.TryGetValue(id, out var previous) && set.Customers.TryGetValue(id, out var record)
                && session.ETags.TryGet(_customers.Name, CustomerEntities.CustomerPartition(id), id, out var written))
            {
                Cache.Vouch(id, previous, written, record.Identities.Concat(fromSession[id]));
            }
        }
    }

    /// <summary>
    /// After a refused write: every cached row the implicated orders' decisions rested on (their identifiers, the
    /// customers those and their rows lead to, the customer each would create) is forgotten, so their next attempt reads
    /// them all. The refused row alone is not enough: the change that made it stale may have moved rows it guards too.
    /// Orders blocked only for sharing a customer with them keep their cached rows (the shared customer is forgotten
    /// with the implicated order): nothing they rested on was proved stale, and if it were, their writes are refused.
    /// </summary>
    public void Forget(Session session, IEnumerable<Order> blocked)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(blocked);
        var set = session.Set;
        foreach (var order in blocked)
        {
            var owners = new List<string> { CustomerLedger.NewCustomerId(order.Key) };
            foreach (var key in IdentityKey.From(order))
            {
                Cache.EvictIdentity(key);
                if (set.Identities.TryGetValue(key, out var owner))
                {
                    owners.Add(owner);
                }
            }

            if (set.OrdersByKey.TryGetValue(order.Key, out var row))
            {
                owners.Add(row.CustomerId);
            }

            foreach (var id in owners.SelectMany(o => Chain(set, o)).ToList())
            {
                Cache.EvictCustomer(id);
            }
        }
    }

    /// <summary>Orders that share a customer with a blocked order are blocked too: the customer's row holds both decisions.</summary>
    private static void BlockSharers(HashSet<OrderKey> blocked, IReadOnlyList<OrderEffects> effects)
    {
        while (blocked.Count > 0)
        {
            var customers = effects.Where(e => blocked.Contains(e.Order)).SelectMany(e => e.Customers).ToHashSet(StringComparer.Ordinal);
            var more = effects.Where(e => !blocked.Contains(e.Order) && e.Customers.Overlaps(customers)).Select(e => e.Order).ToList();
            if (more.Count == 0)
            {
                return;
            }

            blocked.UnionWith(more);
        }
    }

    /// <summary>
    /// The dirty order rows no row was read for (orders taken as new), taken out of the session: written by insert
    /// before the customers that hold them, so that a customer an order created never exists without that order's row
    /// (what lets a later delivery find it without reading the customer it would create).
    /// </summary>
    private List<(TableEntity Entity, bool Merge)> NewOrderRows(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest)
    {
        var set = session.Set;
        var keys = set.DirtyOrders.Where(k => !session.ETags.TryGet(_orders.Name, CustomerEntities.OrderPartition(k), CustomerEntities.OrderRow(k), out _)).ToList();
        set.DirtyOrders.ExceptWith(keys);
        return [.. keys.Select(k => (OrderEntity(set, latest, k).Entity, false))];
    }

    /// <summary>
    /// The bulk paths' first phase: the rows of orders that create a customer, inserted before the customers (see
    /// <see cref="NewOrderRows"/>); a refusal (someone else wrote meanwhile) is a <see cref="WriteConflictException"/>.
    /// </summary>
    public async Task SaveNewOrdersAsync(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var set = session.Set;
        var creating = set.DirtyOrders.Where(k => set.OrdersByKey[k].CustomerId is var id && set.DirtyCustomers.Contains(id) && !session.ETags.TryGet(_customers.Name, CustomerEntities.CustomerPartition(id), id, out _)).ToHashSet();
        var rows = NewOrderRows(session, latest);
        var later = rows.Where(r => !creating.Contains(CustomerEntities.OrderKeyFromRow(r.Entity.RowKey))).Select(r => CustomerEntities.OrderKeyFromRow(r.Entity.RowKey));
        set.DirtyOrders.UnionWith(later);
        await WriteAsync(session, _orders, [.. rows.Where(r => creating.Contains(CustomerEntities.OrderKeyFromRow(r.Entity.RowKey)))], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The identity and order rows of the second phase, taken out of the session so it can go on deciding.</summary>
    public sealed record PendingRows(IReadOnlyList<(TableEntity Entity, bool Merge)> Identities, IReadOnlyList<(TableEntity Entity, bool Merge)> Orders);

    public static PendingRows TakeRest(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(latest);
        var set = session.Set;
        var identities = set.DirtyIdentities.Select(k => (CustomerEntities.ToEntity(k, set.Identities[k]), false)).ToList();
        var orders = set.DirtyOrders.Select(key => OrderEntity(set, latest, key)).ToList();
        set.ClearDirty();
        return new PendingRows(identities, orders);
    }

    /// <summary>An order's row in full when the applied version is the one its customer holds, else only its new owner.</summary>
    private static (TableEntity Entity, bool PointerOnly) OrderEntity(IngestWorkingSet set, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest, OrderKey key)
    {
        var customerId = set.OrdersByKey[key].CustomerId;
        return latest.TryGetValue(key, out var o) && set.Accepted.Contains(key)
            ? (CustomerEntities.ToEntity(o.Order, customerId, o.RawRef), false)
            : (new TableEntity(CustomerEntities.OrderPartition(key), CustomerEntities.OrderRow(key)) { ["CustomerId"] = customerId }, true);
    }

    /// <summary>The second phase: identities and orders, in parallel.</summary>
    public async Task WriteRestAsync(Session session, PendingRows rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await Task.WhenAll(
            WriteAsync(session, _identities, rows.Identities, cancellationToken),
            WriteAsync(session, _orders, rows.Orders, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>As <see cref="TryWriteAsync"/>, but a row another writer changed meanwhile is a <see cref="WriteConflictException"/>.</summary>
    private async Task WriteAsync(Session session, TableClient table, IReadOnlyList<(TableEntity Entity, bool Merge)> rows, CancellationToken cancellationToken)
    {
        if ((await TryWriteAsync(session, table, rows, cancellationToken).ConfigureAwait(false)) is { Count: > 0 } failed)
        {
            throw new WriteConflictException($"Another writer changed {table.Name}/{failed[0].Pk} meanwhile.");
        }
    }

    /// <summary>
    /// Writes rows in entity group transactions of up to 100 per partition, each If-Match on the ETag the session read
    /// (insert-if-absent for a row it did not find). Returns the rows another writer changed (or created) meanwhile:
    /// the service names the action that failed a transaction, and the transaction goes again without it, so one stale
    /// row costs one request more and every refused row is known after one attempt (a batch of orders an earlier,
    /// interrupted write left behind learns all of them at once, not one per transaction and attempt). The session
    /// keeps the new ETag of every row written.
    /// </summary>
    private async Task<IReadOnlyList<(string Pk, string Rk)>> TryWriteAsync(Session session, TableClient table, IReadOnlyList<(TableEntity Entity, bool Merge)> rows, CancellationToken cancellationToken)
    {
        var failed = new List<(string, string)>();
        var batches = rows.GroupBy(r => r.Entity.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            var pending = batch.ToList();
            while (pending.Count > 0)
            {
                var refused = await TrySubmitAsync(session, table, pending, ct).ConfigureAwait(false);
                if (refused.Count == 0)
                {
                    return;
                }

                lock (failed)
                {
                    foreach (var r in refused)
                    {
                        failed.Add((r.Entity.PartitionKey, r.Entity.RowKey));
                        session.Culprits.Add((table.Name, r.Entity.PartitionKey, r.Entity.RowKey));
                    }
                }

                // The refused row is stale in the cache (or exists, for an insert); the others were not written, but
                // what the cache holds of them is still right.
                foreach (var r in refused)
                {
                    Forget(table, r.Entity);
                    pending.Remove(r);
                }
            }
        }).ConfigureAwait(false);
        return failed;
    }

    /// <summary>One entity group transaction: the rows it refused (the one the service names, or all when it names none).</summary>
    private async Task<IReadOnlyList<(TableEntity Entity, bool Merge)>> TrySubmitAsync(Session session, TableClient table, List<(TableEntity Entity, bool Merge)> batch, CancellationToken cancellationToken)
    {
        var seenFrom = Cache.Tick();
        var actions = batch.Select(r =>
        {
            var hasETag = session.ETags.TryGet(table.Name, r.Entity.PartitionKey, r.Entity.RowKey, out var etag);
            return (hasETag, r.Merge) switch
            {
                (true, true) => new TableTransactionAction(TableTransactionActionType.UpdateMerge, r.Entity, etag),
                (true, false) => new TableTransactionAction(TableTransactionActionType.UpdateReplace, r.Entity, etag),
                (false, true) => new TableTransactionAction(TableTransactionActionType.UpsertMerge, r.Entity),
                (false, false) => new TableTransactionAction(TableTransactionActionType.Add, r.Entity),
            };
        }).ToList();
        _transactions.AddOrUpdate(table.Name, 1, (_, n) => n + 1);
        try
        {
            var response = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (response.Value[i].Headers.ETag is { } newTag)
                {
                    session.ETags.Set(table.Name, batch[i].Entity.PartitionKey, batch[i].Entity.RowKey, newTag);
                    if (session.Preloaded)
                    {
                        // A bulk write does not tell the cache what it wrote: the cache forgets the row instead, so that
                        // a cached batch in this process (a webhook during an import, the import's own fallback) reads
                        // it rather than learning it from a refused write.
                        Forget(table, batch[i].Entity);
                    }
                    else
                    {
                        Remember(table, batch[i].Entity, newTag, seenFrom);
                    }
                }
            }

            var added = actions.Count(a => a.ActionType == TableTransactionActionType.Add);
            _written.AddOrUpdate(table.Name, batch.Count, (_, n) => n + batch.Count);
            _added.AddOrUpdate(table.Name, added, (_, n) => n + added);
            return [];
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            return ex is TableTransactionFailedException { FailedTransactionActionIndex: { } i } && i >= 0 && i < batch.Count ? [batch[i]] : batch;
        }
    }

    /// <summary>A row ingest wrote is what the cache knows of it now.</summary>
    /// <param name="seenFrom">A tick before the write (an identity row is as new as that; a customer row is stamped after).</param>
    private void Remember(TableClient table, TableEntity entity, ETag etag, long seenFrom)
    {
        if (table == _customers)
        {
            Cache.PutCustomer(entity.RowKey, Encoding.UTF8.GetBytes(CustomerEntities.JsonOf(entity)), etag);
        }
        else if (table == _identities)
        {
            Cache.PutIdentity(IdentityKey.Parse(TableKeys.Unescape(entity.RowKey)), entity.GetString("CustomerId"), etag, seenFrom);
        }
    }

    private void Forget(TableClient table, TableEntity entity)
    {
        if (table == _customers)
        {
            Cache.EvictCustomer(entity.RowKey);
        }
        else if (table == _identities)
        {
            Cache.EvictIdentity(IdentityKey.Parse(TableKeys.Unescape(entity.RowKey)));
        }
    }

    private static Task ForEachAsync<T>(IReadOnlyList<T> items, Func<T, CancellationToken, ValueTask> body, CancellationToken cancellationToken) =>
        items.Count == 0 ? Task.CompletedTask : Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, body);
}

/// <summary>Optimistic concurrency lost: reload and decide again.</summary>
public sealed class WriteConflictException : Exception
{
    public WriteConflictException()
    {
    }

    public WriteConflictException(string message)
        : base(message)
    {
    }

    public WriteConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
