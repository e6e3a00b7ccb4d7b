using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Operations;

/// <summary>The ways orders come in; each records what it brought in <see cref="ImportLog"/>.</summary>
public static class ImportPaths
{
    /// <summary><c>kozuchi import orders</c>.</summary>
    public const string Cli = "cli";

    /// <summary>A file dropped in the <c>imports</c> container.</summary>
    public const string Blob = "blob";

    /// <summary>A cart pull (<c>PullOrders</c>, <c>kozuchi pull run</c>).</summary>
    public const string Pull = "pull";

    /// <summary>A cart webhook (Shopify, the generic order webhook, checkouts).</summary>
    public const string Webhook = "webhook";
}

/// <summary>A row an import could not take: where it was and why (never the row's content, which holds personal data).</summary>
public sealed record ImportRunError(int? Line, string? Column, string Reason);

/// <summary>
/// One import run as an operator reads it: which way it came (<see cref="ImportPaths"/>), from where, when, how many rows
/// and orders, what was rejected and why. <see cref="Status"/> is <c>ok</c>, <c>partial</c> (some rows rejected) or
/// <c>failed</c> (the run stopped; <see cref="Error"/> says why). <see cref="ErrorReport"/> names where the full error list is
/// (the <c>imports</c> container beside a dropped file; the CLI writes it beside the file on the operator's machine).
/// </summary>
public sealed record ImportRun
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required string Source { get; init; }
    public required string Name { get; init; }
    public required DateTimeOffset At { get; init; }
    public int RowsRead { get; init; }
    public int OrdersAccepted { get; init; }
    public int OrdersRejected { get; init; }
    public int RowsRejected { get; init; }

    /// <summary>Orders new, changed and already known (null when the orders were queued and are applied later).</summary>
    public int? Created { get; init; }

    public int? Updated { get; init; }
    public int? Unchanged { get; init; }
    public string Status { get; init; } = "ok";
    public string? Error { get; init; }
    public IReadOnlyList<ImportRunError> FirstErrors { get; init; } = [];
    public string? ErrorReport { get; init; }
}

/// <summary>What webhooks brought on one shop day from one source: deliveries taken, rejected (with why) and ignored.</summary>
public sealed record WebhookDay(string Day, string Source, int Accepted, int Rejected, int Ignored, IReadOnlyList<WebhookRejection> Rejections);

/// <summary>A webhook body the app could not read, kept in <c>raw</c> under <see cref="Blob"/> for inspection.</summary>
public sealed record WebhookRejection(DateTimeOffset At, string Blob, string Reason);

/// <summary>
/// The import history of every path, in table <c>KozuchiOperations</c>: one row per import run (CLI, dropped file, pull)
/// in partition <c>run</c>, newest first by key; one row per webhook delivery in a partition per shop day
/// (<c>wh-yyyyMMdd</c>, keyed by the stored body's name, so a repeated delivery is one row), and a summary row per
/// finished day (partition <c>whday</c>) written the first time that day is read after it ended, so reading a
/// fortnight costs today's rows and thirteen point reads.
/// </summary>
public sealed class ImportLog(StorageClients clients, TimeProvider time)
{
    public const int MaxRuns = 200;
    public const int MaxRejectionsPerDay = 20;
    private const string RunPartition = "run";
    private const string DayPartition = "whday";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Operations);

    /// <summary>A run id that sorts newest first: inverted ticks, then a random tail so two runs in one tick both stay.</summary>
    public string NewRunId()
    {
        var ticks = DateTimeOffset.MaxValue.UtcTicks - time.GetUtcNow().UtcTicks;
        return ticks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    public async Task RecordAsync(ImportRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var entity = new TableEntity(RunPartition, run.Id) { ["Run"] = JsonSerializer.Serialize(run with { FirstErrors = [.. run.FirstErrors.Take(20).Select(Short)] }, Json) };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest runs first, at most <paramref name="take"/>.</summary>
    public async Task<IReadOnlyList<ImportRun>> RunsAsync(int take, CancellationToken cancellationToken)
    {
        var runs = new List<ImportRun>();
        await foreach (var page in _table.QueryAsync<TableEntity>(e => e.PartitionKey == RunPartition, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            foreach (var e in page.Values)
            {
                if (JsonSerializer.Deserialize<ImportRun>(e.GetString("Run"), Json) is { } run)
                {
                    runs.Add(run);
                }
            }

            if (runs.Count >= take)
            {
                break;
            }
        }

        return [.. runs.Take(take)];
    }

    public async Task<ImportRun?> RunAsync(string id, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(RunPartition, TableKeys.Escape(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? JsonSerializer.Deserialize<ImportRun>(row.Value!.GetString("Run"), Json) : null;
    }

    /// <summary>
    /// One webhook delivery: <paramref name="outcome"/> is <c>accepted</c>, <c>rejected</c> or <c>ignored</c>;
    /// <paramref name="blob"/> the stored body's name (a repeated delivery lands on the same row).
    /// </summary>
    public async Task RecordWebhookAsync(string source, string outcome, string blob, string? reason, DateOnly shopDay, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(WebhookPartition(shopDay), Key(blob))
        {
            ["Source"] = source,
            ["Outcome"] = outcome,
            ["Blob"] = blob,
            ["Reason"] = reason is null ? null : Cut(reason, 500),
            ["At"] = time.GetUtcNow(),
        };
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // A repeated delivery of the same body: already counted.
        }
    }

    /// <summary>
    /// The webhook days from <paramref name="today"/> back over <paramref name="days"/> shop days, newest first, per source.
    /// A day before today is summarised once and read from its summary afterwards.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDay>> WebhookDaysAsync(DateOnly today, int days, CancellationToken cancellationToken)
    {
        var result = new List<WebhookDay>();
        var perDay = await Task.WhenAll(Enumerable.Range(0, days).Select(i => DayAsync(today.AddDays(-i), today, cancellationToken))).ConfigureAwait(false);
        foreach (var day in perDay)
        {
            result.AddRange(day);
        }

        return result;
    }

    private async Task<IReadOnlyList<WebhookDay>> DayAsync(DateOnly day, DateOnly today, CancellationToken cancellationToken)
    {
        var dayKey = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (day < today)
        {
            var summary = await _table.GetEntityIfExistsAsync<TableEntity>(DayPartition, dayKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (summary.HasValue)
            {
                return JsonSerializer.Deserialize<List<WebhookDay>>(summary.Value!.GetString("Days"), Json) ?? [];
            }
        }

        var rows = new List<TableEntity>();
        var pk = WebhookPartition(day);
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(e);
        }

        var label = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        List<WebhookDay> summaries = [.. rows.GroupBy(r => r.GetString("Source") ?? "?", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new WebhookDay(
            label,
            g.Key,
            g.Count(r => r.GetString("Outcome") == "accepted"),
            g.Count(r => r.GetString("Outcome") == "rejected"),
            g.Count(r => r.GetString("Outcome") == "ignored"),
            [.. g.Where(r => r.GetString("Outcome") == "rejected").OrderByDescending(r => r.GetDateTimeOffset("At")).Take(MaxRejectionsPerDay)
                .Select(r => new WebhookRejection(r.GetDateTimeOffset("At") ?? default, r.GetString("Blob") ?? "", r.GetString("Reason") ?? ""))]))];
        if (day < today)
        {
            // The day is over: no delivery lands on it any more (a late one belongs to the day it arrived).
            await _table.UpsertEntityAsync(new TableEntity(DayPartition, dayKey) { ["Days"] = JsonSerializer.Serialize(summaries, Json) }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }

        return summaries;
    }

    private static string WebhookPartition(DateOnly day) => "wh-" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>A row key for a blob name of any length: the name when it fits, else its hash.</summary>
    private static string Key(string blob) =>
        blob.Length <= 200 ? TableKeys.Escape(blob) : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blob)));

    private static ImportRunError Short(ImportRunError e) => e with { Reason = Cut(e.Reason, 300) };

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
