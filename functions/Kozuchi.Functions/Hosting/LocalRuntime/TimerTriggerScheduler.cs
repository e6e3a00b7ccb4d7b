using Azure;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Runs one timer function locally as the host does: on its NCRONTAB schedule (UTC), with its last and next
/// occurrence kept in storage; an occurrence missed while nothing ran is made up once at start with
/// <c>IsPastDue</c>; a blob lease makes one runner per schedule even with several processes on one account.
/// </summary>
public sealed partial class TimerTriggerScheduler
{
    private readonly LocalFunction _function;
    private readonly bool _runOnStartup;
    private readonly ScheduledJob _job;
    private readonly LocalFunctionRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary><paramref name="schedule"/> is the trigger's NCRONTAB expression with seconds, already resolved.</summary>
    public TimerTriggerScheduler(LocalFunction function, string schedule, bool runOnStartup, StorageClients storage, LocalFunctionRunner runner, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
        _runOnStartup = runOnStartup;
        _job = new ScheduledJob("timer", function.Name, schedule, storage, time);
        _runner = runner;
        _time = time;
        _logger = logger;
    }

    public string FunctionName => _function.Name;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await RunDueAsync(atStartup: true, cancellationToken);
        while (true)
        {
            // Stopping always ends in OperationCanceledException, whichever await or check sees it first.
            cancellationToken.ThrowIfCancellationRequested();
            var wait = await _job.NextDueAsync(cancellationToken) - _time.GetUtcNow();
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, cancellationToken);
            var generation = _runner.Recovery.Generation;
            try
            {
                await RunDueAsync(atStartup: false, cancellationToken);
            }
            catch (RequestFailedException e) when (StorageRecovery.IsMissingResource(e))
            {
                // The lease container or the schedule table is gone (a storage reset): re-created, logged once by the recovery.
                await _runner.Recovery.RecoverAsync(generation, e, cancellationToken);
            }
            catch (RequestFailedException e)
            {
                LogStorageFailed(_logger, e, _function.Name);
                await Task.Delay(TimeSpan.FromSeconds(5), _time, cancellationToken);
            }
        }
    }

    /// <summary>Invokes the function if an occurrence is due (see <see cref="ScheduledJob.RunDueAsync"/>); returns whether this runner did.</summary>
    public Task<bool> RunDueAsync(bool atStartup, CancellationToken cancellationToken) =>
        _job.RunDueAsync(atStartup, _runOnStartup, async (occurrence, ct) =>
        {
            var timer = new TimerInfo
            {
                IsPastDue = occurrence.IsPastDue,
                ScheduleStatus = new ScheduleStatus { Last = occurrence.Last?.UtcDateTime ?? default, Next = occurrence.Next.UtcDateTime, LastUpdated = occurrence.Now.UtcDateTime },
            };
            try
            {
                await _runner.InvokeAsync(_function, LocalTrigger.Timer(timer), ct);
            }
            catch (FunctionFailedException)
            {
                // As on the host: a failed timer run is not retried; the next occurrence runs as scheduled.
            }
        }, cancellationToken);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Timer {FunctionName} could not reach storage; retrying")]
    private static partial void LogStorageFailed(ILogger logger, Exception exception, string functionName);
}
