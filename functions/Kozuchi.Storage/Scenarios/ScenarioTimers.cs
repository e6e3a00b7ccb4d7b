using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>A row of the timer index: an enrollment that needs attention at <see cref="DueAt"/> (a timer, or an outbox to finish).</summary>
public sealed record DueTimer(string CustomerId, string EnrollmentId, string Token, DateTimeOffset DueAt)
{
    /// <summary>The token of an outbox marker: "carry out what this enrollment's last run decided".</summary>
    public const string OutboxToken = "outbox";

    public bool IsOutbox => Token == OutboxToken;
}

/// <summary>
/// Wake-ups: a delayed message on <c>scenario-wakeups</c> (the fast path) and a row in the timer index (the safety net
/// the sweep reads: PK = UTC hour of the due time, RK = token). Index rows are written before the state that needs
/// them is saved, so a wake-up lost in any way is still found; a row whose token is no longer the enrollment's timer
/// is stale and deleted by whoever meets it.
/// </summary>
public sealed class ScenarioTimers(StorageClients clients, TimeProvider time)
{
    /// <summary>The queue's visibility limit is 7 days; a little less leaves room for clock skew.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private readonly TableClient _index = clients.Table(StorageCatalog.Tables.ScenarioTimers);
    private readonly QueueClient _queue = clients.Queue(StorageCatalog.Queues.ScenarioWakeups);

    /// <summary>Outbox markers live in one partition keyed by enrollment, so whoever finishes an outbox can remove its marker without knowing when it was written.</summary>
    public const string MarkerPartition = "outbox";

    public static string Bucket(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    private static (string Pk, string Rk) Keys(DueTimer timer) =>
        timer.IsOutbox ? (MarkerPartition, TableKeys.Escape(timer.EnrollmentId)) : (Bucket(timer.DueAt), TableKeys.Escape(timer.Token));

    public async Task IndexAsync(DueTimer timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        await _index.UpsertEntityAsync(Entity(Keys(timer), timer), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private static TableEntity Entity((string Pk, string Rk) keys, DueTimer timer) => new(keys.Pk, keys.Rk)
    {
        ["CustomerId"] = timer.CustomerId,
        ["EnrollmentId"] = timer.EnrollmentId,
        ["Token"] = timer.Token,
        ["DueAt"] = timer.DueAt,
    };

    /// <summary>
    /// Index rows of many enrollments at once: rows sharing a partition (the same due hour, or the marker partition) go
    /// in entity group transactions of up to 100, so an engine batch writes its rows in a few requests.
    /// </summary>
    public async Task IndexManyAsync(IReadOnlyList<DueTimer> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 1)
        {
            await IndexAsync(rows[0], cancellationToken).ConfigureAwait(false);
            return;
        }

        // One row per key in a transaction; when two runs of the batch index the same key, the later one is kept.
        var groups = rows.Select(r => (Keys: Keys(r), Row: r)).Reverse().DistinctBy(r => r.Keys).Reverse().GroupBy(r => r.Keys.Pk)
            .SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            if (chunk.Length == 1)
            {
                await IndexAsync(chunk[0].Row, ct).ConfigureAwait(false);
                return;
            }

            await _index.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Entity(r.Keys, r.Row))), ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Removes many rows, in transactions per partition; a transaction that meets a row already gone is redone row by row.</summary>
    public async Task RemoveManyAsync(IReadOnlyList<DueTimer> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var groups = rows.Select(r => (Keys: Keys(r), Row: r)).DistinctBy(r => r.Keys).GroupBy(r => r.Keys.Pk).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            if (chunk.Length > 1)
            {
                try
                {
                    await _index.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.Keys.Pk, r.Keys.Rk), ETag.All)), ct).ConfigureAwait(false);
                    return;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                }
            }

            foreach (var (_, row) in chunk)
            {
                await RemoveAsync(row, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    public async Task RemoveAsync(DueTimer timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        try
        {
            var (pk, rk) = Keys(timer);
            await _index.DeleteEntityAsync(pk, rk, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    /// <summary>Sends the wake-up, invisible until its due time or for the 7-day maximum, whichever comes first; it never expires.</summary>
    public async Task ScheduleAsync(WakeupMessage wakeup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wakeup);
        var delay = wakeup.DueAt - time.GetUtcNow();
        delay = delay <= TimeSpan.Zero ? TimeSpan.Zero : delay > MaxDelay ? MaxDelay : delay;
        await _queue.SendMessageAsync(wakeup.ToJson(), delay, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Outbox markers, then timers, due at or before <paramref name="until"/> (hour buckets oldest first).</summary>
    public async IAsyncEnumerable<DueTimer> DueAsync(DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = Bucket(until);
        var markers = _index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {MarkerPartition} and DueAt le {until}"), cancellationToken: cancellationToken);
        var timers = _index.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(last) <= 0 && e.PartitionKey != MarkerPartition, cancellationToken: cancellationToken);
        await foreach (var e in markers.Concat(timers).ConfigureAwait(false))
        {
            var due = e.GetDateTimeOffset("DueAt") ?? default;
            if (due <= until)
            {
                yield return new DueTimer(e.GetString("CustomerId"), e.GetString("EnrollmentId"), e.GetString("Token"), due);
            }
        }
    }
}
