using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// What customer search needs besides the identity index and the orders table: a prefix index of normalised names and
/// kana readings, and the order sources seen (so an order id typed without its source is looked up in each, by point
/// reads). Written by ingest when a customer's name tokens change; a row that outlived a rename is harmless (search
/// checks each hit's current name); erasure removes the subject's rows.
/// <para>
/// Name rows lie in <see cref="Buckets"/> partitions, <c>t0</c> … <c>tf</c>, by a hash of the token's first character,
/// with the whole token then the customer id as row key: a prefix is still one range query in one partition however
/// many customers there are, and an ingest batch's new names, whatever their first characters, are written in at most
/// 16 entity-group transactions (a partition per first character made a batch of 100 new customers write in dozens).
/// The index of earlier versions (a partition <c>n</c> + first character) is moved by <c>kozuchi customer reindex</c>;
/// erasure looks in both.
/// </para>
/// </summary>
public sealed class CustomerSearchIndex(StorageClients clients)
{
    public const string SourcesPartition = "sources";

    /// <summary>How many partitions the name rows are spread over.</summary>
    public const int Buckets = 16;

    private const string TokenSeparator = "|";

    private const string LegacyPartitionPrefix = "n";

    private readonly TableClient _table = (clients ?? throw new ArgumentNullException(nameof(clients))).Table(StorageCatalog.Tables.CustomerSearch);
    private readonly ConcurrentDictionary<string, byte> _sourcesWritten = new(StringComparer.Ordinal);

    // The rows of ingest groups decided at the same time share their partitions' transactions.
    private readonly UpsertGroups _writes = new(clients.Table(StorageCatalog.Tables.CustomerSearch));

    /// <summary>The name tokens of the customers an ingest batch loaded, before it changes them.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyCollection<(SearchMatch Kind, string Token)>> Before(IngestWorkingSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Customers.ToDictionary(kv => kv.Key, kv => CustomerSearch.NameTokens(kv.Value.Contact), StringComparer.Ordinal);
    }

    /// <summary>
    /// Indexes what a batch changed: the new name tokens of its dirty customers (those they did not have before) and the
    /// order sources not written yet by this instance. Called before the batch's rows are saved, so a failed save that
    /// is retried indexes again (upserts: the same rows).
    /// </summary>
    public async Task IndexChangesAsync(IngestWorkingSet set, IReadOnlyDictionary<string, IReadOnlyCollection<(SearchMatch Kind, string Token)>> before, IEnumerable<Order> orders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(orders);
        var rows = new List<TableEntity>();
        foreach (var id in set.DirtyCustomers)
        {
            if (!set.Customers.TryGetValue(id, out var record) || record.State != CustomerState.Active)
            {
                continue;
            }

            var had = before.GetValueOrDefault(id) ?? [];
            rows.AddRange(CustomerSearch.NameTokens(record.Contact).Except(had).Select(t => Row(t.Kind, t.Token, id)));
        }

        rows.AddRange(orders.Select(o => o.Key.Source).Distinct(StringComparer.Ordinal).Where(s => !_sourcesWritten.ContainsKey(s))
            .Select(s => new TableEntity(SourcesPartition, TableKeys.Escape(s)) { ["Source"] = s }));
        await _writes.UpsertAsync(rows, cancellationToken).ConfigureAwait(false);
        foreach (var order in orders)
        {
            _sourcesWritten.TryAdd(order.Key.Source, 0);
        }
    }

    /// <summary>Indexes whole records (rebuilding the index over existing customers: <c>kozuchi customer reindex</c>).</summary>
    public Task IndexAsync(IEnumerable<CustomerRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.Where(r => r.State == CustomerState.Active).ToList();
        var rows = list.SelectMany(r => CustomerSearch.NameTokens(r.Contact).Select(t => Row(t.Kind, t.Token, r.CustomerId)))
            .Concat(list.SelectMany(r => r.Orders).Select(o => o.Key.Source).Distinct(StringComparer.Ordinal)
                .Select(s => new TableEntity(SourcesPartition, TableKeys.Escape(s)) { ["Source"] = s }))
            .ToList();
        return _writes.UpsertAsync(rows, cancellationToken);
    }

    /// <summary>
    /// Customer ids whose name or kana token starts with the normalised prefix, in token order (possibly stale, possibly
    /// repeated), read from storage a page of <paramref name="pageSize"/> rows at a time as the caller asks for more.
    /// </summary>
    public async IAsyncEnumerable<string> NamePrefixAsync(string normalisedPrefix, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(normalisedPrefix);
        var from = TableKeys.Escape(normalisedPrefix);
        var partition = Partition(normalisedPrefix);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {from + "\uffff"}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Clamp(pageSize, 1, 1000), select: ["CustomerId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return e.GetString("CustomerId");
        }
    }

    /// <summary>Every order source seen (shopify, base, csv, …).</summary>
    public async Task<IReadOnlyList<string>> SourcesAsync(CancellationToken cancellationToken)
    {
        var sources = new List<string>();
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == SourcesPartition, select: ["Source"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            sources.Add(e.GetString("Source"));
        }

        return sources;
    }

    /// <summary>
    /// The rows of these tokens that point at these customers: what erasure deletes and a data request lists. Point
    /// reads, in the bucket layout and in the earlier one (an index not yet moved by <c>kozuchi customer reindex</c>).
    /// </summary>
    public async Task<IReadOnlyList<(string Partition, string Row, string Token)>> RowsOfAsync(IEnumerable<(SearchMatch Kind, string Token)> tokens, IReadOnlySet<string> customerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(customerIds);
        var found = new List<(string, string, string)>();
        foreach (var token in tokens.Select(t => t.Token).Distinct(StringComparer.Ordinal))
        {
            foreach (var id in customerIds)
            {
                var rk = TableKeys.Escape(token) + TokenSeparator + id;
                foreach (var pk in new[] { Partition(token), LegacyPartition(token) })
                {
                    var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, ["CustomerId"], cancellationToken).ConfigureAwait(false);
                    if (row.HasValue)
                    {
                        found.Add((pk, rk, token));
                    }
                }
            }
        }

        return found;
    }

    public async Task DeleteAsync(string partition, string row, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(partition, row, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone: erasure is idempotent.
        }
    }

    private static TableEntity Row(SearchMatch kind, string token, string customerId) =>
        new(Partition(token), TableKeys.Escape(token) + TokenSeparator + customerId) { ["CustomerId"] = customerId, ["Kind"] = kind.ToString() };

    /// <summary>The name rows' partition for a token: "t" and a hex digit, a hash of its first character.</summary>
    public static string Partition(string token)
    {
        var bucket = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(FirstCharacter(token))) % Buckets;
        return "t" + bucket.ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Removes the rows of the earlier layout (a partition per first character), once <see cref="IndexAsync"/> has
    /// written every customer's rows in the bucket layout: <c>kozuchi customer reindex</c>'s last step. Returns how many.
    /// </summary>
    public async Task<int> DeleteLegacyRowsAsync(CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {LegacyPartitionPrefix} and PartitionKey lt {LegacyPartitionPrefix + "\uffff"}");
        var rows = await _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken)
            .Select(e => (e.PartitionKey, e.RowKey)).ToListAsync(cancellationToken).ConfigureAwait(false);
        var batches = rows.GroupBy(r => r.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (batch, ct) =>
            await _table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey), ETag.All)), ct).ConfigureAwait(false)).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>The token's first character (a whole surrogate pair for a rare kanji).</summary>
    private static string FirstCharacter(string token) => char.IsHighSurrogate(token[0]) && token.Length > 1 ? token[..2] : token[..1];

    /// <summary>The earlier layout's partition: "n" and the token's first character.</summary>
    private static string LegacyPartition(string token) => LegacyPartitionPrefix + TableKeys.Escape(FirstCharacter(token));
}
