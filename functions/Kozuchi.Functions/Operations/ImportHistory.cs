using Kozuchi.Core.Common;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Operations;
using Kozuchi.Storage.Orders;

namespace Kozuchi.Functions.Operations;

/// <summary>The counts of an import as the blob drop's summary file has them (<c>summary</c>: rows read, orders accepted and rejected, rows rejected).</summary>
public sealed record ImportCounts(ImportCountsSummary Summary, int? Created, int? Updated, int? Unchanged);

public sealed record ImportCountsSummary(int RowsRead, int OrdersAccepted, int OrdersRejected, int RowsRejected);

/// <summary>
/// One import on the operations page, from any path (<see cref="ImportPaths"/>: CLI, dropped file, pull): where it
/// came from, the counts, the first rejected rows with why, and whether the full error report can be downloaded here
/// (<see cref="ErrorsDownloadable"/>: a dropped file's report sits beside it in <c>imports</c>; the CLI writes its
/// report beside the file on the operator's machine, named in <see cref="ErrorReport"/>).
/// </summary>
public sealed record ImportEntry(
    string Id,
    string Path,
    string Source,
    string File,
    DateTimeOffset At,
    ImportCounts Report,
    bool HasErrors,
    string Status,
    string? Error,
    IReadOnlyList<ImportRunError> FirstErrors,
    string? ErrorReport,
    bool ErrorsDownloadable,
    ImportChunkReport? Progress);

/// <summary>
/// The imports an operator sees on the operations page: every path's runs (<see cref="ImportLog"/>), newest first,
/// webhooks by day, and a dropped file's error report (row, column, reason) as the CSV written beside it.
/// </summary>
public sealed class ImportHistory(StorageClients clients, ImportLog log, ImportChunks chunks, ShopTime shop, TimeProvider time)
{
    public const int MaxListed = 100;

    /// <summary>Webhook days listed (today and the days before).</summary>
    public const int WebhookDays = 14;

    public async Task<IReadOnlyList<ImportEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var runs = await log.RunsAsync(MaxListed, cancellationToken);

        // A file's chunks show how far its newest run got (a re-import rewrites them): read for that run only, all at once,
        // so the page waits one round trip, not one per import. A pull writes no chunks.
        var newest = runs.Where(r => r.Path is ImportPaths.Blob or ImportPaths.Cli).DistinctBy(r => (r.Path, r.Name)).ToList();
        var progress = await Task.WhenAll(newest.Select(r => ProgressAsync(r.Name, cancellationToken)));
        var byRun = newest.Select((r, i) => (r.Id, Progress: progress[i])).ToDictionary(p => p.Id, p => p.Progress, StringComparer.Ordinal);

        return [.. runs.Select(r => new ImportEntry(
            r.Id, r.Path, r.Source, r.Name, r.At,
            new ImportCounts(new ImportCountsSummary(r.RowsRead, r.OrdersAccepted, r.OrdersRejected, r.RowsRejected), r.Created, r.Updated, r.Unchanged),
            r.RowsRejected > 0, r.Status, r.Error, r.FirstErrors, r.ErrorReport, r.Path == ImportPaths.Blob && r.RowsRejected > 0,
            byRun.GetValueOrDefault(r.Id) ?? InProcess(r)))];
    }

    /// <summary>
    /// A CLI run applies its orders in process and records itself only once they are stored: a finished one without
    /// chunks to read (the demo loader; an older run of a name imported again) has stored all it accepted. A failed one
    /// without chunks says nothing about how far it got.
    /// </summary>
    private static ImportChunkReport? InProcess(ImportRun run) =>
        run.Path == ImportPaths.Cli && run.Status != "failed" ? ImportChunkReport.Finished(run.OrdersAccepted) : null;

    // A run that failed on its name (refused as a blob path) wrote no chunks: nothing to report.
    private async Task<ImportChunkReport?> ProgressAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var progress = await chunks.ProgressAsync(name, cancellationToken);
            return progress.Chunks.Count == 0 ? null : progress;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>What webhooks brought per shop day and source over the last <see cref="WebhookDays"/> days, newest first.</summary>
    public Task<IReadOnlyList<WebhookDay>> WebhooksAsync(CancellationToken cancellationToken) =>
        log.WebhookDaysAsync(shop.Today(time.GetUtcNow()), WebhookDays, cancellationToken);

    /// <summary>The error report written beside a dropped file, or null when there is none.</summary>
    public async Task<byte[]?> ErrorReportAsync(string file, CancellationToken cancellationToken)
    {
        var blob = clients.Container(StorageCatalog.Containers.Imports).Blob(file + ImportOrdersFunction.ErrorsSuffix);
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}
