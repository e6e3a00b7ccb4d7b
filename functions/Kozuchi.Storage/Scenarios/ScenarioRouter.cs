using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Customers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kozuchi.Storage.Scenarios;

public sealed record RouteReport(int Events, int Started, int Delivered, int Skipped, EngineReport? Engine);

/// <summary>
/// Routes <c>scenario-events</c>: an order starts the active scenarios whose trigger matches (after the re-entry and
/// suppression rules) and reaches the customer's running enrollments; an enroll event starts one scenario. A
/// customer's events are applied in order, one round per event, so a second order in the same batch reaches the
/// enrollment the first one started.
/// </summary>
public sealed partial class ScenarioRouter(
    ScenarioStore scenarios,
    EnrollmentStore enrollments,
    CustomerStore customers,
    ScenarioEngine engine,
    TimeProvider time,
    IOptions<ScenarioEngineOptions> options,
    ILogger<ScenarioRouter> logger)
{
    /// <summary>The stop reason of an enrollment ended because its customer was merged into one running the same scenario.</summary>
    public const string MergedReason = "merged";

    /// <summary>A bound on the merge chain followed per event (the customer ledger follows at most 32 hops too).</summary>
    private const int MaxMergedCustomers = 32;

    public async Task<RouteReport> RouteAsync(IReadOnlyList<ScenarioEventItem> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var all = await scenarios.ListAsync(cancellationToken).ConfigureAwait(false);
        if (all.Count == 0)
        {
            // No scenario has ever been stored: no enrollment can exist and none can start.
            LogRouted(logger, events.Count, 0, 0, 0);
            return new RouteReport(events.Count, 0, 0, 0, null);
        }

        // Customers' rows of scenarios from before the bucket layout are read only while such a scenario exists.
        var legacy = all.Any(h => h.Layout == EnrollmentLayout.CustomerPartitions);
        var heads = await scenarios.ActiveAsync(all, cancellationToken).ConfigureAwait(false);
        var active = heads.Select(h => h.Definition).ToList();
        var guarded = heads.Where(h => h.Head.Guarded).Select(h => h.Head.ScenarioId).ToHashSet(StringComparer.Ordinal);
        var byCustomer = events.GroupBy(e => e.CustomerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        int started = 0, delivered = 0, skipped = 0;
        EngineReport? last = null;
        for (var round = 0; byCustomer.Values.Any(l => l.Count > round); round++)
        {
            var work = new List<EngineWork>();
            var onGuardStarts = new HashSet<string>(StringComparer.Ordinal);
            var gate = new object();
            var customersThisRound = byCustomer.Where(kv => kv.Value.Count > round).ToList();
            await Parallel.ForEachAsync(customersThisRound, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallelism, CancellationToken = cancellationToken }, async (kv, ct) =>
            {
                var record = await customers.GetAsync(kv.Key, ct).ConfigureAwait(false);
                var profile = record?.ToProfile();
                var item = kv.Value[round];

                // An enroll event for a guarded scenario reads nothing more: the engine's guard insert answers what the
                // customer's enrollments would (a running one, the re-entry policy, this very enrollment redelivered),
                // where the partition is a query (in the emulator, a scan of the whole table). A customer others were
                // merged into still has every partition read, so that duplicate runs are stopped.
                var onGuard = item is { Kind: ScenarioEventKind.Enroll, ScenarioId: { } sid } && guarded.Contains(sid) && record is { Merges.Count: 0 };
                var existing = onGuard ? [] : await EnrollmentsOfAsync(kv.Key, record, legacy, ct).ConfigureAwait(false);
                var (w, s, d, k) = Route(item, profile, existing, active);
                lock (gate)
                {
                    work.AddRange(w);
                    if (onGuard)
                    {
                        onGuardStarts.UnionWith(w.Where(x => x.Start is not null).Select(x => x.EnrollmentId));
                    }

                    (started, delivered, skipped) = (started + s, delivered + d, skipped + k);
                }
            }).ConfigureAwait(false);

            if (work.Count > 0)
            {
                last = await engine.ProcessAsync(work, cancellationToken).ConfigureAwait(false);

                // A start the entry guard refused (a concurrent trigger won) did not enter after all.
                var refused = last.Outcomes.Count(o => o.Result == WorkResult.NotEntered);
                (started, skipped) = (started - refused, skipped + refused);

                // A start decided on the guard alone that found its enrollment written already was a redelivery.
                started -= last.Outcomes.Count(o => onGuardStarts.Contains(o.EnrollmentId) && o.Result != WorkResult.NotEntered && !o.Created);
            }
        }

        LogRouted(logger, events.Count, started, delivered, skipped);
        return new RouteReport(events.Count, started, delivered, skipped, last);
    }

    private (List<EngineWork> Work, int Started, int Delivered, int Skipped) Route(ScenarioEventItem item, CustomerProfile? profile, IReadOnlyList<EnrollmentSummary> existing, IReadOnlyList<ScenarioDefinition> active)
    {
        var now = time.GetUtcNow();
        var work = new List<EngineWork>();
        int started = 0, skipped = 0;
        var running = existing.Where(e => e.Status != EnrollmentStatus.Completed).ToList();

        // Two people who turned out to be one must not run a scenario twice: the older enrollment goes on, the newer stops.
        var merged = running.GroupBy(e => e.ScenarioId, StringComparer.Ordinal)
            .Where(g => g.Select(e => e.CustomerId).Distinct(StringComparer.Ordinal).Count() > 1)
            .SelectMany(g => g.OrderBy(e => e.EnrolledAt).ThenBy(e => e.EnrollmentId, StringComparer.Ordinal).Skip(1))
            .ToList();
        work.AddRange(merged.Select(e => new EngineWork(e.CustomerId, e.EnrollmentId, new Stopped(MergedReason))));
        running = [.. running.Except(merged)];
        ScenarioEvent? delivery = item.Kind switch
        {
            ScenarioEventKind.OrderPlaced when item is { OrderId: { } id, At: { } at } => new OrderPlaced(id, item.Amount ?? 0, item.Products ?? [], at, item.Currency),
            ScenarioEventKind.OrderCancelled when item.OrderId is { } id => new OrderCancelled(id),
            ScenarioEventKind.LineFollowed => new LineFollowed(item.At ?? now),
            _ => null,
        };
        if (delivery is not null)
        {
            work.AddRange(running.Select(e => new EngineWork(e.CustomerId, e.EnrollmentId, delivery)));
        }

        if (profile is null)
        {
            return (work, 0, work.Count, 1);
        }

        IEnumerable<(ScenarioDefinition Definition, string TriggerKey, string? OrderId)> candidates = item.Kind switch
        {
            // History (imports, replays) must not start step mails: only recent orders trigger.
            ScenarioEventKind.OrderPlaced when item.At is { } at && now - at <= options.Value.OrderTriggerWindow =>
                active.Where(d => MatchesOrder(d.Trigger, item, profile)).Select(d => (d, "order:" + item.OrderId, item.OrderId)),
            ScenarioEventKind.Enroll when item is { ScenarioId: { } sid, TriggerKey: { } key } =>
                active.Where(d => d.Id == sid).Select(d => (d, key, (string?)null)),
            _ => [],
        };
        var checkoutId = item.Kind == ScenarioEventKind.Enroll ? item.CheckoutId : null;
        foreach (var (definition, triggerKey, orderId) in candidates)
        {
            var enrollmentId = ScenarioIds.Enrollment(definition.Id, profile.CustomerId, triggerKey);
            var prior = existing.Where(e => e.ScenarioId == definition.Id).Select(e => new PriorEnrollment(e.EnrollmentId, e.EnrolledAt, e.Status == EnrollmentStatus.Completed)).ToList();
            var verdict = EnrollmentPolicy.CanEnter(definition, profile, enrollmentId, prior, now);
            if (verdict is EntryVerdict.Enter or EntryVerdict.AlreadyEnrolled)
            {
                // An enrollment that exists already gets Started again: a no-op for the decider, but it finishes an outbox a crashed start left.
                work.Add(new EngineWork(profile.CustomerId, enrollmentId, new Started(), new EnrollmentStart(definition.Id, definition.Version, now, orderId, checkoutId) { Profile = profile }));
                started += verdict == EntryVerdict.Enter ? 1 : 0;
            }
            else
            {
                skipped++;
                LogNotEntered(logger, definition.Id, verdict);
            }
        }

        return (work, started, delivery is null ? 0 : running.Count, skipped);
    }

    /// <summary>
    /// The customer's enrollments and those of every customer merged into it (following merges of merges): an
    /// enrollment stays in the partition it started under, so after a merge the survivor's events must look there too.
    /// </summary>
    private async Task<IReadOnlyList<EnrollmentSummary>> EnrollmentsOfAsync(string customerId, CustomerRecord? record, bool legacy, CancellationToken cancellationToken)
    {
        var all = new List<EnrollmentSummary>(await enrollments.ForCustomerWithGuardsAsync(customerId, legacy, cancellationToken).ConfigureAwait(false));
        var seen = new HashSet<string>(StringComparer.Ordinal) { customerId };
        var pending = new Queue<string>(record?.Merges.Select(m => m.MergedCustomerId) ?? []);
        while (pending.TryDequeue(out var mergedId))
        {
            if (!seen.Add(mergedId) || seen.Count > MaxMergedCustomers)
            {
                continue;
            }

            all.AddRange(await enrollments.ForCustomerWithGuardsAsync(mergedId, legacy, cancellationToken).ConfigureAwait(false));
            var mergedRecord = await customers.GetAsync(mergedId, cancellationToken).ConfigureAwait(false);
            foreach (var m in mergedRecord?.Merges ?? [])
            {
                pending.Enqueue(m.MergedCustomerId);
            }
        }

        return all;
    }

    private static bool MatchesOrder(ScenarioTrigger? trigger, ScenarioEventItem item, CustomerProfile profile) => trigger switch
    {
        // The ingest flag, or (for a re-published order) the customer's only counted order being this one.
        FirstOrderTrigger => item.IsFirstOrder || (profile.Frequency == 1 && profile.FirstOrderAt == item.At),
        null => false,
        _ => ScenarioTriggers.MatchesOrder(trigger, profile, item.Products ?? []),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Routed {Events} scenario events: {Started} enrollments started, {Delivered} deliveries, {Skipped} not entered")]
    private static partial void LogRouted(ILogger logger, int events, int started, int delivered, int skipped);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scenario {ScenarioId}: customer not entered ({Verdict})")]
    private static partial void LogNotEntered(ILogger logger, string scenarioId, EntryVerdict verdict);
}
