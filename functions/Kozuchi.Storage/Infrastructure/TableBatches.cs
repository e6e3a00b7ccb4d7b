using Azure;
using Azure.Data.Tables;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// Writes many items' rows in entity group transactions: the rows of one partition together, at most
/// <see cref="MaxActions"/> to a transaction (Azure's limit; the payload stays far under its 4 MiB), and the rows of one
/// item always in the same transaction, so an item is written whole or not at all. A transaction that meets a
/// condition it cannot satisfy (the row exists, its ETag moved, it is gone: 409, 412, 404) fails as a whole, and the
/// caller goes the one-by-one way for exactly the items it held; every other item is written.
/// </summary>
public static class TableBatches
{
    public const int MaxActions = 100;

    /// <summary>What happened to one item: its rows' new ETags in the order given, or null when its transaction failed.</summary>
    public sealed record Result<T>(T Item, IReadOnlyList<ETag?>? ETags)
    {
        public bool Written => ETags is not null;
    }

    /// <summary>
    /// Submits the items' actions (each item's actions in one partition), in parallel per transaction. An item that
    /// names a row another item of the same transaction names already (an entity may appear once in a transaction) is
    /// not written and comes back failed, as does every item of a transaction that failed.
    /// </summary>
    public static async Task<IReadOnlyList<Result<T>>> SubmitAsync<T>(TableClient table, IEnumerable<(T Item, IReadOnlyList<TableTransactionAction> Actions)> items, CancellationToken cancellationToken, int parallelism = 4)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(items);
        var results = new List<Result<T>>();
        var chunks = new List<List<(T Item, IReadOnlyList<TableTransactionAction> Actions)>>();
        foreach (var partition in items.Where(i => i.Actions.Count > 0).GroupBy(i => i.Actions[0].Entity.PartitionKey, StringComparer.Ordinal))
        {
            var chunk = new List<(T, IReadOnlyList<TableTransactionAction>)>();
            var rows = new HashSet<string>(StringComparer.Ordinal);
            var size = 0;
            foreach (var item in partition)
            {
                if (item.Actions.Any(a => a.Entity.PartitionKey != partition.Key) || item.Actions.Count > MaxActions
                    || item.Actions.Select(a => a.Entity.RowKey).Distinct(StringComparer.Ordinal).Count() != item.Actions.Count)
                {
                    throw new ArgumentException("An item's actions must name distinct rows of one partition, at most " + MaxActions + ".", nameof(items));
                }

                if (item.Actions.Any(a => rows.Contains(a.Entity.RowKey)))
                {
                    results.Add(new Result<T>(item.Item, null));
                    continue;
                }

                if (size + item.Actions.Count > MaxActions)
                {
                    chunks.Add(chunk);
                    chunk = [];
                    size = 0;
                }

                chunk.Add(item);
                size += item.Actions.Count;
                rows.UnionWith(item.Actions.Select(a => a.Entity.RowKey));
            }

            if (chunk.Count > 0)
            {
                chunks.Add(chunk);
            }
        }

        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            var done = await SubmitChunkAsync(table, chunk, ct).ConfigureAwait(false);
            lock (results)
            {
                results.AddRange(done);
            }
        }).ConfigureAwait(false);
        return results;
    }

    private static async Task<IReadOnlyList<Result<T>>> SubmitChunkAsync<T>(TableClient table, List<(T Item, IReadOnlyList<TableTransactionAction> Actions)> chunk, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.SubmitTransactionAsync(chunk.SelectMany(c => c.Actions), cancellationToken).ConfigureAwait(false);
            var results = new List<Result<T>>(chunk.Count);
            var i = 0;
            foreach (var (item, actions) in chunk)
            {
                var etags = new ETag?[actions.Count];
                for (var a = 0; a < actions.Count; a++, i++)
                {
                    etags[a] = response.Value[i].Headers.ETag;
                }

                results.Add(new Result<T>(item, etags));
            }

            return results;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return [.. chunk.Select(c => new Result<T>(c.Item, null))];
        }
    }
}
