using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Operations;

/// <summary>One file dropped in <c>imports</c>, as its summary beside it tells: counts, and whether an error report exists.</summary>
public sealed record ImportEntry(string File, DateTimeOffset? At, JsonElement Report, bool HasErrors);

/// <summary>
/// The imports an operator sees on the operations page: every dropped file's summary, newest first, and its error
/// report (row, column, reason) as the CSV written beside it.
/// </summary>
public sealed class ImportHistory(StorageClients clients)
{
    public const int MaxListed = 100;

    public async Task<IReadOnlyList<ImportEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var container = clients.Container(StorageCatalog.Containers.Imports);
        var summaries = new List<BlobItem>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, cancellationToken))
        {
            if (blob.Name.EndsWith(ImportOrdersFunction.SummarySuffix, StringComparison.Ordinal))
            {
                summaries.Add(blob);
            }
        }

        // The summaries are downloaded at once (newest first, as listed): the page waits one round trip, not one per import.
        var entries = await Task.WhenAll(summaries.OrderByDescending(b => b.Properties.LastModified).Take(MaxListed).Select(async blob =>
        {
            var file = blob.Name[..^ImportOrdersFunction.SummarySuffix.Length];
            var report = JsonDocument.Parse((await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToMemory()).RootElement.Clone();
            var rejected = report.TryGetProperty("summary", out var s) && s.TryGetProperty("rowsRejected", out var r) && r.GetInt32() > 0;
            return new ImportEntry(file, blob.Properties.LastModified, report, rejected);
        }));

        return entries;
    }

    /// <summary>The error report written beside a dropped file, or null when there is none.</summary>
    public async Task<byte[]?> ErrorReportAsync(string file, CancellationToken cancellationToken)
    {
        var blob = clients.Container(StorageCatalog.Containers.Imports).GetBlobClient(file + ImportOrdersFunction.ErrorsSuffix);
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
