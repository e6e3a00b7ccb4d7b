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

    /// <summary>The partition the row was read from (rows written before the buckets are where they were written); null for a row to write.</summary>
    public string? Partition { get; init; }
}

/// <summary>
/// Wake-ups: a delayed message on <c>scenario-wakeups</c> (the fast path; the wake-ups of one engine batch due in the
/// same minute share a message) and a row in the timer index (the safety net the sweep reads: PK = UTC hour of the due
/// time and one of <see cref="Buckets"/> hash buckets of the enrollment, RK = token). Index rows are written before the state that needs them is
/// saved, so a wake-up lost in any way is still found; a row whose token is no longer the enrollment's timer is stale
/// and deleted by whoever meets it.
/// </summary>
public sealed class ScenarioTimers(StorageClients clients, TimeProvider time)
{
    /// <summary>The queue's visibility limit is 7 days; a little less leaves room for clock skew.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private readonly TableClient _index = clients.Table(StorageCatalog.Tables.ScenarioTimers);
    private readonly QueueClient _queue = clients.Queue(StorageCatalog.Queues.ScenarioWakeups);

    /// <summary>
    /// Outbox markers are keyed by enrollment in <c>outbox~{bucket}</c> (rows from before the buckets: <c>outbox</c>), so
    /// whoever finishes an outbox can remove its marker without knowing when it was written, and <see cref="Buckets"/>
    /// partitions share the markers' writes (each marker is added and removed once per send decided: one partition
    /// would cap the engine at about 1,000 enrollments/s in Azure).
    /// </summary>
    public const string MarkerPartition = "outbox";

    /// <summary>
    /// Partitions per due hour and of the markers: enough that neither caps the engine below the account's ceiling in
    /// Azure (2,000 entities/s each), few enough that a batch's rows go in a few transactions.
    /// </summary>
    public const int Buckets = 4;

    /// <summary>The wake-ups one message carries at most (about 170 bytes each in a 48 KiB message).</summary>
    public const int WakeupsPerMessage = 250;

    public static string Bucket(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    private static (string Pk, string Rk) Keys(DueTimer timer) =>
        timer.IsOutbox
            ? (timer.Partition ?? MarkerPartition + "~" + TableKeys.Bucket(timer.EnrollmentId, Buckets), TableKeys.Escape(timer.EnrollmentId))
            : (timer.Partition ?? Bucket(timer.DueAt) + "~" + TableKeys.Bucket(timer.EnrollmentId, Buckets), TableKeys.Escape(timer.Token));

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

    /// <summary>
    /// Many wake-ups: those due in the same minute share a message (up to <see cref="WakeupsPerMessage"/>), visible when
    /// the last of them is due, so an engine batch of 500 enrollments waiting for the same day queues one or two messages
    /// rather than 500. Returns the messages sent.
    /// </summary>
    public async Task<int> ScheduleManyAsync(IReadOnlyList<WakeupMessage> wakeups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wakeups);
        var groups = wakeups.GroupBy(w => w.DueAt.UtcTicks / TimeSpan.TicksPerMinute).SelectMany(g => g.Chunk(WakeupsPerMessage)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            if (group.Length == 1)
            {
                await ScheduleAsync(group[0], ct).ConfigureAwait(false);
                return;
            }

            var delay = group.Max(w => w.DueAt) - time.GetUtcNow();
            delay = delay <= TimeSpan.Zero ? TimeSpan.Zero : delay > MaxDelay ? MaxDelay : delay;
            await _queue.SendMessageAsync(new WakeupBatchMessage { Wakeups = [.. group] }.ToJson(), delay, TimeSpan.FromSeconds(-1), ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return groups.Count;
    }

    /// <summary>
    /// Outbox markers, then timers, due at or before <paramref name="until"/>: partition ranges over every marker
    /// partition (<c>outbox</c>, <c>outbox~p00</c>…) and every hour up to <paramref name="until"/>'s (<c>2026120609</c>,
    /// <c>2026120609~p00</c>…; digits sort before the markers' letters).
    /// </summary>
    public async IAsyncEnumerable<DueTimer> DueAsync(DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = Bucket(until.AddHours(1));
        var markers = _index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {MarkerPartition} and PartitionKey lt {MarkerPartition + "~~"} and DueAt le {until}"), cancellationToken: cancellationToken);
        var timers = _index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey lt {next}"), cancellationToken: cancellationToken);
        await foreach (var e in markers.Concat(timers).ConfigureAwait(false))
        {
            var due = e.GetDateTimeOffset("DueAt") ?? default;
            if (due <= until)
            {
                yield return new DueTimer(e.GetString("CustomerId"), e.GetString("EnrollmentId"), e.GetString("Token"), due) { Partition = e.PartitionKey };
            }
        }
    }
}
