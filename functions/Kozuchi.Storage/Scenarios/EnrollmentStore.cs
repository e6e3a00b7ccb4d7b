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
/// One stored enrollment: the decider's state, the commands decided but maybe not carried out yet (the outbox), and
/// the ETag it was read with. A null ETag means it has never been stored.
/// </summary>
public sealed record StoredEnrollment(EnrollmentState State, IReadOnlyList<ScenarioCommand> Outbox, ETag? ETag);

/// <summary>
/// Enrollments: PK = customer id (a customer's enrollments are read together when an order arrives), RK = enrollment id.
/// The state is JSON as the decider wrote it; scalar columns beside it (scenario, status, arm, outcome, revenue)
/// serve lists and results without parsing. Every write is conditional: Add for a new one, If-Match otherwise.
/// </summary>
public sealed class EnrollmentStore(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Enrollments);

    private static readonly string[] SummaryColumns =
        ["PartitionKey", "RowKey", "ScenarioId", "Version", "Status", "Arm", "HeldOut", "Outcome", "EnrolledAt", "CompletedAt", "ConversionAmount", "ConversionCurrency", "Sends", "SendChannels", "Held", "TimerToken", "TimerDue"];

    public static string Partition(string customerId) => TableKeys.Escape(customerId);

    /// <summary>
    /// Row keys of entry guards start with <c>~</c>: enrollment ids start with a scenario id (<c>[a-z0-9]</c>), so guards
    /// sort after every enrollment and a query for enrollments stops before them (<see cref="GuardPrefix"/>).
    /// </summary>
    public const string GuardPrefix = "~";

    /// <summary>
    /// <c>~scenario~customer</c>. The customer is already the partition; it is repeated in the row key because Azurite
    /// finds a row by its row key first and then filters on the partition, so a row key shared by every customer's guard
    /// (format 1, <c>~scenario</c>) made each guard read a scan of all guards of that scenario — 100,000 customers
    /// entering one scenario slowed quadratically. Format-1 guards are still found and updated where they are.
    /// </summary>
    public static string GuardRow(string customerId, string scenarioId) => GuardPrefix + scenarioId + GuardPrefix + TableKeys.Escape(customerId);

    private static string LegacyGuardRow(string scenarioId) => GuardPrefix + scenarioId;

    /// <summary>Enrollment rows of one partition, guards left out.</summary>
    private static string EnrollmentsOf(string customerId) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {Partition(customerId)} and RowKey lt {GuardPrefix}");

    /// <summary>The customer's entry guard for a scenario: which enrollment holds it, since when, and its ETag.</summary>
    public async Task<EntryGuard?> GetGuardAsync(string customerId, string scenarioId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(customerId), GuardRow(customerId, scenarioId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(customerId), LegacyGuardRow(scenarioId), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return row.HasValue && row.Value is { } e
            ? new EntryGuard(e.GetString("Holder"), e.GetDateTimeOffset("TakenAt") ?? default, e.ETag)
            : null;
    }

    /// <summary>
    /// Makes <paramref name="enrollmentId"/> the holder of the guard: insert-if-absent when <paramref name="etag"/> is
    /// null, else Replace If-Match. False when another start got there first.
    /// </summary>
    public async Task<bool> TakeGuardAsync(string customerId, string scenarioId, string enrollmentId, DateTimeOffset at, ETag? etag, CancellationToken cancellationToken)
    {
        // No ScenarioId column: scans of a scenario's enrollments filter on it and so never see a guard.
        var entity = new TableEntity(Partition(customerId), GuardRow(customerId, scenarioId)) { ["GuardOf"] = scenarioId, ["Holder"] = enrollmentId, ["TakenAt"] = at };
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
            catch (RequestFailedException e) when (e.Status == 404)
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

    public async Task<StoredEnrollment?> GetAsync(string customerId, string enrollmentId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(customerId), TableKeys.Escape(enrollmentId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>
    /// Writes the state and outbox: Add when <see cref="StoredEnrollment.ETag"/> is null, else Replace If-Match.
    /// Returns the new ETag, or null when another writer got there first (the caller reloads and decides again).
    /// </summary>
    public async Task<ETag?> SaveAsync(EnrollmentState state, IReadOnlyList<ScenarioCommand> outbox, ETag? etag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entity = ToEntity(state, outbox);
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

    /// <summary>Empties the outbox once its commands are carried out; losing the race is fine (the winner's outbox is drained by its own run).</summary>
    public async Task<bool> ClearOutboxAsync(string customerId, string enrollmentId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(Partition(customerId), TableKeys.Escape(enrollmentId)) { ["Outbox"] = "" }, etag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Every enrollment of one customer, and a guard for each scenario among them that has none: enrollments written
    /// before guards existed get one (held by the latest of them) the first time their partition is read, so from then
    /// on a concurrent start meets the guard. Insert-if-absent: a guard a start wrote meanwhile is newer and stays.
    /// </summary>
    public async Task<IReadOnlyList<EnrollmentSummary>> ForCustomerWithGuardsAsync(string customerId, CancellationToken cancellationToken)
    {
        var result = new List<EnrollmentSummary>();
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
                result.Add(Summary(e));
            }
        }

        foreach (var latest in result.Where(s => !guarded.Contains(s.ScenarioId)).GroupBy(s => s.ScenarioId, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(s => s.EnrolledAt).ThenByDescending(s => s.EnrollmentId, StringComparer.Ordinal).First()))
        {
            await TakeGuardAsync(customerId, latest.ScenarioId, latest.EnrollmentId, latest.EnrolledAt, null, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Every enrollment of one customer (one partition), summaries only.</summary>
    public async Task<IReadOnlyList<EnrollmentSummary>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var result = new List<EnrollmentSummary>();
        await foreach (var e in _table.QueryAsync<TableEntity>(EnrollmentsOf(customerId), select: SummaryColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(Summary(e));
        }

        return result;
    }

    /// <summary>Every enrollment of a scenario, across customers: results and stop. A scan filtered on a column, fine at a shop's size.</summary>
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

    private static TableEntity ToEntity(EnrollmentState state, IReadOnlyList<ScenarioCommand> outbox) => new(Partition(state.CustomerId), TableKeys.Escape(state.EnrollmentId))
    {
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

    private static StoredEnrollment FromEntity(TableEntity e)
    {
        var state = JsonSerializer.Deserialize<EnrollmentState>(e.GetString("State"), DefinitionJson.Options)
            ?? throw new JsonException($"Enrollment {e.RowKey} has no state.");
        var outboxJson = e.GetString("Outbox");
        IReadOnlyList<ScenarioCommand> outbox = string.IsNullOrEmpty(outboxJson) ? [] : JsonSerializer.Deserialize<List<ScenarioCommand>>(outboxJson, DefinitionJson.Options) ?? [];
        return new StoredEnrollment(state, outbox, e.ETag);
    }

    private static EnrollmentSummary Summary(TableEntity e) => new(
        TableKeys.Unescape(e.RowKey),
        TableKeys.Unescape(e.PartitionKey),
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
