using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// One stored enrollment: the decider's state, the commands decided but maybe not carried out yet (the outbox), the
/// ETag it was read with, and the layout it lives in (writes go back there). A null ETag means it has never been stored.
/// </summary>
public sealed record StoredEnrollment(EnrollmentState State, IReadOnlyList<ScenarioCommand> Outbox, ETag? ETag)
{
    public EnrollmentLayout Layout { get; init; } = EnrollmentLayout.Buckets;
}

/// <summary>Where a scenario's enrollments and entry guards are stored (<see cref="ScenarioHead.Layout"/>).</summary>
public enum EnrollmentLayout
{
    /// <summary>
    /// Scenarios created before bucketed partitions: PK = customer id, RK = enrollment id, and the guard
    /// <c>~{scenario}~{customer}</c> (format 1: <c>~{scenario}</c>) beside it. Read and written where they are.
    /// </summary>
    CustomerPartitions = 1,

    /// <summary>
    /// PK = <c>~</c> + the customer's hash bucket (<see cref="TableKeys.Bucket(string)"/>, the bucket of its customer row), RK
    /// = <c>{customer}|{enrollment}</c>, the guard <c>{customer}|~g~{scenario}</c> and the frequency counters
    /// <c>{customer}|~c~{channel}:{period}</c> beside it: a batch of 500 customers lands in 16 partitions, so their
    /// rows are written in a few entity group transactions, and a customer's rows are one contiguous range.
    /// </summary>
    Buckets = 2,
}

/// <summary>
/// Enrollments. The state is JSON as the decider wrote it; scalar columns beside it (scenario, status, arm, outcome,
/// revenue) serve lists and results without parsing. Every write is conditional: Add for a new one, If-Match
/// otherwise. Row keys are unique across partitions in both layouts (the customer is in every one), because Azurite
/// finds a row by its row key first and then filters on the partition.
/// </summary>
public sealed class EnrollmentStore(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Enrollments);

    public TableClient Table => _table;

    private static readonly string[] SummaryColumns =
        ["PartitionKey", "RowKey", "CustomerId", "EnrollmentId", "ScenarioId", "Version", "Status", "Arm", "HeldOut", "Outcome", "EnrolledAt", "CompletedAt", "ConversionAmount", "ConversionCurrency", "Sends", "SendChannels", "Held", "TimerToken", "TimerDue"];

    /// <summary>The partition of a customer's rows in <see cref="EnrollmentLayout.CustomerPartitions"/>.</summary>
    public static string Partition(string customerId) => TableKeys.Escape(customerId);

    /// <summary>The partition of a customer's rows in <see cref="EnrollmentLayout.Buckets"/>: <c>~p0a</c>.</summary>
    public static string BucketPartition(string customerId) => "~" + TableKeys.Bucket(customerId);

    /// <summary>A key part that may hold no <c>|</c> (the separator of bucket row keys) besides what <see cref="TableKeys.Escape"/> encodes.</summary>
    private static string Part(string value) => TableKeys.Escape(value).Replace("|", "%7C", StringComparison.Ordinal);

    /// <summary>Every row of one customer in its bucket starts with this.</summary>
    public static string CustomerPrefix(string customerId) => Part(customerId) + "|";

    /// <summary>What sorts after every row of a customer in its bucket (<c>|</c> + 1 = <c>}</c>).</summary>
    private static string CustomerEnd(string customerId) => Part(customerId) + "}";

    /// <summary>
    /// Row keys of entry guards (and counters) in a customer's bucket range start with <c>~</c> after the customer:
    /// enrollment ids start with a scenario id (<c>[a-z0-9]</c>), so they sort after every enrollment of the customer.
    /// </summary>
    public const string GuardPrefix = "~";

    public static (string Pk, string Rk) Where(string customerId, string enrollmentId, EnrollmentLayout layout) => layout == EnrollmentLayout.Buckets
        ? (BucketPartition(customerId), CustomerPrefix(customerId) + Part(enrollmentId))
        : (Partition(customerId), TableKeys.Escape(enrollmentId));

    /// <summary>
    /// <c>~scenario~customer</c> (<see cref="EnrollmentLayout.CustomerPartitions"/>). The customer is already the partition;
    /// it is repeated in the row key because Azurite finds a row by its row key first and then filters on the partition,
    /// so a row key shared by every customer's guard (format 1, <c>~scenario</c>) made each guard read a scan of all
    /// guards of that scenario — 100,000 customers entering one scenario slowed quadratically. Format-1 guards are
    /// still found and updated where they are.
    /// </summary>
    public static string GuardRow(string customerId, string scenarioId) => GuardPrefix + scenarioId + GuardPrefix + TableKeys.Escape(customerId);

    /// <summary>The guard's row in <see cref="EnrollmentLayout.Buckets"/>: <c>{customer}|~g~{scenario}</c>.</summary>
    public static string BucketGuardRow(string customerId, string scenarioId) => CustomerPrefix(customerId) + GuardPrefix + "g~" + scenarioId;

    private static string LegacyGuardRow(string scenarioId) => GuardPrefix + scenarioId;

    /// <summary>The customer's entry guard for a scenario: which enrollment holds it, since when, and its ETag.</summary>
    public async Task<EntryGuard?> GetGuardAsync(string customerId, string scenarioId, EnrollmentLayout layout, CancellationToken cancellationToken)
    {
        if (layout == EnrollmentLayout.Buckets)
        {
            return Guard(await _table.GetEntityIfExistsAsync<TableEntity>(BucketPartition(customerId), BucketGuardRow(customerId, scenarioId), cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(customerId), GuardRow(customerId, scenarioId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(customerId), LegacyGuardRow(scenarioId), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return Guard(row);
    }

    /// <summary>The guard in either layout (the bucket first): for callers that do not know the scenario's layout.</summary>
    public async Task<EntryGuard?> GetGuardAsync(string customerId, string scenarioId, CancellationToken cancellationToken) =>
        await GetGuardAsync(customerId, scenarioId, EnrollmentLayout.Buckets, cancellationToken).ConfigureAwait(false)
            ?? await GetGuardAsync(customerId, scenarioId, EnrollmentLayout.CustomerPartitions, cancellationToken).ConfigureAwait(false);

    private static EntryGuard? Guard(NullableResponse<TableEntity> row) => row.HasValue && row.Value is { } e
        ? new EntryGuard(e.GetString("Holder"), e.GetDateTimeOffset("TakenAt") ?? default, e.ETag)
        : null;

    /// <summary>The guard row as an entity group transaction adds it (insert-if-absent).</summary>
    public static TableTransactionAction AddGuard(string customerId, string scenarioId, string enrollmentId, DateTimeOffset at) =>
        new(TableTransactionActionType.Add, GuardEntity(customerId, scenarioId, enrollmentId, at, EnrollmentLayout.Buckets));

    // No ScenarioId column: scans of a scenario's enrollments filter on it and so never see a guard.
    private static TableEntity GuardEntity(string customerId, string scenarioId, string enrollmentId, DateTimeOffset at, EnrollmentLayout layout) => layout == EnrollmentLayout.Buckets
        ? new TableEntity(BucketPartition(customerId), BucketGuardRow(customerId, scenarioId)) { ["GuardOf"] = scenarioId, ["Holder"] = enrollmentId, ["TakenAt"] = at }
        : new TableEntity(Partition(customerId), GuardRow(customerId, scenarioId)) { ["GuardOf"] = scenarioId, ["Holder"] = enrollmentId, ["TakenAt"] = at };

    /// <summary>
    /// Makes <paramref name="enrollmentId"/> the holder of the guard: insert-if-absent when <paramref name="etag"/> is
    /// null, else Replace If-Match. False when another start got there first.
    /// </summary>
    public async Task<bool> TakeGuardAsync(string customerId, string scenarioId, string enrollmentId, DateTimeOffset at, ETag? etag, EnrollmentLayout layout, CancellationToken cancellationToken)
    {
        var entity = GuardEntity(customerId, scenarioId, enrollmentId, at, layout);
        try
        {
            if (etag is not { } tag)
            {
                await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                return true;
            }

            try
            {
                await _table.UpdateEntityAsync(entity, tag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404 && layout == EnrollmentLayout.CustomerPartitions)
            {
                // The guard that was read is a format-1 row: it stays the one guard of this customer and scenario.
                entity.RowKey = LegacyGuardRow(scenarioId);
                await _table.UpdateEntityAsync(entity, tag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task<StoredEnrollment?> GetAsync(string customerId, string enrollmentId, EnrollmentLayout layout, CancellationToken cancellationToken)
    {
        var (pk, rk) = Where(customerId, enrollmentId, layout);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromEntity(row.Value!) with { Layout = layout } : null;
    }

    /// <summary>The enrollment in either layout (the bucket first): for callers that do not know the scenario's layout.</summary>
    public async Task<StoredEnrollment?> GetAsync(string customerId, string enrollmentId, CancellationToken cancellationToken) =>
        await GetAsync(customerId, enrollmentId, EnrollmentLayout.Buckets, cancellationToken).ConfigureAwait(false)
            ?? await GetAsync(customerId, enrollmentId, EnrollmentLayout.CustomerPartitions, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The state and outbox as a transaction writes them: Add when <paramref name="etag"/> is null (a new enrollment),
    /// else Replace If-Match.
    /// </summary>
    public static TableTransactionAction Save(EnrollmentState state, IReadOnlyList<ScenarioCommand> outbox, ETag? etag, EnrollmentLayout layout) => etag is { } tag
        ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(state, outbox, layout), tag)
        : new TableTransactionAction(TableTransactionActionType.Add, ToEntity(state, outbox, layout));

    /// <summary>
    /// Writes the state and outbox: Add when <paramref name="etag"/> is null, else Replace If-Match. Returns the new
    /// ETag, or null when another writer got there first (the caller reloads and decides again).
    /// </summary>
    public async Task<ETag?> SaveAsync(EnrollmentState state, IReadOnlyList<ScenarioCommand> outbox, ETag? etag, EnrollmentLayout layout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entity = ToEntity(state, outbox, layout);
        try
        {
            var response = etag is { } tag
                ? await _table.UpdateEntityAsync(entity, tag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false)
                : await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>The outbox emptied, as a transaction writes it (Merge If-Match on the ETag of the save).</summary>
    public static TableTransactionAction ClearOutbox(string customerId, string enrollmentId, ETag etag, EnrollmentLayout layout)
    {
        var (pk, rk) = Where(customerId, enrollmentId, layout);
        return new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, rk) { ["Outbox"] = "" }, etag);
    }

    /// <summary>Empties the outbox once its commands are carried out; losing the race is fine (the winner's outbox is drained by its own run).</summary>
    public async Task<bool> ClearOutboxAsync(string customerId, string enrollmentId, ETag etag, EnrollmentLayout layout, CancellationToken cancellationToken)
    {
        var action = ClearOutbox(customerId, enrollmentId, etag, layout);
        try
        {
            await _table.UpdateEntityAsync(action.Entity, etag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Every enrollment of one customer. In the bucket layout it is one range of the customer's bucket (a range query:
    /// the customer's rows only). With <paramref name="legacy"/> also the customer's partition of the older layout, and a
    /// guard for each scenario found there that has none: enrollments written before guards existed get one (held by
    /// the latest of them) the first time their partition is read, so from then on a concurrent start meets the guard.
    /// Insert-if-absent: a guard a start wrote meanwhile is newer and stays.
    /// </summary>
    public async Task<IReadOnlyList<EnrollmentSummary>> ForCustomerWithGuardsAsync(string customerId, bool legacy, CancellationToken cancellationToken)
    {
        var result = new List<EnrollmentSummary>();
        var range = TableClient.CreateQueryFilter($"PartitionKey eq {BucketPartition(customerId)} and RowKey ge {CustomerPrefix(customerId)} and RowKey lt {CustomerPrefix(customerId) + GuardPrefix}");
        await foreach (var e in _table.QueryAsync<TableEntity>(range, select: SummaryColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(Summary(e));
        }

        if (!legacy)
        {
            return result;
        }

        var older = new List<EnrollmentSummary>();
        var guarded = new HashSet<string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition(customerId)}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: [.. SummaryColumns, "GuardOf"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey.StartsWith(GuardPrefix, StringComparison.Ordinal))
            {
                guarded.Add(e.GetString("GuardOf") ?? e.RowKey[GuardPrefix.Length..]);
            }
            else
            {
                older.Add(Summary(e));
            }
        }

        foreach (var latest in older.Where(s => !guarded.Contains(s.ScenarioId)).GroupBy(s => s.ScenarioId, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(s => s.EnrolledAt).ThenByDescending(s => s.EnrollmentId, StringComparer.Ordinal).First()))
        {
            await TakeGuardAsync(customerId, latest.ScenarioId, latest.EnrollmentId, latest.EnrolledAt, null, EnrollmentLayout.CustomerPartitions, cancellationToken).ConfigureAwait(false);
        }

        result.AddRange(older);
        return result;
    }

    /// <summary>Every enrollment of one customer in either layout, summaries only.</summary>
    public async Task<IReadOnlyList<EnrollmentSummary>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var result = new List<EnrollmentSummary>();
        string[] filters =
        [
            TableClient.CreateQueryFilter($"PartitionKey eq {BucketPartition(customerId)} and RowKey ge {CustomerPrefix(customerId)} and RowKey lt {CustomerPrefix(customerId) + GuardPrefix}"),
            TableClient.CreateQueryFilter($"PartitionKey eq {Partition(customerId)} and RowKey lt {GuardPrefix}"),
        ];
        foreach (var filter in filters)
        {
            await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: SummaryColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                result.Add(Summary(e));
            }
        }

        return result;
    }

    /// <summary>Every enrollment of a scenario, across customers and layouts: results and stop. A scan filtered on a column, fine at a shop's size.</summary>
    public async IAsyncEnumerable<EnrollmentSummary> ForScenarioAsync(string scenarioId, bool activeOnly, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = activeOnly
            ? TableClient.CreateQueryFilter($"ScenarioId eq {scenarioId} and Status ne {nameof(EnrollmentStatus.Completed)}")
            : TableClient.CreateQueryFilter($"ScenarioId eq {scenarioId}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: SummaryColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return Summary(e);
        }
    }

    private static TableEntity ToEntity(EnrollmentState state, IReadOnlyList<ScenarioCommand> outbox, EnrollmentLayout layout)
    {
        var (pk, rk) = Where(state.CustomerId, state.EnrollmentId, layout);
        return new TableEntity(pk, rk)
        {
            ["SchemaVersion"] = (int)layout,
            ["CustomerId"] = state.CustomerId,
            ["EnrollmentId"] = state.EnrollmentId,
            ["ScenarioId"] = state.ScenarioId,
            ["Version"] = state.DefinitionVersion,
            ["Status"] = state.Status.ToString(),
            ["Arm"] = state.Arm,
            ["HeldOut"] = state.HeldOut,
            ["Outcome"] = state.Outcome?.ToString(),
            ["EnrolledAt"] = state.EnrolledAt,
            ["CompletedAt"] = state.CompletedAt,
            ["ConversionAmount"] = state.ConversionAmount?.ToString(CultureInfo.InvariantCulture),
            ["ConversionCurrency"] = state.ConversionCurrency,
            ["Sends"] = state.Sends.Count(s => s.Status != SendStatus.Failed),
            ["SendChannels"] = string.Join(';', state.Sends.Where(s => s.Status != SendStatus.Failed).GroupBy(s => s.Channel).OrderBy(g => g.Key).Select(g => $"{g.Key.Code()}:{g.Count().ToString(CultureInfo.InvariantCulture)}")),
            ["Held"] = HeldColumn(state),
            ["TimerToken"] = state.Timer?.Token,
            ["TimerDue"] = state.Timer?.DueAt,
            ["State"] = JsonSerializer.Serialize(state, DefinitionJson.Options),
            ["Outbox"] = outbox.Count == 0 ? "" : JsonSerializer.Serialize(outbox, DefinitionJson.Options),
        };
    }

    private static StoredEnrollment FromEntity(TableEntity e)
    {
        var state = JsonSerializer.Deserialize<EnrollmentState>(e.GetString("State"), DefinitionJson.Options)
            ?? throw new JsonException($"Enrollment {e.RowKey} has no state.");
        var outboxJson = e.GetString("Outbox");
        IReadOnlyList<ScenarioCommand> outbox = string.IsNullOrEmpty(outboxJson) ? [] : JsonSerializer.Deserialize<List<ScenarioCommand>>(outboxJson, DefinitionJson.Options) ?? [];
        return new StoredEnrollment(state, outbox, e.ETag);
    }

    /// <summary>
    /// The summary of either layout's row: rows written with their <c>CustomerId</c> and <c>EnrollmentId</c> columns
    /// (every bucket row) read them; older rows are named by their keys (partition = customer, row = enrollment).
    /// </summary>
    private static EnrollmentSummary Summary(TableEntity e) => new(
        e.GetString("EnrollmentId") ?? TableKeys.Unescape(e.RowKey),
        e.GetString("CustomerId") ?? TableKeys.Unescape(e.PartitionKey),
        e.GetString("ScenarioId"),
        e.GetInt32("Version") ?? 0,
        Enum.Parse<EnrollmentStatus>(e.GetString("Status")),
        e.GetString("Arm"),
        e.GetBoolean("HeldOut") ?? false,
        e.GetString("Outcome") is { } o ? Enum.Parse<ScenarioOutcome>(o) : null,
        e.GetDateTimeOffset("EnrolledAt") ?? default,
        e.GetDateTimeOffset("CompletedAt"),
        e.GetString("ConversionAmount") is { } a ? decimal.Parse(a, CultureInfo.InvariantCulture) : null,
        e.GetInt32("Sends") ?? 0,
        e.GetString("TimerToken"),
        e.GetDateTimeOffset("TimerDue"),
        SendChannels(e.GetString("SendChannels")),
        e.GetString("ConversionCurrency"))
    {
        Held = HeldSends.Parse(e.GetString("Held")),
    };

    /// <summary>What the engine held back before anything was queued, for results (<c>frequency-cap:1;unreachable:0;quiet:2</c>).</summary>
    private static string? HeldColumn(EnrollmentState state)
    {
        var held = HeldSends.Of(state);
        return held == HeldSends.None ? null : held.ToString();
    }

    /// <summary>Sends per channel, from the column written with the state (<c>email:2;line:1</c>).</summary>
    private static IReadOnlyDictionary<Channel, int> SendChannels(string? column)
    {
        var counts = new Dictionary<Channel, int>();
        foreach (var part in (column ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            counts[SendLedger.ParseChannel(part[..colon])] = int.Parse(part[(colon + 1)..], CultureInfo.InvariantCulture);
        }

        return counts;
    }
}

/// <summary>
/// The per-(customer, scenario) entry guard: the enrollment that last started the scenario for the customer. A start
/// takes it (insert-if-absent, or If-Match over a holder the re-entry policy lets go), so of concurrent starts one enters.
/// </summary>
public sealed record EntryGuard(string Holder, DateTimeOffset TakenAt, ETag ETag);

/// <summary>An enrollment without its JSON: what lists, entry rules and results read.</summary>
public sealed record EnrollmentSummary(
    string EnrollmentId,
    string CustomerId,
    string ScenarioId,
    int Version,
    [property: JsonConverter(typeof(JsonStringEnumConverter<EnrollmentStatus>))] EnrollmentStatus Status,
    string? Arm,
    bool HeldOut,
    [property: JsonConverter(typeof(JsonStringEnumConverter<ScenarioOutcome>))] ScenarioOutcome? Outcome,
    DateTimeOffset EnrolledAt,
    DateTimeOffset? CompletedAt,
    decimal? ConversionAmount,
    int Sends,
    string? TimerToken,
    DateTimeOffset? TimerDue,
    IReadOnlyDictionary<Channel, int> SendsByChannel,
    string? ConversionCurrency = null)
{
    /// <summary>Sends the engine held back before queueing: over the frequency cap, no reachable channel, quiet-hours deferrals.</summary>
    public HeldSends Held { get; init; } = HeldSends.None;
}

/// <summary>
/// What an enrollment's engine held back and so never reached the ledger: sends failed for the frequency cap, send
/// steps that found no channel reaching the customer, and waits for quiet hours to end (deferrals, not losses).
/// </summary>
public sealed record HeldSends(int FrequencyCapped, int Unreachable, int QuietHours)
{
    public static HeldSends None { get; } = new(0, 0, 0);

    public static HeldSends Of(EnrollmentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(
            state.Sends.Count(s => s.Status == SendStatus.Failed && s.Reason == Kozuchi.Core.Channels.SendSuppression.FrequencyCap),
            state.History.Count(v => v.Note == "unreachable"),
            state.History.Count(v => v.Note == "quiet"));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"frequency-cap:{FrequencyCapped};unreachable:{Unreachable};quiet:{QuietHours}");

    public static HeldSends Parse(string? column)
    {
        if (string.IsNullOrEmpty(column))
        {
            return None;
        }

        var values = column.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':'))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0, StringComparer.Ordinal);
        return new(values.GetValueOrDefault("frequency-cap"), values.GetValueOrDefault("unreachable"), values.GetValueOrDefault("quiet"));
    }
}
