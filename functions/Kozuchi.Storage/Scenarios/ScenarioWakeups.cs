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
    /// <summary>Enrollments per engine batch of the sweep: a full send batch, and 16 transactions per step for 500.</summary>
    public const int SweepBatch = 500;

    public async Task<WakeupResult> HandleAsync(WakeupMessage wakeup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wakeup);
        return (await HandleAsync([wakeup], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>A message of <c>scenario-wakeups</c> as it arrives: one wake-up (version 1) or many due in the same minute (version 2).</summary>
    public Task<IReadOnlyList<WakeupResult>> HandleAsync(string message, CancellationToken cancellationToken) =>
        HandleAsync(WakeupBatchMessage.Parse(message), cancellationToken);

    /// <summary>
    /// Delivers the wake-ups that are due to their enrollments in one engine batch, and sends the ones that arrived early
    /// (the 7-day visibility cap) again with their remainder. Results in the order given.
    /// </summary>
    public async Task<IReadOnlyList<WakeupResult>> HandleAsync(IReadOnlyList<WakeupMessage> wakeups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wakeups);
        var now = time.GetUtcNow();
        var results = new WakeupResult[wakeups.Count];
        var early = Enumerable.Range(0, wakeups.Count).Where(i => wakeups[i].DueAt > now).ToList();
        await timers.ScheduleManyAsync([.. early.Select(i => wakeups[i])], cancellationToken).ConfigureAwait(false);
        foreach (var i in early)
        {
            results[i] = WakeupResult.Requeued;
        }

        var due = Enumerable.Range(0, wakeups.Count).Where(i => wakeups[i].DueAt <= now).ToList();
        if (due.Count == 0)
        {
            return results;
        }

        var report = await engine.ProcessAsync([.. due.Select(i => new EngineWork(wakeups[i].CustomerId, wakeups[i].EnrollmentId, new TimerFired(wakeups[i].Token)))], cancellationToken).ConfigureAwait(false);
        var done = new List<DueTimer>();
        for (var k = 0; k < due.Count; k++)
        {
            var w = wakeups[due[k]];
            var outcome = report.Outcomes[k];
            results[due[k]] = outcome.Result == WorkResult.Held ? WakeupResult.Held : WakeupResult.Delivered;
            var timer = new DueTimer(w.CustomerId, w.EnrollmentId, w.Token, w.DueAt);
            if (outcome.Result != WorkResult.Held && IsDone(timer, outcome))
            {
                done.Add(timer);
            }
        }

        await timers.RemoveManyAsync(done, cancellationToken).ConfigureAwait(false);
        return results;
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
            var done = Enumerable.Range(0, chunk.Length).Where(i => report.Outcomes[i].Result != WorkResult.Held && IsDone(chunk[i], report.Outcomes[i])).Select(i => chunk[i]).ToList();
            await timers.RemoveManyAsync(done, cancellationToken).ConfigureAwait(false);
            removed += done.Count;
        }

        if (due.Count > 0)
        {
            LogSwept(logger, due.Count, fired, held);
        }

        return new SweepReport(due.Count, fired, held, removed);
    }

    /// <summary>An index row is done once its token is no longer the enrollment's timer (fired, stale, completed, missing); an outbox marker once the run finished it.</summary>
    private static bool IsDone(DueTimer timer, WorkOutcome outcome) => timer.IsOutbox
        ? !outcome.OutboxLeft
        : !(outcome.State?.Timer?.Token == timer.Token && !outcome.State.IsCompleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer sweep: {Due} due, {Fired} fired, {Held} held by paused scenarios")]
    private static partial void LogSwept(ILogger logger, int due, int fired, int held);
}
