using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Cronos;
using Kozuchi.Functions.Hosting.Invocation;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Runs one timer function locally as the host does: on its NCRONTAB schedule (UTC), with its last and next
/// occurrence kept in storage; an occurrence missed while nothing ran is made up once at start with
/// <c>IsPastDue</c>; a blob lease makes one runner per schedule even with several processes on one account.
/// </summary>
public sealed partial class TimerTriggerScheduler
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private readonly FunctionDefinition _function;
    private readonly TimerTrigger _trigger;
    private readonly CronExpression _schedule;
    private readonly TableClient _status;
    private readonly BlobClient _lockBlob;
    private readonly InvocationDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TimerTriggerScheduler(FunctionDefinition function, StorageClients storage, InvocationDispatcher dispatcher, TimeProvider time, ILogger logger)
    {
        _function = function;
        _trigger = (TimerTrigger)function.Trigger;
        _schedule = CronExpression.Parse(_trigger.Schedule, CronFormat.IncludeSeconds);
        _status = storage.Table(StorageCatalog.Tables.Runtime);
        _lockBlob = storage.Container(StorageCatalog.Containers.Runtime).GetBlobClient($"timers/{function.Name}.lock");
        _dispatcher = dispatcher;
        _time = time;
        _logger = logger;
    }

    public string FunctionName => _function.Name;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await RunDueAsync(atStartup: true, cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var status = await LoadAsync(cancellationToken);
            var wait = (status?.Next ?? NextAfter(_time.GetUtcNow())) - _time.GetUtcNow();
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, cancellationToken);
            try
            {
                await RunDueAsync(atStartup: false, cancellationToken);
            }
            catch (RequestFailedException e)
            {
                LogStorageFailed(_logger, e, _function.Name);
                await Task.Delay(TimeSpan.FromSeconds(5), _time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs the function if an occurrence is due; at start-up a due occurrence is one that was missed, so the
    /// invocation says <c>IsPastDue</c>. Returns whether this runner invoked the function.
    /// </summary>
    public async Task<bool> RunDueAsync(bool atStartup, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var status = await LoadAsync(cancellationToken);
        if (status is null)
        {
            var first = new TimerStatus(null, NextAfter(now));
            await SaveAsync(first, cancellationToken);
            return _trigger.RunOnStartup && atStartup && await InvokeAsync(first, isPastDue: false, now, cancellationToken);
        }

        if (now < status.Next)
        {
            return _trigger.RunOnStartup && atStartup && await InvokeAsync(status, isPastDue: false, now, cancellationToken);
        }

        return await InvokeAsync(status, isPastDue: atStartup, now, cancellationToken);
    }

    private async Task<bool> InvokeAsync(TimerStatus seen, bool isPastDue, DateTimeOffset now, CancellationToken cancellationToken)
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

        var payload = InvocationPayload.Parse(HostPayloads.Timer(_trigger.BindingName, isPastDue, seen.Last, seen.Next, now));
        try
        {
            await _dispatcher.InvokeAsync(_function.Name, payload, Guid.NewGuid().ToString(), cancellationToken);
        }
        catch (InvocationFailedException)
        {
            // As on the host: a failed timer run is not retried; the next occurrence runs as scheduled.
        }

        var ran = now < seen.Next ? seen.Last : seen.Next;
        await SaveAsync(new TimerStatus(ran, NextAfter(_time.GetUtcNow())), cancellationToken);
        return true;
    }

    private DateTimeOffset NextAfter(DateTimeOffset t) =>
        _schedule.GetNextOccurrence(t.UtcDateTime, inclusive: false) is { } next
            ? new DateTimeOffset(next, TimeSpan.Zero)
            : DateTimeOffset.MaxValue;

    private async Task<TimerStatus?> LoadAsync(CancellationToken cancellationToken)
    {
        var row = await _status.GetEntityIfExistsAsync<TableEntity>("timer", _function.Name, cancellationToken: cancellationToken);
        return row.HasValue
            ? new TimerStatus(row.Value!.GetDateTimeOffset("Last"), row.Value.GetDateTimeOffset("Next") ?? DateTimeOffset.MinValue)
            : null;
    }

    private Task SaveAsync(TimerStatus status, CancellationToken cancellationToken) =>
        _status.UpsertEntityAsync(
            new TableEntity("timer", _function.Name)
            {
                ["Last"] = status.Last,
                ["Next"] = status.Next,
                ["LastUpdated"] = _time.GetUtcNow(),
                ["Schedule"] = _trigger.Schedule,
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

    private sealed record TimerStatus(DateTimeOffset? Last, DateTimeOffset Next);

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
            var lease = _lease;
            try
            {
                await lease.ReleaseAsync();
            }
            catch (RequestFailedException)
            {
                // Expired or lost: it frees itself after its duration.
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Timer {FunctionName} could not reach storage; retrying")]
    private static partial void LogStorageFailed(ILogger logger, Exception exception, string functionName);
}
