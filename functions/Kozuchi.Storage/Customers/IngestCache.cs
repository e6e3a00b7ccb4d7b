using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// What ingest knows of the identity and customer tables without asking them: identifier → (owner, ETag of the
/// identity row) and customer id → (record as last read or written, ETag), one per process (the
/// <see cref="CustomerStore"/> singleton). It is filled by every ingest read and successful write, and a bucket of a
/// table is made <em>complete</em> — authoritative about absence — by one paged scan of that partition the first time
/// a batch needs it. It is only ever a guess: every decision made on cached rows writes them with If-Match on the cached
/// ETag (customers, changed identity rows) or inserts (new identifiers and customers), so a stale entry costs a 412 or
/// 409, after which the row is evicted, read again and its orders decided again — never a wrong write. Why that holds
/// for every other writer is in docs/INGEST.md, "The ingest cache".
/// <para>
/// Bounded: at most <see cref="MaxRows"/> rows of both tables together. A bucket whose scan would pass it is left
/// incomplete (its rows are point-read as before) and no further bucket is completed; a complete bucket keeps taking
/// the rows ingest writes into it, and past 1.25 × the bound it is dropped whole (entries and completeness). Customers
/// are kept as Brotli-compressed JSON (<see cref="ColdCustomer"/>, a few hundred bytes), identifiers as their owner
/// id: at the default of 1,000,000 rows a few hundred MB at most.
/// </para>
/// </summary>
public sealed class IngestCache(int maxRows = IngestCache.DefaultMaxRows)
{
    public const int DefaultMaxRows = 1_000_000;

    /// <summary>What the cache says about a row.</summary>
    public enum Knowledge
    {
        /// <summary>Not known: read it.</summary>
        Unknown,

        /// <summary>Known absent (its bucket is complete and nothing evicted it).</summary>
        Absent,

        /// <summary>Known, with its ETag.</summary>
        Present,
    }

    private sealed class Bucket<TKey, TValue>
        where TKey : notnull
    {
        public Dictionary<TKey, (TValue Value, ETag ETag, long Stamp)> Rows { get; } = [];

        /// <summary>Keys of a complete bucket whose row a failed write proved stale: neither present nor absent.</summary>
        public HashSet<TKey> Doubt { get; } = [];

        public bool Complete { get; set; }

        public Task? Completing { get; set; }
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Bucket<IdentityKey, string>> _identities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bucket<string, ColdCustomer>> _customers = new(StringComparer.Ordinal);
    private int _rows;
    private bool _saturated;
    private long _clock;

    public int MaxRows { get; } = maxRows;

    /// <summary>Rows held now (both tables).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _rows;
            }
        }
    }

    private int _scanPages;

    /// <summary>Requests the completing scans made (pages), for the benchmarks.</summary>
    public int ScanPages => Volatile.Read(ref _scanPages);

    /// <summary>
    /// The cache's logical clock. Every entry carries a stamp: a customer the time it was seen <em>at the latest</em>,
    /// an identifier the time it was seen <em>at the earliest</em>. An identifier is trusted only while no customer its
    /// owner chain leads to is stamped later than it: every change to what an identifier means writes the customer it
    /// pointed at, so a customer seen no later than the identifier carries any such change after it in its ETag (the
    /// write is refused), while a customer seen later might have absorbed it silently.
    /// </summary>
    public long Tick()
    {
        lock (_lock)
        {
            return ++_clock;
        }
    }

    public Knowledge TryGetIdentity(IdentityKey key, out string? owner, out ETag etag) => TryGetIdentity(key, out owner, out etag, out _);

    public Knowledge TryGetIdentity(IdentityKey key, out string? owner, out ETag etag, out long stamp)
    {
        lock (_lock)
        {
            return Find(_identities, CustomerEntities.IdentityPartition(key), key, out owner, out etag, out stamp);
        }
    }

    public Knowledge TryGetCustomer(string customerId, out CustomerRecord? record, out ETag etag) => TryGetCustomer(customerId, out record, out etag, out _);

    public Knowledge TryGetCustomer(string customerId, out CustomerRecord? record, out ETag etag, out long stamp)
    {
        ColdCustomer cold;
        Knowledge knowledge;
        lock (_lock)
        {
            knowledge = Find(_customers, CustomerEntities.CustomerPartition(customerId), customerId, out cold, out etag, out stamp);
        }

        record = knowledge == Knowledge.Present
            ? (JsonSerializer.Deserialize<CustomerRecord>(cold.Json(), CustomerEntities.Json) ?? throw new InvalidDataException($"Customer row {customerId} has no data.")) with { CustomerId = customerId }
            : null;
        return knowledge;
    }

    /// <param name="seenFrom">A <see cref="Tick"/> taken before the request that read or wrote the row.</param>
    public void PutIdentity(IdentityKey key, string owner, ETag etag, long seenFrom) => Put(_identities, CustomerEntities.IdentityPartition(key), key, owner, etag, seenFrom);

    /// <summary>Keeps a customer row read or written; returns its stamp (taken now, after the response).</summary>
    public long PutCustomer(string customerId, ReadOnlySpan<byte> json, ETag etag)
    {
        var cold = ColdCustomer.Pack(customerId, json);
        return Put(_customers, CustomerEntities.CustomerPartition(customerId), customerId, cold, etag, null);
    }

    /// <summary>
    /// Ingest wrote <paramref name="customerId"/> on If-Match over the version stamped <paramref name="previous"/>. An
    /// identifier pointing at it (directly or through a customer merged into it) and seen no earlier than that version
    /// was still current when the write was accepted — any change to it would have changed the customer — so it is as
    /// new as the customer now.
    /// </summary>
    /// <param name="written">The ETag of the row written: if the cache holds another version of it by now, nothing is vouched.</param>
    public void Vouch(string customerId, long previous, ETag written, IEnumerable<IdentityKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        lock (_lock)
        {
            if (!_customers.TryGetValue(CustomerEntities.CustomerPartition(customerId), out var customers) || !customers.Rows.TryGetValue(customerId, out var customer) || customer.ETag != written)
            {
                return;
            }

            foreach (var key in keys)
            {
                if (_identities.TryGetValue(CustomerEntities.IdentityPartition(key), out var bucket) && bucket.Rows.TryGetValue(key, out var row)
                    && row.Stamp >= previous && row.Stamp < customer.Stamp && Leads(row.Value, customerId))
                {
                    bucket.Rows[key] = row with { Stamp = customer.Stamp };
                }
            }
        }
    }

    /// <summary>Whether the cache's chain of merges from <paramref name="owner"/> reaches <paramref name="customerId"/>.</summary>
    private bool Leads(string owner, string customerId)
    {
        var id = owner;
        for (var hops = 0; hops < 32; hops++)
        {
            if (id == customerId)
            {
                return true;
            }

            if (!_customers.TryGetValue(CustomerEntities.CustomerPartition(id), out var bucket) || !bucket.Rows.TryGetValue(id, out var row)
                || JsonSerializer.Deserialize<CustomerRecord>(row.Value.Json(), CustomerEntities.Json)?.MergedInto is not { } next)
            {
                return false;
            }

            id = next;
        }

        return false;
    }

    /// <summary>A point read found no row: in a complete bucket that confirms absence.</summary>
    public void ConfirmAbsentIdentity(IdentityKey key) => ConfirmAbsent(_identities, CustomerEntities.IdentityPartition(key), key);

    public void ConfirmAbsentCustomer(string customerId) => ConfirmAbsent(_customers, CustomerEntities.CustomerPartition(customerId), customerId);

    /// <summary>A write on this row failed (412/409) or deleted it: forget it; in a complete bucket it is in doubt until read.</summary>
    public void EvictIdentity(IdentityKey key) => Evict(_identities, CustomerEntities.IdentityPartition(key), key);

    public void EvictCustomer(string customerId) => Evict(_customers, CustomerEntities.CustomerPartition(customerId), customerId);

    /// <summary>
    /// Makes the buckets of these identifiers and customers complete (a paged scan of each partition not complete
    /// yet, shared by concurrent batches). A failed scan leaves its bucket incomplete: the batch point-reads instead.
    /// </summary>
    public async Task CompleteAsync(TableClient identities, IEnumerable<string> identityBuckets, TableClient customers, IEnumerable<string> customerBuckets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(customers);
        // Customers before identifiers: a scanned customer is then seen no later than any scanned identifier.
        await ScanAllAsync(customerBuckets, _customers, pk => ScanCustomersAsync(customers, pk, cancellationToken)).ConfigureAwait(false);
        await ScanAllAsync(identityBuckets, _identities, pk => ScanIdentitiesAsync(identities, pk, cancellationToken)).ConfigureAwait(false);
    }

    private async Task ScanAllAsync<TKey, TValue>(IEnumerable<string> buckets, Dictionary<string, Bucket<TKey, TValue>> table, Func<string, Task> scan)
        where TKey : notnull
    {
        var scans = new List<Task>();
        lock (_lock)
        {
            foreach (var pk in buckets.Distinct(StringComparer.Ordinal))
            {
                scans.Add(Completing(table, pk, () => scan(pk)));
            }
        }

        try
        {
            await Task.WhenAll(scans).ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // The bucket stays incomplete and is point-read; the next batch tries its scan again.
        }
    }

    private Task Completing<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk, Func<Task> scan)
        where TKey : notnull
    {
        var bucket = BucketOf(table, pk);
        if (bucket.Complete || _saturated)
        {
            return Task.CompletedTask;
        }

        if (bucket.Completing is not { IsFaulted: false, IsCanceled: false } running)
        {
            running = scan();
            bucket.Completing = running;
        }

        return running;
    }

    private async Task ScanIdentitiesAsync(TableClient table, string pk, CancellationToken cancellationToken)
    {
        var rows = new List<(IdentityKey, string, ETag)>();
        var seenFrom = Tick();
        await foreach (var page in table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, select: ["RowKey", "CustomerId"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            Interlocked.Increment(ref _scanPages);
            rows.AddRange(page.Values.Select(e => (IdentityKey.Parse(TableKeys.Unescape(e.RowKey)), e.GetString("CustomerId"), e.ETag)));
        }

        Fill(_identities, pk, rows, seenFrom);
    }

    private async Task ScanCustomersAsync(TableClient table, string pk, CancellationToken cancellationToken)
    {
        var rows = new List<(string, ColdCustomer, ETag)>();
        await foreach (var page in table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            Interlocked.Increment(ref _scanPages);
            rows.AddRange(page.Values.Select(e => (e.RowKey, ColdCustomer.Pack(e.RowKey, Encoding.UTF8.GetBytes(CustomerEntities.JsonOf(e))), e.ETag)));
        }

        Fill(_customers, pk, rows, null);
    }

    /// <summary>
    /// A finished scan: its rows join the bucket where nothing newer is known (a read or write during the scan
    /// saw a later row), and the bucket becomes complete unless that would pass the bound.
    /// </summary>
    /// <param name="seenFrom">Identifiers: the tick before the scan; customers (null): stamped now, after it.</param>
    private void Fill<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk, List<(TKey Key, TValue Value, ETag ETag)> rows, long? seenFrom)
        where TKey : notnull
    {
        lock (_lock)
        {
            var stamp = seenFrom ?? ++_clock;
            var bucket = BucketOf(table, pk);
            if (_saturated || _rows + rows.Count - bucket.Rows.Count > MaxRows)
            {
                _saturated = true;
                return;
            }

            foreach (var (key, value, etag) in rows)
            {
                if (bucket.Doubt.Contains(key) || !bucket.Rows.TryAdd(key, (value, etag, stamp)))
                {
                    continue;
                }

                _rows++;
            }

            bucket.Complete = true;
        }
    }

    private static Bucket<TKey, TValue> BucketOf<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk)
        where TKey : notnull
    {
        if (!table.TryGetValue(pk, out var bucket))
        {
            bucket = new Bucket<TKey, TValue>();
            table[pk] = bucket;
        }

        return bucket;
    }

    private static Knowledge Find<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk, TKey key, out TValue? value, out ETag etag, out long stamp)
        where TKey : notnull
    {
        value = default;
        etag = default;
        stamp = 0;
        if (!table.TryGetValue(pk, out var bucket))
        {
            return Knowledge.Unknown;
        }

        if (bucket.Rows.TryGetValue(key, out var row))
        {
            (value, etag, stamp) = row;
            return Knowledge.Present;
        }

        return bucket.Complete && !bucket.Doubt.Contains(key) ? Knowledge.Absent : Knowledge.Unknown;
    }

    /// <param name="seenFrom">The row's stamp; null: now.</param>
    private long Put<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk, TKey key, TValue value, ETag etag, long? seenFrom)
        where TKey : notnull
    {
        lock (_lock)
        {
            var stamp = seenFrom ?? ++_clock;
            var bucket = BucketOf(table, pk);
            bucket.Doubt.Remove(key);
            if (bucket.Rows.ContainsKey(key))
            {
                bucket.Rows[key] = (value, etag, stamp);
                return stamp;
            }

            // An incomplete bucket only keeps rows while there is room; a complete one must keep every row it learns of.
            if (!bucket.Complete && _rows >= MaxRows)
            {
                return stamp;
            }

            bucket.Rows[key] = (value, etag, stamp);
            _rows++;
            if (_rows > MaxRows + (MaxRows / 4))
            {
                DropLargestBucket();
            }

            return stamp;
        }
    }

    private void ConfirmAbsent<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk, TKey key)
        where TKey : notnull
    {
        lock (_lock)
        {
            if (table.TryGetValue(pk, out var bucket))
            {
                bucket.Doubt.Remove(key);
                if (bucket.Rows.Remove(key))
                {
                    _rows--;
                }
            }
        }
    }

    private void Evict<TKey, TValue>(Dictionary<string, Bucket<TKey, TValue>> table, string pk, TKey key)
        where TKey : notnull
    {
        lock (_lock)
        {
            if (!table.TryGetValue(pk, out var bucket))
            {
                return;
            }

            if (bucket.Rows.Remove(key))
            {
                _rows--;
            }

            if (bucket.Complete)
            {
                bucket.Doubt.Add(key);
            }
        }
    }

    /// <summary>Past the bound: the largest bucket of either table goes, entries and completeness, and no bucket is completed again.</summary>
    private void DropLargestBucket()
    {
        _saturated = true;
        var identity = _identities.MaxBy(b => b.Value.Rows.Count);
        var customer = _customers.MaxBy(b => b.Value.Rows.Count);
        if (identity.Value is { } i && (customer.Value is null || i.Rows.Count >= customer.Value.Rows.Count))
        {
            _rows -= i.Rows.Count;
            _identities.Remove(identity.Key);
        }
        else if (customer.Value is { } c)
        {
            _rows -= c.Rows.Count;
            _customers.Remove(customer.Key);
        }
    }
}
