using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Cronos;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting;

/// <summary>One due occurrence of a schedule: the one before it ran at <see cref="Last"/>; <see cref="IsPastDue"/> when it was missed.</summary>
public sealed record Occurrence(DateTimeOffset? Last, DateTimeOffset Next, bool IsPastDue, DateTimeOffset Now);

/// <summary>
/// A job on an NCRONTAB schedule (six fields, UTC) run as the Functions host runs a timer: its last and next
/// occurrence kept in storage (<c>KozuchiRuntime</c>), an occurrence missed while nothing ran made up once (past due),
/// and a blob lease so that one runner runs each occurrence even with several processes on one account. The local
/// runtime's timer triggers and the pull timer's per-source schedules both run on it.
/// </summary>
public sealed class ScheduledJob
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private readonly string _partition;
    private readonly string _key;
    private readonly CronExpression _schedule;
    private readonly TableClient _status;
    private readonly BlobClient _lockBlob;
    private readonly TimeProvider _time;

    /// <summary><paramref name="partition"/>/<paramref name="key"/> name the status row and the lease blob (<c>{partition}s/{key}.lock</c>).</summary>
    public ScheduledJob(string partition, string key, string schedule, StorageClients storage, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _partition = partition;
        _key = key;
        Schedule = schedule;
        _schedule = CronExpression.Parse(schedule, CronFormat.IncludeSeconds);
        _status = storage.Table(StorageCatalog.Tables.Runtime);
        _lockBlob = storage.Container(StorageCatalog.Containers.Runtime).GetBlobClient($"{partition}s/{key}.lock");
        _time = time;
    }

    public string Schedule { get; }

    /// <summary>When the next occurrence is due (from storage; the schedule's next one when nothing ran yet).</summary>
    public async Task<DateTimeOffset> NextDueAsync(CancellationToken cancellationToken) =>
        (await LoadAsync(cancellationToken))?.Next ?? NextAfter(_time.GetUtcNow());

    /// <summary>
    /// Runs <paramref name="run"/> if an occurrence is due; at start-up a due occurrence is one that was missed, so it
    /// is past due. <paramref name="runOnStartup"/> runs once at start-up even when nothing is due. Returns whether this
    /// runner ran it. A failed run is not retried: the next occurrence runs as scheduled, as on the host.
    /// </summary>
    public async Task<bool> RunDueAsync(bool atStartup, bool runOnStartup, Func<Occurrence, CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var now = _time.GetUtcNow();
        var status = await LoadAsync(cancellationToken);
        if (status is null)
        {
            var first = new Status(null, NextAfter(now));
            await SaveAsync(first, cancellationToken);
            return runOnStartup && atStartup && await RunAsync(first, isPastDue: false, now, run, cancellationToken);
        }

        if (now < status.Next)
        {
            return runOnStartup && atStartup && await RunAsync(status, isPastDue: false, now, run, cancellationToken);
        }

        return await RunAsync(status, isPastDue: atStartup, now, run, cancellationToken);
    }

    private async Task<bool> RunAsync(Status seen, bool isPastDue, DateTimeOffset now, Func<Occurrence, CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        await using var lease = await TryAcquireAsync(cancellationToken);
        if (lease is null)
        {
            return false;
        }

        // Another runner may have run this occurrence between our read and our lease.
        var current = await LoadAsync(cancellationToken);
        if (current is not null && current.Next != seen.Next)
        {
            return false;
        }

        var ran = new Status(now < seen.Next ? seen.Last : seen.Next, DateTimeOffset.MinValue);
        try
        {
            await run(new Occurrence(seen.Last, seen.Next, isPastDue, now), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Failed runs count as run (the host does not retry a timer); a run cut short by shutdown is made up at start.
            await SaveAsync(ran with { Next = NextAfter(_time.GetUtcNow()) }, CancellationToken.None);
            throw;
        }

        await SaveAsync(ran with { Next = NextAfter(_time.GetUtcNow()) }, cancellationToken);
        return true;
    }

    private DateTimeOffset NextAfter(DateTimeOffset t) =>
        _schedule.GetNextOccurrence(t.UtcDateTime, inclusive: false) is { } next
            ? new DateTimeOffset(next, TimeSpan.Zero)
            : DateTimeOffset.MaxValue;

    private async Task<Status?> LoadAsync(CancellationToken cancellationToken)
    {
        var row = await _status.GetEntityIfExistsAsync<TableEntity>(_partition, _key, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        // A changed schedule starts afresh from its own next occurrence.
        return row.Value!.GetString("Schedule") is { } schedule && schedule != Schedule
            ? null
            : new Status(row.Value.GetDateTimeOffset("Last"), row.Value.GetDateTimeOffset("Next") ?? DateTimeOffset.MinValue);
    }

    private Task SaveAsync(Status status, CancellationToken cancellationToken) =>
        _status.UpsertEntityAsync(
            new TableEntity(_partition, _key)
            {
                ["Last"] = status.Last,
                ["Next"] = status.Next,
                ["LastUpdated"] = _time.GetUtcNow(),
                ["Schedule"] = Schedule,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    private async Task<HeldLease?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await _lockBlob.ExistsAsync(cancellationToken))
            {
                await _lockBlob.UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken);
            }
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Created by a concurrent runner, or already leased by it.
        }

        var lease = _lockBlob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken);
            return new HeldLease(lease, _time);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    private sealed record Status(DateTimeOffset? Last, DateTimeOffset Next);

    /// <summary>Holds the lease for as long as the run takes, renewing it before it lapses.</summary>
    private sealed class HeldLease : IAsyncDisposable
    {
        private readonly BlobLeaseClient _lease;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        public HeldLease(BlobLeaseClient lease, TimeProvider time)
        {
            _lease = lease;
            _renewal = RenewAsync(time, _stop.Token);
        }

        private async Task RenewAsync(TimeProvider time, CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(LeaseDuration / 3, time, cancellationToken);
                    await _lease.RenewAsync(cancellationToken: cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (RequestFailedException)
            {
                // Lost the lease; the run finishes and the status check keeps the occurrence from running twice.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewal;
            _stop.Dispose();
            try
            {
                await _lease.ReleaseAsync();
            }
            catch (RequestFailedException)
            {
                // Expired or lost: it frees itself after its duration.
            }
        }
    }
}
