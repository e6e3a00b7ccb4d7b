using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// Segment definitions (PK <c>definition</c>, RK id, the JSON) and each segment's last evaluated membership
/// (PK <c>m-{id}</c>, RK customer id), which the daily run diffs into segment.enter / segment.exit.
/// </summary>
public sealed class SegmentStore(StorageClients clients)
{
    private const string DefinitionPartition = "definition";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Segments);

    private static string MembershipPartition(string segmentId) => "m-" + TableKeys.Escape(segmentId);

    public async Task PutAsync(SegmentDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await _table.UpsertEntityAsync(new TableEntity(DefinitionPartition, TableKeys.Escape(definition.Id)) { ["Definition"] = SegmentJson.Write(definition) }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SegmentDefinition?> GetAsync(string segmentId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(DefinitionPartition, TableKeys.Escape(segmentId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? SegmentJson.Parse(row.Value!.GetString("Definition")).Definition : null;
    }

    /// <summary>Every stored definition, by id (a shop keeps tens of them, not thousands).</summary>
    public async Task<IReadOnlyList<SegmentDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<SegmentDefinition>();
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == DefinitionPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (SegmentJson.Parse(e.GetString("Definition")).Definition is { } definition)
            {
                list.Add(definition);
            }
        }

        return list;
    }

    public async Task<HashSet<string>> MembersAsync(string segmentId, CancellationToken cancellationToken)
    {
        var members = new HashSet<string>(StringComparer.Ordinal);
        var pk = MembershipPartition(segmentId);
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            members.Add(TableKeys.Unescape(e.RowKey));
        }

        return members;
    }

    public async Task ApplyAsync(string segmentId, IReadOnlyList<SegmentChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var pk = MembershipPartition(segmentId);
        foreach (var chunk in changes.Chunk(100))
        {
            var actions = chunk.Select(c => c.Kind == SegmentChangeKind.Enter
                ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, TableKeys.Escape(c.CustomerId)) { ["Since"] = c.At })
                : new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, TableKeys.Escape(c.CustomerId)), ETag.All)).ToList();
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
    }
}

public sealed record TriggerRunReport(DateOnly Day, int Customers, int Enrolls, int SegmentEnters, int SegmentExits, int Broadcasts);

/// <summary>
/// The triggers no order carries: days since the last order, anniversaries, birthdays (once per shop day), segment
/// entry (the day's membership diffed against yesterday's) and broadcasts (once, when due). It does not start
/// enrollments itself: it publishes enroll events to <c>scenario-events</c>, so the router applies the same entry
/// rules and the work fans out over queue messages. Enrollment ids come from the shop day or the segment event, so a
/// re-run of the same day starts nobody twice.
/// </summary>
public sealed partial class ScenarioTriggerRunner(
    ScenarioStore scenarios,
    SegmentStore segments,
    CustomerStore customers,
    ProfileSnapshots snapshots,
    CustomerPredictionStore predictions,
    ScenarioEventPublisher publisher,
    ShopTime shop,
    TimeProvider time,
    ILogger<ScenarioTriggerRunner> logger,
    ShopCurrency? shopCurrency = null)
{
    public async Task<TriggerRunReport> RunDailyAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = shop.Today(now);
        var active = await scenarios.ActiveDefinitionsAsync(cancellationToken).ConfigureAwait(false);
        var daily = active.Where(d => d.Trigger is DaysSinceLastOrderTrigger or FirstOrderAnniversaryTrigger or BirthdayTrigger).ToList();
        var segmentTriggered = active.Where(d => d.Trigger is SegmentEntryTrigger).ToList();
        if (daily.Count == 0 && segmentTriggered.Count == 0)
        {
            return new TriggerRunReport(today, 0, 0, 0, 0, 0);
        }

        var profiles = await LoadProfilesAsync(daily.Any(d => d.Trigger is BirthdayTrigger), cancellationToken).ConfigureAwait(false);
        var events = new List<ScenarioEventItem>();
        var dayKey = "day:" + today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var byScenario = daily.ToDictionary(d => d.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            foreach (var definition in daily.Where(d => ScenarioTriggers.MatchesDay(d.Trigger!, profile, today, shop)))
            {
                byScenario[definition.Id].Add(profile.CustomerId);
            }
        }

        // A day's enrollments of one scenario share its trigger key: they go as enroll groups of 500 customers per
        // message, so each router run starts a full batch (its rows in a few transactions, its sends in one message).
        int enters = 0, exits = 0, enrolls = 0;
        foreach (var (scenarioId, customerIds) in byScenario)
        {
            await publisher.PublishEnrollmentsAsync(scenarioId, dayKey, customerIds, cancellationToken).ConfigureAwait(false);
            enrolls += customerIds.Count;
        }

        var dayStart = shop.At(today, TimeOnly.MinValue);
        IReadOnlyList<CustomerProfile>? predicted = null;
        foreach (var segmentId in segmentTriggered.Select(d => ((SegmentEntryTrigger)d.Trigger!).SegmentId).Distinct(StringComparer.Ordinal))
        {
            if (await segments.GetAsync(segmentId, cancellationToken).ConfigureAwait(false) is not { } segment)
            {
                LogMissingSegment(logger, segmentId);
                continue;
            }

            var previous = await segments.MembersAsync(segmentId, cancellationToken).ConfigureAwait(false);
            var audience = segment.Rule.ReadsPredictions()
                ? predicted ??= await WithPredictionsAsync(profiles, today, cancellationToken).ConfigureAwait(false)
                : profiles;
            var current = SegmentEvaluator.Members(segment.Rule, audience, new SegmentContext(now, shop) { Currency = (shopCurrency ?? ShopCurrency.Default).Code });
            var changes = SegmentChanges.Diff(segmentId, previous, current, dayStart);
            var entered = changes.Where(c => c.Kind == SegmentChangeKind.Enter).ToList();
            foreach (var definition in segmentTriggered.Where(d => ((SegmentEntryTrigger)d.Trigger!).SegmentId == segmentId))
            {
                events.AddRange(entered.Where(c => ScenarioTriggers.MatchesSegmentEntry(definition.Trigger!, c)).Select(c => Enroll(definition.Id, c.CustomerId, "segment:" + c.EventId)));
            }

            // Events first, membership after: a crash in between re-emits the same enrollment ids (the day's event ids) on the re-run.
            enrolls += events.Count;
            await publisher.PublishAsync(events, cancellationToken).ConfigureAwait(false);
            events.Clear();
            await segments.ApplyAsync(segmentId, changes, cancellationToken).ConfigureAwait(false);
            enters += entered.Count;
            exits += changes.Count - entered.Count;
        }

        enrolls += events.Count;
        await publisher.PublishAsync(events, cancellationToken).ConfigureAwait(false);
        LogDaily(logger, today, profiles.Count, enrolls, enters, exits);
        return new TriggerRunReport(today, profiles.Count, enrolls, enters, exits, 0);
    }

    /// <summary>Broadcasts whose time has come and that have not gone out: the segment's members now, once.</summary>
    public async Task<int> RunBroadcastsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = new List<(ScenarioDefinition Definition, BroadcastTrigger Trigger)>();
        foreach (var head in await scenarios.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (head is { Status: ScenarioStatus.Active, BroadcastAt: null }
                && await scenarios.GetDefinitionAsync(head.ScenarioId, head.ActiveVersion, cancellationToken).ConfigureAwait(false) is { Trigger: BroadcastTrigger b } definition
                && ScenarioTriggers.BroadcastDue(b, now))
            {
                due.Add((definition, b));
            }
        }

        if (due.Count == 0)
        {
            return 0;
        }

        var profiles = await LoadProfilesAsync(false, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<CustomerProfile>? predicted = null;
        var total = 0;
        foreach (var (definition, trigger) in due)
        {
            if (await segments.GetAsync(trigger.SegmentId, cancellationToken).ConfigureAwait(false) is not { } segment)
            {
                LogMissingSegment(logger, trigger.SegmentId);
                continue;
            }

            var audience = segment.Rule.ReadsPredictions()
                ? predicted ??= await WithPredictionsAsync(profiles, shop.Today(now), cancellationToken).ConfigureAwait(false)
                : profiles;
            var members = SegmentEvaluator.Members(segment.Rule, audience, new SegmentContext(now, shop) { Currency = (shopCurrency ?? ShopCurrency.Default).Code }).ToList();
            await publisher.PublishEnrollmentsAsync(definition.Id, "broadcast", members, cancellationToken).ConfigureAwait(false);
            await scenarios.MarkBroadcastAsync(definition.Id, now, cancellationToken).ConfigureAwait(false);
            total += members.Count;
        }

        return total;
    }

    private async Task<List<CustomerProfile>> LoadProfilesAsync(bool withBirthdays, CancellationToken cancellationToken) =>
        withBirthdays
            ? await customers.ScanRecordsAsync(cancellationToken).Select(r => r.ToProfile()).ToListAsync(cancellationToken).ConfigureAwait(false)
            : [.. await snapshots.CurrentAsync(cancellationToken).ConfigureAwait(false)];

    /// <summary>The profiles with today's predictions attached, for segments on P(alive), churn risk or CLV.</summary>
    private async Task<IReadOnlyList<CustomerProfile>> WithPredictionsAsync(IReadOnlyList<CustomerProfile> profiles, DateOnly today, CancellationToken cancellationToken)
    {
        var set = await predictions.CurrentAsync(today, cancellationToken).ConfigureAwait(false);
        return [.. set.Attach(profiles)];
    }

    private static ScenarioEventItem Enroll(string scenarioId, string customerId, string triggerKey) =>
        new() { Kind = ScenarioEventKind.Enroll, CustomerId = customerId, ScenarioId = scenarioId, TriggerKey = triggerKey };

    [LoggerMessage(Level = LogLevel.Information, Message = "Daily scenario triggers for {Day}: {Customers} customers, {Enrolls} enroll events, segment {Enters} enters / {Exits} exits")]
    private static partial void LogDaily(ILogger logger, DateOnly day, int customers, int enrolls, int enters, int exits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Segment {SegmentId} is used by an active scenario but does not exist")]
    private static partial void LogMissingSegment(ILogger logger, string segmentId);
}
