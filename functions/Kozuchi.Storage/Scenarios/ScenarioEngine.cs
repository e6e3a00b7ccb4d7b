using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kozuchi.Storage.Scenarios;

/// <summary>The points between the engine's writes. A probe may throw there: it is how tests kill the engine mid-way.</summary>
public enum EngineStage
{
    /// <summary>Ledger rows and timer-index rows are written; the state is not saved yet.</summary>
    LedgerWritten,

    /// <summary>The state (with its outbox) is saved; nothing is queued yet.</summary>
    StateSaved,

    /// <summary>Send messages are on the channel queues; the ledger rows are not marked queued yet.</summary>
    SendsQueued,

    /// <summary>Wake-ups are queued; the outboxes are not cleared yet.</summary>
    WakeupsScheduled,
}

/// <summary>The seam for crash injection; production uses <see cref="None"/>.</summary>
public interface IEngineProbe
{
    public static IEngineProbe None { get; } = new NoProbe();

    ValueTask ReachedAsync(EngineStage stage, CancellationToken cancellationToken);

    private sealed class NoProbe : IEngineProbe
    {
        public ValueTask ReachedAsync(EngineStage stage, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

/// <summary>How a new enrollment starts: the scenario version it is pinned to and what triggered it.</summary>
public sealed record EnrollmentStart(string ScenarioId, int Version, DateTimeOffset EnrolledAt, string? TriggerOrderId, string? TriggerCheckoutId = null)
{
    /// <summary>The customer as the router just read it to check the entry rules; the new enrollment's first decision uses it rather than reading it again.</summary>
    public CustomerProfile? Profile { get; init; }
}

/// <summary>
/// One event for one enrollment. <see cref="Event"/> null only carries out what the enrollment's outbox still holds
/// (the sweep's recovery); <see cref="Start"/> creates the enrollment if it does not exist yet.
/// </summary>
public sealed record EngineWork(string CustomerId, string EnrollmentId, ScenarioEvent? Event, EnrollmentStart? Start = null);

public enum WorkResult
{
    /// <summary>The decider changed the state; it is saved and its commands carried out.</summary>
    Decided,

    /// <summary>Nothing to do (a duplicate, a stale timer, an event after completion); an old outbox may have been finished.</summary>
    Unchanged,

    /// <summary>The enrollment does not exist (and the work did not start it).</summary>
    Missing,

    /// <summary>The scenario is paused: timers wait, sends stay in the outbox until resume.</summary>
    Held,

    /// <summary>Not started: another enrollment of the scenario holds the customer's entry guard (a concurrent start won).</summary>
    NotEntered,
}

/// <summary><see cref="OutboxLeft"/>: commands are still waiting (held by a pause, or a send another run is queuing); the outbox marker stays for the sweep.</summary>
public sealed record WorkOutcome(string EnrollmentId, WorkResult Result, EnrollmentState? State, bool OutboxLeft = false)
{
    /// <summary>This run wrote the enrollment for the first time (a start that entered).</summary>
    public bool Created { get; init; }
}

public sealed record EngineReport(IReadOnlyList<WorkOutcome> Outcomes, int SendsQueued, int SendMessages, int WakeupsScheduled, int Conflicts);

/// <summary>
/// Carries the pure decider out on storage, for a batch of events at once so that rows leave in entity group
/// transactions and sends in batched messages. Per enrollment: load (ETag) → decide (→ frequency cap) → record ledger
/// rows and timer-index rows → save state and outbox If-Match (a lost race reloads and decides again). Then for the
/// whole batch: claim → queue sends (many recipients per message) → mark queued → schedule wake-ups → clear outboxes.
/// In a scenario whose enrollments are in <see cref="EnrollmentLayout.Buckets"/>, a batch writes each of these steps for
/// all its enrollments in a few transactions per partition, and a new enrollment's entry guard and frequency counters
/// go in the same transaction as its state. Every step can be repeated, and a run that dies between any two writes is
/// finished by the next delivery of the same message or by the sweep; see docs/SCENARIOS.md, "The engine".
/// </summary>
public sealed partial class ScenarioEngine(
    EnrollmentStore enrollments,
    ScenarioStore scenarios,
    SendLedger ledger,
    ScenarioTimers timers,
    SendCounters counters,
    CustomerStore customers,
    StorageClients clients,
    ShopTime shop,
    TimeProvider time,
    IOptions<ScenarioEngineOptions> options,
    IEngineProbe probe,
    ILogger<ScenarioEngine> logger,
    ShopCurrency? shopCurrency = null)
{
    private const int MaxAttempts = 8;

    /// <summary>How long a guard whose enrollment was never written blocks other starts: far longer than one start takes.</summary>
    private static readonly TimeSpan GuardLease = TimeSpan.FromMinutes(10);
    private static readonly IReadOnlyDictionary<string, string> NoWinners = new Dictionary<string, string>(StringComparer.Ordinal);
    private readonly ScenarioEngineOptions _options = options.Value;
    private readonly SendBatches _sendBatches = new(clients);
    private readonly EnrollmentChanges _changes = new(clients);
    private int _saves;

    /// <param name="Recorded">ETags of the ledger rows this run inserted: their claim needs no read.</param>
    private sealed record CarryOut(int Index, string CustomerId, string EnrollmentId, ETag ETag, IReadOnlyList<ScenarioCommand> Outbox, bool Hold, bool Drop, IReadOnlyDictionary<string, ETag> Recorded, EnrollmentLayout Layout);

    /// <summary>
    /// A changed enrollment decided in the first pass, not written yet: the ledger rows to insert (<see cref="ToRecord"/>,
    /// in the bucket layout; the per-enrollment way has inserted them already), its timer-index rows, and the state to
    /// save together with <see cref="Companions"/> (the new enrollment's entry guard and its frequency counters).
    /// </summary>
    private sealed record Deferred(IReadOnlyList<DueTimer> Rows, EnrollmentState Decided, ETag? StoredETag, WorkOutcome Outcome, CarryOut CarryOut, DateTimeOffset Now)
    {
        public IReadOnlyList<SendCommand> ToRecord { get; init; } = [];
        public IReadOnlyList<TableTransactionAction> Companions { get; init; } = [];
        public Dictionary<string, ETag> Recorded { get; } = new(StringComparer.Ordinal);
    }

    public async Task<EngineReport> ProcessAsync(IReadOnlyList<EngineWork> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var outcomes = new WorkOutcome[work.Count];
        var savesBefore = Volatile.Read(ref _saves);
        try
        {
            // One head read per scenario per batch: a pause, a stop or a winner takes effect from the next batch.
            var heads = new ConcurrentDictionary<string, Lazy<Task<ScenarioHead?>>>(StringComparer.Ordinal);
            Task<ScenarioHead?> HeadOf(string scenarioId) => heads.GetOrAdd(scenarioId, id => new Lazy<Task<ScenarioHead?>>(() =>
                scenarios.GetAsync(id, cancellationToken))).Value;
            var carryOuts = new ConcurrentBag<CarryOut>();
            var conflicts = 0;
            void Done(int i, WorkOutcome outcome, CarryOut? carryOut, int lost)
            {
                outcomes[i] = outcome;
                Interlocked.Add(ref conflicts, lost);
                if (carryOut is not null)
                {
                    carryOuts.Add(carryOut);
                }
            }

            // First pass: decide everything, and stop each changed enrollment just before its rows are written.
            var deferred = new ConcurrentBag<Deferred>();
            await Parallel.ForEachAsync(Enumerable.Range(0, work.Count), new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var (outcome, carryOut, lost, rest) = await DecideAsync(i, work[i], HeadOf, true, ct).ConfigureAwait(false);
                if (rest is not null)
                {
                    deferred.Add(rest);
                }
                else
                {
                    Done(i, outcome!, carryOut, lost);
                }
            }).ConfigureAwait(false);

            // The batch's ledger rows, timer-index rows and outbox markers share a few partitions each (16 ledger buckets,
            // the due hour, the marker partitions): they are written in entity group transactions before any state.
            await RecordAsync([.. deferred], cancellationToken).ConfigureAwait(false);
            await timers.IndexManyAsync([.. deferred.SelectMany(d => d.Rows)], cancellationToken).ConfigureAwait(false);
            if (!deferred.IsEmpty)
            {
                await probe.ReachedAsync(EngineStage.LedgerWritten, cancellationToken).ConfigureAwait(false);
            }

            // Then each state with its companions, the states of a partition together. An enrollment whose transaction
            // failed (a guard or a counter that exists, a lost ETag race) goes the one-by-one way from the start.
            var saves = await TableBatches.SubmitAsync(enrollments.Table, deferred.Select(d => (d, (IReadOnlyList<TableTransactionAction>)[.. d.Companions, EnrollmentStore.Save(d.Decided, d.CarryOut.Outbox, d.StoredETag, d.CarryOut.Layout)])), cancellationToken).ConfigureAwait(false);
            var saved = saves.Where(r => r.Written).ToList();
            Interlocked.Add(ref _saves, saved.Count);
            foreach (var r in saved)
            {
                var d = r.Item;
                Done(d.CarryOut.Index, d.Outcome, d.CarryOut with { ETag = r.ETags![^1]!.Value, Recorded = d.Recorded }, 0);
            }

            if (saved.Count > 0)
            {
                await probe.ReachedAsync(EngineStage.StateSaved, cancellationToken).ConfigureAwait(false);
            }

            await Parallel.ForEachAsync(saves.Where(r => !r.Written).Select(r => r.Item), new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (d, ct) =>
            {
                LogConflict(logger, d.Decided.EnrollmentId, 1);
                var (outcome, carryOut, lost, _) = await DecideAsync(d.CarryOut.Index, work[d.CarryOut.Index], HeadOf, false, ct, firstAttempt: 2).ConfigureAwait(false);
                Done(d.CarryOut.Index, outcome!, carryOut, lost);
            }).ConfigureAwait(false);

            var busy = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
            var (queued, messages) = await QueueSendsAsync([.. carryOuts.Where(c => !c.Hold && !c.Drop)], busy, cancellationToken).ConfigureAwait(false);
            var wakeups = await ScheduleWakeupsAsync([.. carryOuts.Where(c => !c.Hold && !c.Drop)], cancellationToken).ConfigureAwait(false);
            await probe.ReachedAsync(EngineStage.WakeupsScheduled, cancellationToken).ConfigureAwait(false);

            // An outbox with a send another run is still queuing (or died queuing) stays, with its marker, for the sweep.
            var finished = carryOuts.ToLookup(c => !c.Hold && !c.Outbox.OfType<SendCommand>().Any(s => busy.ContainsKey(s.IdempotencyKey)));
            foreach (var c in finished[false])
            {
                outcomes[c.Index] = outcomes[c.Index] with { OutboxLeft = true };
            }

            await ClearAsync([.. finished[true].Where(c => c.Outbox.Count > 0)], cancellationToken).ConfigureAwait(false);
            return new EngineReport(outcomes, queued, messages, wakeups, conflicts);
        }
        finally
        {
            // Scenario results computed before this batch's saves are stale from now on — also when the batch failed
            // after saving (its redelivery finds the state saved and saves nothing). A concurrent batch's saves may make
            // this touch one more than needed, never one fewer.
            if (Volatile.Read(ref _saves) != savesBefore)
            {
                await _changes.TouchAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Inserts the deferred enrollments' ledger rows, the rows of a ledger bucket together. A transaction that meets a
    /// row already recorded (a redelivery) fails as a whole: its rows are inserted one by one, which skips the ones that exist.
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<Deferred> deferred, CancellationToken cancellationToken)
    {
        var results = await TableBatches.SubmitAsync(ledger.Table, deferred.SelectMany(d => d.ToRecord.Select(s => ((d, s), (IReadOnlyList<TableTransactionAction>)[SendLedger.Record(s, d.Now)]))), cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(results, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (r, ct) =>
        {
            var (d, send) = r.Item;
            var etag = r.Written ? r.ETags![0] : await ledger.RecordNewAsync(send, d.Now, false, ct).ConfigureAwait(false);
            if (etag is { } inserted)
            {
                lock (d.Recorded)
                {
                    d.Recorded[send.IdempotencyKey] = inserted;
                }
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Empties the outboxes carried out (If-Match on the ETag of their save), the enrollments of a partition together,
    /// then removes their outbox markers. The marker goes only with a successful clear: if another run saved
    /// meanwhile, its outbox may need the marker.
    /// </summary>
    private async Task ClearAsync(IReadOnlyList<CarryOut> finished, CancellationToken cancellationToken)
    {
        var results = await TableBatches.SubmitAsync(enrollments.Table, finished.Select(c => (c, (IReadOnlyList<TableTransactionAction>)[EnrollmentStore.ClearOutbox(c.CustomerId, c.EnrollmentId, c.ETag, c.Layout)])), cancellationToken).ConfigureAwait(false);
        var cleared = new ConcurrentBag<DueTimer>();
        await Parallel.ForEachAsync(results, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (r, ct) =>
        {
            var c = r.Item;
            if ((r.Written || await enrollments.ClearOutboxAsync(c.CustomerId, c.EnrollmentId, c.ETag, c.Layout, ct).ConfigureAwait(false)) && c.Outbox.Any(x => x is SendCommand))
            {
                cleared.Add(new DueTimer(c.CustomerId, c.EnrollmentId, DueTimer.OutboxToken, default));
            }
        }).ConfigureAwait(false);
        await timers.RemoveManyAsync([.. cleared], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The scenario an enrollment belongs to: its id starts with the scenario's (<see cref="ScenarioIds.Enrollment"/>).</summary>
    private static string ScenarioOf(EngineWork work) =>
        work.Start?.ScenarioId ?? (work.EnrollmentId.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? work.EnrollmentId[..dot] : work.EnrollmentId);

    /// <param name="defer">
    /// The first attempt of a changed enrollment returns at the point where its rows would be written (as
    /// <see cref="Deferred"/>), so that the batch writes them together; every later attempt writes and saves itself. In
    /// the bucket layout the first attempt writes nothing at all: a start assumes the customer's guard is free and its
    /// enrollment absent (the batch's transaction adds both, and fails if either exists), and its frequency counters
    /// are reserved in the same transaction.
    /// </param>
    private async Task<(WorkOutcome? Outcome, CarryOut? CarryOut, int Conflicts, Deferred? Deferred)> DecideAsync(int index, EngineWork work, Func<string, Task<ScenarioHead?>> headOf, bool defer, CancellationToken cancellationToken, int firstAttempt = 1)
    {
        var layout = (await headOf(ScenarioOf(work)).ConfigureAwait(false))?.Layout ?? EnrollmentLayout.CustomerPartitions;
        for (var attempt = firstAttempt; ; attempt++)
        {
            var now = time.GetUtcNow();
            var batched = defer && attempt == 1 && layout == EnrollmentLayout.Buckets;

            // A start in a guarded scenario first tries to insert the customer's guard: every enrollment of such a
            // scenario took the guard before its state was written, so when the insert succeeds this enrollment cannot
            // exist and its read is skipped. A guard already there (a redelivery, a crash, a re-entry) fails the insert
            // and the start goes the reading way. Should the state exist after all, its Add fails and we go round again.
            // Batched, the insert is deferred to the transaction that adds the state.
            var guarded = attempt == 1 && work.Start is { } first && (await headOf(first.ScenarioId).ConfigureAwait(false))?.Guarded == true;
            var guardTaken = guarded && !batched
                && await enrollments.TakeGuardAsync(work.CustomerId, work.Start!.ScenarioId, work.EnrollmentId, now, null, layout, cancellationToken).ConfigureAwait(false);
            var assumeNew = guarded && batched;
            var stored = guardTaken || assumeNew ? null : await enrollments.GetAsync(work.CustomerId, work.EnrollmentId, layout, cancellationToken).ConfigureAwait(false);
            EnrollmentState state;
            IReadOnlyList<ScenarioCommand> outbox;
            ETag? etag;
            var @event = work.Event;
            if (stored is null)
            {
                if (work.Start is not { } start)
                {
                    return (new WorkOutcome(work.EnrollmentId, WorkResult.Missing, null), null, attempt - 1, null);
                }

                var pinned = await scenarios.GetDefinitionAsync(start.ScenarioId, start.Version, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Scenario {start.ScenarioId} v{start.Version} does not exist.");
                if (!guardTaken && !assumeNew && !await TakeEntryGuardAsync(work.CustomerId, work.EnrollmentId, pinned, layout, cancellationToken).ConfigureAwait(false))
                {
                    return (new WorkOutcome(work.EnrollmentId, WorkResult.NotEntered, null), null, attempt - 1, null);
                }

                state = EnrollmentState.New(work.EnrollmentId, pinned, work.CustomerId, start.EnrolledAt, start.TriggerOrderId, start.TriggerCheckoutId);
                (outbox, etag, @event) = ([], null, new Started());
            }
            else
            {
                (state, outbox, etag) = stored;
            }

            var definition = await scenarios.GetDefinitionAsync(state.ScenarioId, state.DefinitionVersion, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Enrollment {state.EnrollmentId} is pinned to {state.ScenarioId} v{state.DefinitionVersion}, which does not exist.");
            var head = await headOf(state.ScenarioId).ConfigureAwait(false);
            var status = head?.Status ?? ScenarioStatus.Stopped;
            var hold = status is ScenarioStatus.Paused or ScenarioStatus.Draft;
            if (status == ScenarioStatus.Stopped && !state.IsCompleted)
            {
                @event = new Stopped("scenario stopped");
            }
            else if (hold && @event is TimerFired)
            {
                // The timer stays due in the index; the sweep fires it after resume.
                @event = null;
            }

            var decision = new ScenarioDecision(state, []);
            var reserved = batched ? new Dictionary<(Channel, string), (SendCounter Counter, bool Changed)>() : null;
            if (@event is not null)
            {
                var profile = stored is null && work.Start?.Profile is { State: CustomerState.Active } known && known.CustomerId == state.CustomerId
                    ? known
                    : await ProfileAsync(state.CustomerId, cancellationToken).ConfigureAwait(false);
                var context = new ScenarioContext(shop, profile) { Winners = head?.Winners ?? NoWinners, Currency = (shopCurrency ?? ShopCurrency.Default).Code };
                decision = ScenarioDecider.Decide(definition, state, @event, now, context);
                decision = await ApplyFrequencyCapAsync(definition, decision, context, now, stored is null, reserved, cancellationToken).ConfigureAwait(false);
            }

            var changed = !ReferenceEquals(decision.State, state);
            var fresh = decision.Commands.Where(c => c is SendCommand or WakeAt).ToList();
            if (!changed && outbox.Count == 0 && fresh.Count == 0)
            {
                return (new WorkOutcome(work.EnrollmentId, hold ? WorkResult.Held : WorkResult.Unchanged, state), null, attempt - 1, null);
            }

            var fullOutbox = outbox.Concat(fresh).ToList();
            var recorded = new Dictionary<string, ETag>(StringComparer.Ordinal);
            if (changed)
            {
                // Everything that must survive the state is written before it: ledger rows, timer-index rows, and a marker
                // that tells the sweep to finish the outbox if this run dies after saving.
                var rows = fresh.OfType<WakeAt>().Select(wake => new DueTimer(state.CustomerId, state.EnrollmentId, wake.Token, wake.At)).ToList();
                if (fullOutbox.Any(c => c is SendCommand))
                {
                    rows.Add(new DueTimer(state.CustomerId, state.EnrollmentId, DueTimer.OutboxToken, now + _options.SweepGrace));
                }

                var outcome = new WorkOutcome(work.EnrollmentId, hold ? WorkResult.Held : WorkResult.Decided, decision.State) { Created = stored is null };
                var pending = new CarryOut(index, state.CustomerId, state.EnrollmentId, default, fullOutbox, hold, status == ScenarioStatus.Stopped, recorded, layout);
                if (batched)
                {
                    IReadOnlyList<TableTransactionAction> companions =
                    [
                        .. assumeNew ? [EnrollmentStore.AddGuard(state.CustomerId, state.ScenarioId, state.EnrollmentId, now)] : Array.Empty<TableTransactionAction>(),
                        .. reserved!.Values.Where(r => r.Changed).Select(r => SendCounters.Write(r.Counter)),
                    ];
                    return (null, null, 0, new Deferred(rows, decision.State, etag, outcome, pending, now) { ToRecord = [.. fresh.OfType<SendCommand>()], Companions = companions });
                }

                foreach (var send in fresh.OfType<SendCommand>())
                {
                    if (await ledger.RecordNewAsync(send, now, layout == EnrollmentLayout.CustomerPartitions, cancellationToken).ConfigureAwait(false) is { } inserted)
                    {
                        recorded[send.IdempotencyKey] = inserted;
                    }
                }

                if (defer && attempt == 1)
                {
                    return (null, null, 0, new Deferred(rows, decision.State, etag, outcome, pending, now));
                }

                foreach (var row in rows)
                {
                    await timers.IndexAsync(row, cancellationToken).ConfigureAwait(false);
                }

                await probe.ReachedAsync(EngineStage.LedgerWritten, cancellationToken).ConfigureAwait(false);
                var saved = await enrollments.SaveAsync(decision.State, fullOutbox, etag, layout, cancellationToken).ConfigureAwait(false);
                if (saved is null)
                {
                    if (attempt >= MaxAttempts)
                    {
                        throw new InvalidOperationException($"Enrollment {state.EnrollmentId} lost {attempt} write races in a row.");
                    }

                    LogConflict(logger, state.EnrollmentId, attempt);
                    continue;
                }

                etag = saved;
                Interlocked.Increment(ref _saves);
                await probe.ReachedAsync(EngineStage.StateSaved, cancellationToken).ConfigureAwait(false);
            }

            var result = hold ? WorkResult.Held : changed ? WorkResult.Decided : WorkResult.Unchanged;
            return (new WorkOutcome(work.EnrollmentId, result, decision.State) { Created = stored is null && changed }, new CarryOut(index, state.CustomerId, state.EnrollmentId, etag!.Value, fullOutbox, hold, status == ScenarioStatus.Stopped, recorded, layout), attempt - 1, null);
        }
    }

    /// <summary>
    /// The router checks the entry rules on what it read, so two triggers routed at the same instant both pass them.
    /// The guard row in the customer's partition closes that gap: a start must hold it before its enrollment is
    /// written. It is free when absent, when this enrollment holds it already (a retried start), when its holder has
    /// completed and the re-entry policy lets the customer in again, or when its holder was never written (a start
    /// that died between the guard and the save) and the lease is over.
    /// </summary>
    private async Task<bool> TakeEntryGuardAsync(string customerId, string enrollmentId, ScenarioDefinition definition, EnrollmentLayout layout, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var now = time.GetUtcNow();
            var guard = await enrollments.GetGuardAsync(customerId, definition.Id, layout, cancellationToken).ConfigureAwait(false);
            if (guard?.Holder == enrollmentId)
            {
                return true;
            }

            if (guard is not null)
            {
                var holder = await enrollments.GetAsync(customerId, guard.Holder, layout, cancellationToken).ConfigureAwait(false);
                var verdict = holder is null
                    ? now - guard.TakenAt >= GuardLease ? EntryVerdict.Enter : EntryVerdict.StillActive
                    : EnrollmentPolicy.Reentry(definition, [new PriorEnrollment(guard.Holder, holder.State.EnrolledAt, holder.State.IsCompleted)], now);
                if (verdict != EntryVerdict.Enter)
                {
                    LogGuardHeld(logger, enrollmentId, guard.Holder, verdict);
                    return false;
                }
            }

            if (await enrollments.TakeGuardAsync(customerId, definition.Id, enrollmentId, now, guard?.ETag, layout, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<CustomerProfile> ProfileAsync(string customerId, CancellationToken cancellationToken) =>
        // An enrollment of a customer since merged into another acts for the survivor (its contact, consent, state).
        (await customers.GetActiveAsync(customerId, cancellationToken).ConfigureAwait(false))?.ToProfile()
        ?? new CustomerProfile { CustomerId = customerId, State = CustomerState.Erased };

    /// <summary>
    /// A send over the customer's cap for its channel and period is turned into a failure of that channel, so the
    /// decider falls back to the next channel of the step (or moves on) exactly as for a bounce. With
    /// <paramref name="reserved"/> the counters are read (not for a new enrollment: it assumes none) and the
    /// reservations collected there, to be written with the state; otherwise each is reserved at once.
    /// </summary>
    private async Task<ScenarioDecision> ApplyFrequencyCapAsync(ScenarioDefinition definition, ScenarioDecision decision, ScenarioContext context, DateTimeOffset now, bool newEnrollment, Dictionary<(Channel, string), (SendCounter Counter, bool Changed)>? reserved, CancellationToken cancellationToken)
    {
        var cap = _options.FrequencyCap;
        for (var round = 0; round < 8; round++)
        {
            SendCommand? capped = null;
            foreach (var send in decision.Commands.OfType<SendCommand>())
            {
                if (cap.Limit(send.Channel) is not { } limit)
                {
                    continue;
                }

                var period = cap.PeriodKey(send.NotBefore ?? now, shop);
                if (reserved is null)
                {
                    if (!await counters.TryReserveAsync(send.CustomerId, send.Channel, period, limit, send.IdempotencyKey, newEnrollment, cancellationToken).ConfigureAwait(false))
                    {
                        capped = send;
                        break;
                    }

                    continue;
                }

                if (!reserved.TryGetValue((send.Channel, period), out var counter))
                {
                    counter = (newEnrollment ? new SendCounter(send.CustomerId, send.Channel, period, [], null) : await counters.ReadAsync(send.CustomerId, send.Channel, period, cancellationToken).ConfigureAwait(false), false);
                }

                if (!counter.Counter.Keys.Contains(send.IdempotencyKey))
                {
                    if (counter.Counter.Keys.Count >= limit)
                    {
                        reserved[(send.Channel, period)] = counter;
                        capped = send;
                        break;
                    }

                    counter = (counter.Counter with { Keys = [.. counter.Counter.Keys, send.IdempotencyKey] }, true);
                }

                reserved[(send.Channel, period)] = counter;
            }

            if (capped is null)
            {
                return decision;
            }

            LogCapped(logger, capped.EnrollmentId, capped.Channel);
            var next = ScenarioDecider.Decide(definition, decision.State, new SendFailed(capped.StepId, capped.Attempt, capped.Channel, "frequency-cap"), now, context);
            decision = new ScenarioDecision(next.State, [.. decision.Commands.Where(c => !ReferenceEquals(c, capped)), .. next.Commands]);
        }

        return decision;
    }

    private async Task<(int Queued, int Messages)> QueueSendsAsync(IReadOnlyList<CarryOut> carryOuts, ConcurrentDictionary<string, byte> busy, CancellationToken cancellationToken)
    {
        var sends = carryOuts.SelectMany(c => c.Outbox.OfType<SendCommand>()).DistinctBy(s => s.IdempotencyKey).ToList();
        var recorded = carryOuts.SelectMany(c => c.Recorded).DistinctBy(r => r.Key).ToDictionary(StringComparer.Ordinal);
        if (sends.Count == 0)
        {
            return (0, 0);
        }

        // A row this run inserted is claimed on the ETag of its insert without reading, the rows of a ledger bucket in one
        // transaction; a transaction that fails (another run touched a row) and every other row are claimed one by one.
        var now = time.GetUtcNow();
        var claimed = new ConcurrentBag<SendCommand>();
        var inBucket = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var known = sends.Where(s => recorded.TryGetValue(s.IdempotencyKey, out var e) && e != ETag.All).ToList();
        var claims = await TableBatches.SubmitAsync(ledger.Table, known.Select(s => (s, (IReadOnlyList<TableTransactionAction>)[SendLedger.Claim(s, recorded[s.IdempotencyKey], now)])), cancellationToken).ConfigureAwait(false);
        foreach (var c in claims.Where(c => c.Written))
        {
            claimed.Add(c.Item);
            inBucket.TryAdd(c.Item.IdempotencyKey, 0);
        }

        var oneByOne = claims.Where(c => !c.Written).Select(c => c.Item).Concat(sends.Except(known)).ToList();
        await Parallel.ForEachAsync(oneByOne, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (send, ct) =>
        {
            switch (await ledger.ClaimAsync(send, now, recorded.TryGetValue(send.IdempotencyKey, out var e) ? e : null, ct).ConfigureAwait(false))
            {
                case ClaimResult.Claimed:
                    claimed.Add(send);
                    break;
                case ClaimResult.Busy:
                    busy.TryAdd(send.IdempotencyKey, 0);
                    break;
            }
        }).ConfigureAwait(false);

        var batches = SendBatches.Plan(claimed, now);
        var messages = 0;
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            var delay = batch.Message.NotBefore is { } notBefore && notBefore > now ? Min(notBefore - now, ScenarioTimers.MaxDelay) : TimeSpan.Zero;
            await _sendBatches.SendAsync(batch.Message, delay, ct).ConfigureAwait(false);
            Interlocked.Increment(ref messages);
        }).ConfigureAwait(false);

        await probe.ReachedAsync(EngineStage.SendsQueued, cancellationToken).ConfigureAwait(false);
        var marks = batches.SelectMany(b => b.Sends.Select(s => (Send: s, b.Message.BatchId))).ToList();
        var marked = await TableBatches.SubmitAsync(ledger.Table, marks.Where(m => inBucket.ContainsKey(m.Send.IdempotencyKey)).Select(m => (m, (IReadOnlyList<TableTransactionAction>)[SendLedger.MarkQueued(m.Send, m.BatchId, now)])), cancellationToken).ConfigureAwait(false);
        var rest = marked.Where(m => !m.Written).Select(m => m.Item).Concat(marks.Where(m => !inBucket.ContainsKey(m.Send.IdempotencyKey))).ToList();
        await Parallel.ForEachAsync(rest, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken }, async (m, ct) =>
            await ledger.MarkQueuedAsync(m.Send, m.BatchId, now, ct).ConfigureAwait(false)).ConfigureAwait(false);

        return (claimed.Count, messages);
    }

    private async Task<int> ScheduleWakeupsAsync(IReadOnlyList<CarryOut> carryOuts, CancellationToken cancellationToken)
    {
        var wakeups = carryOuts.SelectMany(c => c.Outbox.OfType<WakeAt>().Select(w => new WakeupMessage { CustomerId = c.CustomerId, EnrollmentId = c.EnrollmentId, Token = w.Token, DueAt = w.At }))
            .DistinctBy(w => w.Token).ToList();
        await timers.ScheduleManyAsync(wakeups, cancellationToken).ConfigureAwait(false);
        return wakeups.Count;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Enrollment {EnrollmentId} lost a write race (attempt {Attempt}); re-reading and deciding again")]
    private static partial void LogConflict(ILogger logger, string enrollmentId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enrollment {EnrollmentId} not started: {Holder} holds the entry guard ({Verdict})")]
    private static partial void LogGuardHeld(ILogger logger, string enrollmentId, string holder, EntryVerdict verdict);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enrollment {EnrollmentId}: {Channel} send over the frequency cap, treated as a failed channel")]
    private static partial void LogCapped(ILogger logger, string enrollmentId, Channel channel);
}
