using Kozuchi.Core.Scenarios;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kozuchi.Storage.Scenarios;

public enum WakeupResult
{
    /// <summary>Arrived before its due time (the 7-day visibility cap): sent again with the remainder.</summary>
    Requeued,

    /// <summary>Delivered to the enrollment (which acted on it, or found it stale).</summary>
    Delivered,

    /// <summary>The scenario is paused: the timer stays in the index for the sweep after resume.</summary>
    Held,
}

public sealed record SweepReport(int Due, int Fired, int Held, int Removed);

/// <summary>Wake-up messages and the sweep that recovers every timer or outbox a lost message or a crash left behind.</summary>
public sealed partial class ScenarioWakeups(ScenarioEngine engine, ScenarioTimers timers, TimeProvider time, IOptions<ScenarioEngineOptions> options, ILogger<ScenarioWakeups> logger)
{
    public const int SweepBatch = 100;

    public async Task<WakeupResult> HandleAsync(WakeupMessage wakeup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wakeup);
        if (wakeup.DueAt > time.GetUtcNow())
        {
            await timers.ScheduleAsync(wakeup, cancellationToken).ConfigureAwait(false);
            return WakeupResult.Requeued;
        }

        var timer = new DueTimer(wakeup.CustomerId, wakeup.EnrollmentId, wakeup.Token, wakeup.DueAt);
        var report = await engine.ProcessAsync([new EngineWork(wakeup.CustomerId, wakeup.EnrollmentId, new TimerFired(wakeup.Token))], cancellationToken).ConfigureAwait(false);
        var outcome = report.Outcomes[0];
        if (outcome.Result == WorkResult.Held)
        {
            return WakeupResult.Held;
        }

        await ForgetIfDoneAsync(timer, outcome, cancellationToken).ConfigureAwait(false);
        return WakeupResult.Delivered;
    }

    /// <summary>Fires every timer and finishes every outbox that is past due by more than the grace period.</summary>
    public async Task<SweepReport> SweepAsync(CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() - options.Value.SweepGrace;
        var due = new List<DueTimer>();
        await foreach (var timer in timers.DueAsync(until, cancellationToken).ConfigureAwait(false))
        {
            due.Add(timer);
        }

        int fired = 0, held = 0, removed = 0;
        foreach (var chunk in due.Chunk(SweepBatch))
        {
            var work = chunk.Select(t => new EngineWork(t.CustomerId, t.EnrollmentId, t.IsOutbox ? null : new TimerFired(t.Token))).ToList();
            var report = await engine.ProcessAsync(work, cancellationToken).ConfigureAwait(false);
            held += report.Outcomes.Count(o => o.Result == WorkResult.Held);
            fired += report.Outcomes.Count(o => o.Result == WorkResult.Decided);
            await Parallel.ForEachAsync(Enumerable.Range(0, chunk.Length).Where(i => report.Outcomes[i].Result != WorkResult.Held), new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                if (await ForgetIfDoneAsync(chunk[i], report.Outcomes[i], ct).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref removed);
                }
            }).ConfigureAwait(false);
        }

        if (due.Count > 0)
        {
            LogSwept(logger, due.Count, fired, held);
        }

        return new SweepReport(due.Count, fired, held, removed);
    }

    /// <summary>An index row is done once its token is no longer the enrollment's timer (fired, stale, completed, missing); an outbox marker once the run finished it.</summary>
    private async Task<bool> ForgetIfDoneAsync(DueTimer timer, WorkOutcome outcome, CancellationToken cancellationToken)
    {
        var pending = timer.IsOutbox
            ? outcome.OutboxLeft
            : outcome.State?.Timer?.Token == timer.Token && !outcome.State.IsCompleted;
        if (pending)
        {
            return false;
        }

        await timers.RemoveAsync(timer, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer sweep: {Due} due, {Fired} fired, {Held} held by paused scenarios")]
    private static partial void LogSwept(ILogger logger, int due, int fired, int held);
}
