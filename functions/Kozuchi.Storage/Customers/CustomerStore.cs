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

    public CustomerStore(StorageClients clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _orders = clients.Table(StorageCatalog.Tables.Orders);
        _identities = clients.Table(StorageCatalog.Tables.Identities);
        _customers = clients.Table(StorageCatalog.Tables.Customers);
    }

    public TableClient OrdersTable => _orders;
    public TableClient CustomersTable => _customers;
    public TableClient IdentitiesTable => _identities;

    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _added = new(StringComparer.Ordinal);

    /// <summary>Rows ingest wrote to a table since start, rewrites included (what a benchmark divides by orders).</summary>
    public long RowsWritten(TableClient table) => _written.GetValueOrDefault(table?.Name ?? string.Empty);

    /// <summary>Rows ingest inserted into a table since start (written without an ETag as new rows).</summary>
    public long RowsAdded(TableClient table) => _added.GetValueOrDefault(table?.Name ?? string.Empty);

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

        /// <summary>
        /// The customers of a preloaded session that no batch is working on, as compressed UTF-8 JSON
        /// (<see cref="ColdCustomer"/>). A batch thaws the ones it needs (those a point-read session would read) into
        /// <see cref="IngestWorkingSet.Customers"/>, and they are frozen again once saved. The key and
        /// <see cref="ColdCustomer.Id"/> are the one instance of the id that order and identity refs share.
        /// </summary>
        internal Dictionary<string, ColdCustomer> Cold { get; } = new(StringComparer.Ordinal);
    }


    public static Session NewSession() => new(new IngestWorkingSet());

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
    public async Task LoadAsync(Session session, IReadOnlyCollection<Order> orders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Preloaded)
        {
            Thaw(session, orders);
            return;
        }

        var (orderKeys, identityKeys) = CustomerLedger.Needs(orders);
        var set = session.Set;

        // Orders, identifiers and the customers the orders would create are independent: read together, so a batch
        // holds its rows for as short a time as the reads allow (a shorter window, fewer races with other writers).
        var creators = orderKeys.Select(CustomerLedger.NewCustomerId).Where(session.LoadedCustomers.Add).ToList();
        var readOrders = ForEachAsync(orderKeys.Where(session.LoadedOrders.Add).ToList(), async (key, ct) =>
        {
            var pk = CustomerEntities.OrderPartition(key);
            var rk = CustomerEntities.OrderRow(key);
            var row = await _orders.GetEntityIfExistsAsync<TableEntity>(pk, rk, ["CustomerId", "UpdatedAt"], ct).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e)
            {
                lock (session)
                {
                    set.OrdersByKey[key] = new StoredOrderRef(key, e.GetString("CustomerId"), e.GetDateTimeOffset("UpdatedAt") ?? default);
                    session.ETags.Set(_orders.Name, pk, rk, e.ETag);
                }
            }
        }, cancellationToken);
        var readIdentities = ForEachAsync(identityKeys.Where(session.LoadedIdentities.Add).ToList(), async (key, ct) =>
        {
            var pk = CustomerEntities.IdentityPartition(key);
            var rk = CustomerEntities.IdentityRow(key);
            var row = await _identities.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e)
            {
                lock (session)
                {
                    set.Identities[key] = e.GetString("CustomerId");
                    session.ETags.Set(_identities.Name, pk, rk, e.ETag);
                }
            }
        }, cancellationToken);
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
                await _customers.UpdateEntityAsync(CustomerEntities.ToEntity(changed), row.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
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
                var record = CustomerEntities.FromEntity(e);
                lock (session)
                {
                    session.Set.Customers[id] = record;
                    session.ETags.Set(_customers.Name, pk, id, e.ETag);
                }
            }
        }, cancellationToken).ConfigureAwait(false);

    private static readonly string[] ProfileColumns =
        ["PartitionKey", "RowKey", "State", "MergedInto", "Frequency", "Monetary", "Currency", "OtherMonetary", "FirstOrderAt", "LastOrderAt", "EntryProducts", "IsSubscriber", "AcquisitionMedium", "Prefecture", "CanEmail", "CanLine", "CanPost", "CanCall"];

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
        await ScanAsync(_customers, ProfileColumns, e =>
        {
            if (CountsInAnalytics(e))
            {
                profiles.Add(ProfileFrom(e));
            }
        }, cancellationToken).ConfigureAwait(false);
        return [.. profiles.OrderBy(p => p.CustomerId, StringComparer.Ordinal)];
    }

    private static bool CountsInAnalytics(TableEntity e) => Enum.TryParse<CustomerState>(e.GetString("State"), out var state) && state.CountsInAnalytics();

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
                onCustomer(CustomerEntities.FromEntity(e), ProfileFrom(e));
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
    /// Writes what the ledger changed. Customers go first: their order summaries are what makes a re-run idempotent,
    /// and an order row found without its customer is simply re-applied.
    /// </summary>
    public async Task SaveAsync(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest, CancellationToken cancellationToken)
    {
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
    /// Writes what the ledger changed for a batch of orders decided on a point-read session, and tells which orders
    /// must be decided again: a lost ETag race fails one partition's transaction, not the batch. Customers go first
    /// (those staying active, then the ones merged into them, each only once its survivor is written); an order whose
    /// customers were not all written is blocked, and the identity and order rows it changed are left for its retry,
    /// as are those of an order whose identity or order rows then fail. Everything else is written, so a retry reads
    /// and decides again only what another writer touched — exactly what a re-run after a crash between any two writes
    /// would find. Returns the blocked orders.
    /// </summary>
    public async Task<IReadOnlySet<OrderKey>> SavePartialAsync(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest, IReadOnlyList<OrderEffects> effects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(effects);
        var set = session.Set;
        var (surviving, merged) = CustomerRows(set, set.DirtyCustomers);
        var failed = (await TryWriteAsync(session, _customers, surviving, cancellationToken).ConfigureAwait(false)).Select(r => r.Rk).ToHashSet(StringComparer.Ordinal);
        var blockedLosers = merged.Where(m => failed.Contains(set.Customers[m.Entity.RowKey].MergedInto ?? string.Empty)).Select(m => m.Entity.RowKey).ToList();
        failed.UnionWith(blockedLosers);
        failed.UnionWith((await TryWriteAsync(session, _customers, [.. merged.Where(m => !failed.Contains(m.Entity.RowKey))], cancellationToken).ConfigureAwait(false)).Select(r => r.Rk));
        var blocked = effects.Where(e => e.Customers.Overlaps(failed)).Select(e => e.Order).ToHashSet();

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
        return blocked;
    }

    /// <summary>The identity and order rows of the second phase, taken out of the session so it can go on deciding.</summary>
    public sealed record PendingRows(IReadOnlyList<(TableEntity Entity, bool Merge)> Identities, IReadOnlyList<(TableEntity Entity, bool Merge)> Orders);

    public static PendingRows TakeRest(Session session, IReadOnlyDictionary<OrderKey, (Order Order, string? RawRef)> latest)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(latest);
        var set = session.Set;
        var identities = set.DirtyIdentities.Select(k => (CustomerEntities.ToEntity(k, set.Identities[k]), false)).ToList();
        var orders = new List<(TableEntity Entity, bool PointerOnly)>();
        foreach (var key in set.DirtyOrders)
        {
            var customerId = set.OrdersByKey[key].CustomerId;
            orders.Add(latest.TryGetValue(key, out var o) && set.Accepted.Contains(key)
                ? (CustomerEntities.ToEntity(o.Order, customerId, o.RawRef), false)
                : (new TableEntity(CustomerEntities.OrderPartition(key), CustomerEntities.OrderRow(key)) { ["CustomerId"] = customerId }, true));
        }

        set.ClearDirty();
        return new PendingRows(identities, orders);
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
    /// (insert-if-absent for a row it did not find). Returns the rows of the transactions that failed because another
    /// writer changed (or created) one of their rows meanwhile; the session keeps the new ETag of every row written.
    /// </summary>
    private async Task<IReadOnlyList<(string Pk, string Rk)>> TryWriteAsync(Session session, TableClient table, IReadOnlyList<(TableEntity Entity, bool Merge)> rows, CancellationToken cancellationToken)
    {
        var failed = new List<(string, string)>();
        var batches = rows.GroupBy(r => r.Entity.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
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
            try
            {
                var response = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
                for (var i = 0; i < batch.Length; i++)
                {
                    if (response.Value[i].Headers.ETag is { } newTag)
                    {
                        session.ETags.Set(table.Name, batch[i].Entity.PartitionKey, batch[i].Entity.RowKey, newTag);
                    }
                }

                var added = actions.Count(a => a.ActionType == TableTransactionActionType.Add);
                _written.AddOrUpdate(table.Name, batch.Length, (_, n) => n + batch.Length);
                _added.AddOrUpdate(table.Name, added, (_, n) => n + added);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                lock (failed)
                {
                    failed.AddRange(batch.Select(r => (r.Entity.PartitionKey, r.Entity.RowKey)));
                }
            }
        }).ConfigureAwait(false);
        return failed;
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
