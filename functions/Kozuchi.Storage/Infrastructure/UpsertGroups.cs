using Azure.Data.Tables;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// Upserts of rows that only ever replace themselves (index rows: written again, the same row), grouped across callers:
/// while one group's transactions are in flight, the rows of every call that arrives wait, and the next group writes
/// them all, a partition's rows together in transactions of up to <see cref="TableBatches.MaxActions"/>. Eight webhook
/// bodies of 100 orders arriving together then write their index rows in a transaction a partition instead of eight
/// transactions of a few rows each (the emulator's and the account's cost is per transaction far more than per row).
/// Each caller returns once its own rows are written, or with the failure of a transaction that carried them.
/// </summary>
public sealed class UpsertGroups(TableClient table, int parallelism = 4)
{
    private sealed record Request(IReadOnlyList<TableEntity> Rows, TaskCompletionSource Done);

    private readonly Lock _lock = new();
    private List<Request> _waiting = [];
    private bool _running;
    private long _transactions;

    /// <summary>Transactions (and single upserts) sent since start (tests and benchmarks).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Writes the rows with whatever other rows arrive meanwhile.</summary>
    public Task UpsertAsync(IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return Task.CompletedTask;
        }

        var request = new Request(list, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_lock)
        {
            _waiting.Add(request);
            if (!_running)
            {
                _running = true;

                // The loop outlives the call that started it: each caller awaits only its own rows.
                _ = Task.Run(RunAsync, CancellationToken.None);
            }
        }

        return request.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        while (Take() is { Count: > 0 } group)
        {
            await WriteAsync(group).ConfigureAwait(false);
        }
    }

    private List<Request> Take()
    {
        lock (_lock)
        {
            var group = _waiting;
            _waiting = [];
            _running = group.Count > 0;
            return group;
        }
    }

    private async Task WriteAsync(List<Request> group)
    {
        // A row named twice (two bodies holding the same order) is written once, as first given: a transaction names an
    // entity once.
        var chunks = group
            .SelectMany(r => r.Rows.Select(row => (Row: row, Request: r)))
            .GroupBy(x => (x.Row.PartitionKey, x.Row.RowKey))
            .Select(g => (Row: g.First().Row, Requests: g.Select(x => x.Request).ToList()))
            .GroupBy(x => x.Row.PartitionKey, StringComparer.Ordinal)
            .SelectMany(p => p.Chunk(TableBatches.MaxActions))
            .ToList();
        var failed = new Dictionary<Request, Exception>();
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (chunk, ct) =>
        {
            Interlocked.Increment(ref _transactions);
            try
            {
                if (chunk.Length == 1)
                {
                    await table.UpsertEntityAsync(chunk[0].Row, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                }
                else
                {
                    await table.SubmitTransactionAsync(chunk.Select(x => new TableTransactionAction(TableTransactionActionType.UpsertReplace, x.Row)), ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                lock (failed)
                {
                    foreach (var request in chunk.SelectMany(x => x.Requests))
                    {
                        failed.TryAdd(request, e);
                    }
                }
            }
        }).ConfigureAwait(false);

        foreach (var request in group)
        {
            if (failed.TryGetValue(request, out var e))
            {
                request.Done.TrySetException(e);
            }
            else
            {
                request.Done.TrySetResult();
            }
        }
    }
}
