using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ScenarioStatus>))]
public enum ScenarioStatus
{
    /// <summary>Stored, not running: no enrollments start.</summary>
    Draft,

    Active,

    /// <summary>No new enrollments; timers wait and sends are held in the outboxes until resume.</summary>
    Paused,

    /// <summary>Running enrollments are ended as stopped; nothing more is sent.</summary>
    Stopped,
}

/// <summary>A scenario's status row: which version new enrollments start on, and one-off bookkeeping (broadcast done).</summary>
public sealed record ScenarioHead(string ScenarioId, ScenarioStatus Status, int LatestVersion, int ActiveVersion, string? Name, DateTimeOffset UpdatedAt, DateTimeOffset? BroadcastAt)
{
    /// <summary>Winners decided for auto-winner splits (split id → arm); once set, never changed.</summary>
    public IReadOnlyDictionary<string, string> Winners { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Every enrollment of the scenario has its customer's entry guard row: true for scenarios created since guards
    /// exist. The router then reads the guard (a point read) instead of the customer's partition to decide an entry;
    /// for older scenarios it reads the partition and backfills the guards it finds missing.
    /// </summary>
    public bool Guarded { get; init; }

    /// <summary>
    /// Where the scenario's enrollments and entry guards live: <see cref="EnrollmentLayout.Buckets"/> for scenarios
    /// created since it exists, <see cref="EnrollmentLayout.CustomerPartitions"/> (the head has no value) for older ones,
    /// whose rows stay where they were written.
    /// </summary>
    public EnrollmentLayout Layout { get; init; } = EnrollmentLayout.CustomerPartitions;
}

public enum StoreOutcome
{
    Created,

    /// <summary>The same version with the same content was stored already: a repeated request.</summary>
    Unchanged,

    /// <summary>The version exists with other content, or is not newer than the latest.</summary>
    Conflict,
}

/// <summary>
/// Scenario definitions: PK = scenario id; RK <c>v000001</c>… holds one immutable version (its JSON), RK <c>head</c> the
/// status. Enrollments are pinned to a version, so a definition row is never rewritten and can be cached forever.
/// </summary>
public sealed class ScenarioStore(StorageClients clients)
{
    private const string HeadRow = "head";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Scenarios);
    private readonly ConcurrentDictionary<(string, int), ScenarioDefinition> _definitions = new();

    private static string VersionRow(int version) => "v" + version.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<StoreOutcome> AddVersionAsync(ScenarioDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var json = ScenarioJson.Write(definition);
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(definition.Id, VersionRow(definition.Version), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (existing.HasValue)
        {
            return existing.Value!.GetString("Definition") == json ? StoreOutcome.Unchanged : StoreOutcome.Conflict;
        }

        var head = await GetHeadAsync(definition.Id, cancellationToken).ConfigureAwait(false);
        if (head is not null && definition.Version <= head.Value.Head.LatestVersion)
        {
            return StoreOutcome.Conflict;
        }

        try
        {
            await _table.AddEntityAsync(new TableEntity(definition.Id, VersionRow(definition.Version)) { ["Definition"] = json, ["StoredAt"] = now }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return StoreOutcome.Conflict;
        }

        // The head follows; if this write is lost the version row exists and a retry of the request repairs the head.
        await UpdateHeadAsync(definition.Id, h => h with { LatestVersion = Math.Max(h.LatestVersion, definition.Version), Name = definition.Name ?? h.Name, UpdatedAt = now },
            new ScenarioHead(definition.Id, ScenarioStatus.Draft, definition.Version, 0, definition.Name, now, null) { Guarded = true, Layout = EnrollmentLayout.Buckets }, cancellationToken).ConfigureAwait(false);
        return StoreOutcome.Created;
    }

    public async Task<ScenarioDefinition?> GetDefinitionAsync(string scenarioId, int version, CancellationToken cancellationToken)
    {
        if (_definitions.TryGetValue((scenarioId, version), out var cached))
        {
            return cached;
        }

        var row = await _table.GetEntityIfExistsAsync<TableEntity>(scenarioId, VersionRow(version), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }

        var (definition, errors) = ScenarioJson.Parse(row.Value!.GetString("Definition"));
        if (definition is null)
        {
            throw new InvalidOperationException($"Stored scenario {scenarioId} v{version} no longer validates: {string.Join("; ", errors)}");
        }

        return _definitions.GetOrAdd((scenarioId, version), definition);
    }

    public async Task<ScenarioHead?> GetAsync(string scenarioId, CancellationToken cancellationToken) =>
        (await GetHeadAsync(scenarioId, cancellationToken).ConfigureAwait(false))?.Head;

    public async Task<IReadOnlyList<ScenarioHead>> ListAsync(CancellationToken cancellationToken)
    {
        var heads = new List<ScenarioHead>();
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.RowKey == HeadRow, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            heads.Add(FromEntity(e));
        }

        return heads;
    }

    /// <summary>Active scenarios with the definition their new enrollments start on.</summary>
    public async Task<IReadOnlyList<ScenarioDefinition>> ActiveDefinitionsAsync(CancellationToken cancellationToken) =>
        [.. (await ActiveAsync(cancellationToken).ConfigureAwait(false)).Select(a => a.Definition)];

    /// <summary>Active scenarios: the head and the definition new enrollments start on.</summary>
    public async Task<IReadOnlyList<(ScenarioHead Head, ScenarioDefinition Definition)>> ActiveAsync(CancellationToken cancellationToken) =>
        await ActiveAsync(await ListAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The active ones among <paramref name="heads"/> (as <see cref="ListAsync"/> read them), with their definitions.</summary>
    public async Task<IReadOnlyList<(ScenarioHead Head, ScenarioDefinition Definition)>> ActiveAsync(IReadOnlyList<ScenarioHead> heads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heads);
        var result = new List<(ScenarioHead, ScenarioDefinition)>();
        foreach (var head in heads)
        {
            if (head.Status == ScenarioStatus.Active && await GetDefinitionAsync(head.ScenarioId, head.ActiveVersion, cancellationToken).ConfigureAwait(false) is { } definition)
            {
                result.Add((head, definition));
            }
        }

        return result;
    }

    /// <summary>Changes the status; activating also moves new enrollments to the latest version. Null when the scenario does not exist.</summary>
    public Task<ScenarioHead?> SetStatusAsync(string scenarioId, ScenarioStatus status, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateHeadAsync(scenarioId, h => h with { Status = status, ActiveVersion = status == ScenarioStatus.Active ? h.LatestVersion : h.ActiveVersion, UpdatedAt = now }, null, cancellationToken);

    /// <summary>Records the winner of a split; a split that already has one keeps it (a decision is not revisited).</summary>
    public Task<ScenarioHead?> SetWinnerAsync(string scenarioId, string splitId, string arm, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateHeadAsync(scenarioId, h => h.Winners.ContainsKey(splitId)
            ? h
            : h with { Winners = new Dictionary<string, string>(h.Winners, StringComparer.Ordinal) { [splitId] = arm }, UpdatedAt = now }, null, cancellationToken);

    /// <summary>Records that every enrollment of the scenario has its entry guard (after <see cref="ScenarioService.GuardAsync"/>).</summary>
    public Task<ScenarioHead?> MarkGuardedAsync(string scenarioId, CancellationToken cancellationToken) =>
        UpdateHeadAsync(scenarioId, h => h with { Guarded = true }, null, cancellationToken);

    public Task<ScenarioHead?> MarkBroadcastAsync(string scenarioId, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateHeadAsync(scenarioId, h => h with { BroadcastAt = at }, null, cancellationToken);

    private async Task<(ScenarioHead Head, ETag ETag)?> GetHeadAsync(string scenarioId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(scenarioId, HeadRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? (FromEntity(row.Value!), row.Value!.ETag) : null;
    }

    private async Task<ScenarioHead?> UpdateHeadAsync(string scenarioId, Func<ScenarioHead, ScenarioHead> change, ScenarioHead? create, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetHeadAsync(scenarioId, cancellationToken).ConfigureAwait(false);
            try
            {
                if (current is null)
                {
                    if (create is null)
                    {
                        return null;
                    }

                    await _table.AddEntityAsync(ToEntity(create), cancellationToken).ConfigureAwait(false);
                    return create;
                }

                var next = change(current.Value.Head);
                await _table.UpdateEntityAsync(ToEntity(next), current.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return next;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 8)
            {
            }
        }
    }

    private static TableEntity ToEntity(ScenarioHead head) => new(head.ScenarioId, HeadRow)
    {
        ["Status"] = head.Status.ToString(),
        ["LatestVersion"] = head.LatestVersion,
        ["ActiveVersion"] = head.ActiveVersion,
        ["Name"] = head.Name,
        ["UpdatedAt"] = head.UpdatedAt,
        ["BroadcastAt"] = head.BroadcastAt,
        ["Winners"] = head.Winners.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(head.Winners),
        ["Guarded"] = head.Guarded,
        ["Layout"] = head.Layout == EnrollmentLayout.CustomerPartitions ? null : (int)head.Layout,
    };

    private static ScenarioHead FromEntity(TableEntity e) => new(
        e.PartitionKey,
        Enum.Parse<ScenarioStatus>(e.GetString("Status")),
        e.GetInt32("LatestVersion") ?? 0,
        e.GetInt32("ActiveVersion") ?? 0,
        e.GetString("Name"),
        e.GetDateTimeOffset("UpdatedAt") ?? default,
        e.GetDateTimeOffset("BroadcastAt"))
    {
        Winners = e.GetString("Winners") is { } winners
            ? new Dictionary<string, string>(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(winners)!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal),
        Guarded = e.GetBoolean("Guarded") ?? false,
        Layout = e.GetInt32("Layout") is { } layout ? (EnrollmentLayout)layout : EnrollmentLayout.CustomerPartitions,
    };
}
