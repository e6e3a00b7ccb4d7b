using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Segments;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Scenarios;

/// <summary>How many of the audience had one reason (<see cref="AudienceReasons"/>, plus <c>next-run</c>: will enter on the trigger's next run).</summary>
public sealed record AudienceReasonCount(string Reason, int Count);

/// <summary>
/// A customer of the audience as the builder lists them: the name (what a manager reads; the dashboard masks it on
/// request), figures, and why (or whether) they enter.
/// </summary>
public sealed record AudienceMember(string CustomerId, int Frequency, decimal Monetary, string Currency, DateTimeOffset? LastOrderAt, IReadOnlyList<string> Reachable, string Reason)
{
    public string? Name { get; init; }
}

/// <summary>For event triggers (orders, carts): how many such events the shop had in the last <see cref="Days"/> days, a pace to expect.</summary>
public sealed record AudienceEstimate(int Days, int Customers);

/// <summary>
/// Who a scenario's trigger reaches now and what becomes of them. <see cref="Kind"/>: <c>segment</c> (broadcast and
/// segment entry: the segment's members now), <c>daily</c> (days since the last order, anniversaries, birthdays: the
/// customers today's run matches), <c>event</c> (orders and carts: no one now, <see cref="Estimate"/> instead).
/// <see cref="Candidates"/> splits into <see cref="Reasons"/>; <see cref="Entered"/> counts an existing scenario's
/// enrollments (some of whom may have left the segment since).
/// </summary>
public sealed record ScenarioAudience(
    string Kind,
    string? SegmentId,
    string? SegmentName,
    bool SegmentMissing,
    DateOnly AsOf,
    int Candidates,
    int Enter,
    int Holdout,
    IReadOnlyList<AudienceReasonCount> Reasons,
    IReadOnlyList<AudienceMember> Sample,
    AudienceEstimate? Estimate,
    long? Entered);

/// <summary>
/// The audience of a scenario definition: who its trigger reaches now, who of them would enter (and land in the
/// holdout), and why the others would not — no channel reaching them, no consent, unsubscribed, already taken part —
/// by the engine's own entry rules (<see cref="EnrollmentGaps"/>). For a scenario that runs, its enrollments say who
/// did enter, so the page can explain "12 in the segment, 5 entered" with the 7's reasons.
/// </summary>
public sealed class ScenarioAudiences(SegmentStore segments, SegmentService members, ProfileSnapshots snapshots, CustomerStore customers, EnrollmentStore enrollments, ShopTime shop, TimeProvider time)
{
    public const int SampleSize = 20;
    public const int EstimateDays = 30;

    /// <summary>Will enter on the trigger's next run (a broadcast not sent yet, a segment entry not yet checked).</summary>
    public const string NextRun = "next-run";

    /// <summary>The audience of a definition not stored yet (the builder's preview): nobody has entered it.</summary>
    public Task<ScenarioAudience> PreviewAsync(ScenarioDefinition definition, CancellationToken cancellationToken) =>
        ExplainAsync(definition, null, null, cancellationToken);

    /// <summary>
    /// The audience of a stored scenario with its enrollments: who entered, and why the others of the audience did not.
    /// <paramref name="broadcastAt"/> is when its broadcast went out (null: not yet).
    /// </summary>
    public async Task<ScenarioAudience> ExplainAsync(ScenarioDefinition definition, string? scenarioId, DateTimeOffset? broadcastAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var now = time.GetUtcNow();
        var today = shop.Today(now);
        var byCustomer = new Dictionary<string, List<EnrollmentSummary>>(StringComparer.Ordinal);
        long? entered = null;
        if (scenarioId is not null)
        {
            await foreach (var e in enrollments.ForScenarioAsync(scenarioId, activeOnly: false, cancellationToken))
            {
                if (!byCustomer.TryGetValue(e.CustomerId, out var list))
                {
                    byCustomer[e.CustomerId] = list = [];
                }

                list.Add(e);
            }

            entered = byCustomer.Values.Sum(l => (long)l.Count);
        }

        var trigger = definition.Trigger;
        if (TriggerTexts.IsEvent(trigger))
        {
            var profiles = await snapshots.CurrentAsync(cancellationToken);
            var since = now.AddDays(-EstimateDays);
            var estimate = trigger switch
            {
                FirstOrderTrigger => profiles.Count(p => p.State == CustomerState.Active && p.FirstOrderAt >= since),
                AnyOrderTrigger or ProductOrderTrigger => profiles.Count(p => p.State == CustomerState.Active && p.LastOrderAt >= since),
                _ => 0,
            };
            return new ScenarioAudience("event", null, null, false, today, 0, 0, 0, [], [], trigger is CartAbandonedTrigger ? null : new AudienceEstimate(EstimateDays, estimate), entered);
        }

        string kind;
        SegmentDefinition? segment = null;
        List<CustomerProfile> candidates;
        if (TriggerTexts.SegmentOf(trigger) is { } segmentId)
        {
            kind = "segment";
            segment = await segments.GetAsync(segmentId, cancellationToken);
            if (segment is null)
            {
                return new ScenarioAudience(kind, segmentId, null, true, today, 0, 0, 0, [], [], null, entered);
            }

            // The segment's members as the segment API and the daily run see them (predictions attached when the rule reads them).
            candidates = (await members.MembersAsync(segment.Rule, cancellationToken)).Members;
        }
        else if (TriggerTexts.IsDaily(trigger))
        {
            kind = "daily";
            var profiles = trigger is BirthdayTrigger
                ? await customers.ScanRecordsAsync(cancellationToken).Select(r => r.ToProfile()).ToListAsync(cancellationToken)
                : [.. await snapshots.CurrentAsync(cancellationToken)];
            candidates = [.. profiles.Where(p => ScenarioTriggers.MatchesDay(trigger!, p, today, shop))];
        }
        else
        {
            return new ScenarioAudience("none", null, null, false, today, 0, 0, 0, [], [], null, entered);
        }

        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var sample = new List<AudienceMember>();
        foreach (var p in candidates.OrderBy(p => p.CustomerId, StringComparer.Ordinal))
        {
            var reason = Reason(definition, p, byCustomer.GetValueOrDefault(p.CustomerId), scenarioId is not null, broadcastAt, now);
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            if (sample.Count < SampleSize && reason is AudienceReasons.Enters or AudienceReasons.Holdout or NextRun)
            {
                sample.Add(new AudienceMember(p.CustomerId, p.Frequency, p.Monetary, p.Currency, p.LastOrderAt,
                    [.. Enum.GetValues<Channel>().Where(p.Reachability.CanReach).Select(c => c.Code())], reason));
            }
        }

        // Names by point reads of the sample's rows only.
        var names = await customers.NamesAsync([.. sample.Select(m => m.CustomerId)], cancellationToken);
        sample = [.. sample.Select((m, i) => m with { Name = names[i] })];
        var enter = reasons.GetValueOrDefault(AudienceReasons.Enters) + reasons.GetValueOrDefault(AudienceReasons.FrequencyCap) + reasons.GetValueOrDefault(NextRun);
        return new ScenarioAudience(kind, segment?.Id, segment?.Name, false, today, candidates.Count, enter, reasons.GetValueOrDefault(AudienceReasons.Holdout),
            [.. reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => new AudienceReasonCount(r.Key, r.Value))],
            sample, null, entered);
    }

    private static string Reason(ScenarioDefinition definition, CustomerProfile p, List<EnrollmentSummary>? mine, bool stored, DateTimeOffset? broadcastAt, DateTimeOffset now)
    {
        if (stored && mine is { Count: > 0 })
        {
            // Entered: the newest enrollment says how it went (daily triggers: one that started today).
            var last = mine.MaxBy(e => e.EnrolledAt)!;
            if (definition.Trigger is not (DaysSinceLastOrderTrigger or FirstOrderAnniversaryTrigger or BirthdayTrigger) || last.EnrolledAt >= now.AddDays(-1))
            {
                return last.HeldOut ? AudienceReasons.Holdout : last.Held.FrequencyCapped > 0 ? AudienceReasons.FrequencyCap : AudienceReasons.Enters;
            }
        }

        var prior = (mine ?? []).Select(e => new PriorEnrollment(e.EnrollmentId, e.EnrolledAt, e.Status == EnrollmentStatus.Completed)).ToList();
        var reason = EnrollmentGaps.Classify(definition, p, prior, now);
        if (!stored || reason is not (AudienceReasons.Enters or AudienceReasons.Holdout))
        {
            return reason;
        }

        // Reachable and not enrolled in a running scenario: a broadcast already sent missed them (they joined the
        // segment after it); otherwise the next run enrolls them.
        return definition.Trigger is BroadcastTrigger && broadcastAt is not null ? AudienceReasons.JoinedLater : NextRun;
    }
}
