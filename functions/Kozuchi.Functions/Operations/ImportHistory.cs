using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Operations;

/// <summary>One file dropped in <c>imports</c>, as its summary beside it tells: counts, and whether an error report exists.</summary>
public sealed record ImportEntry(string File, DateTimeOffset? At, JsonElement Report, bool HasErrors);

/// <summary>
/// The imports an operator sees on the operations page: every dropped file's summary, newest first, and its error
/// report (row, column, reason) as the CSV written beside it.
/// </summary>
public static class ImportHistory
{
    public const int MaxListed = 100;

    internal static async Task<Ok<IReadOnlyList<ImportEntry>>> ListAsync(StorageClients clients, CancellationToken cancellationToken)
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

        return TypedResults.Ok<IReadOnlyList<ImportEntry>>(entries);
    }

    /// <summary><c>?file=</c> the dropped file's name; answers its error report as a CSV download.</summary>
    internal static async Task<Results<FileContentHttpResult, NotFound<string>, BadRequest<string>>> ErrorsAsync(StorageClients clients, string? file, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(file) || file.EndsWith(ImportOrdersFunction.ErrorsSuffix, StringComparison.Ordinal))
        {
            return TypedResults.BadRequest("file is the name of a dropped import file, e.g. shopify/2026-11.csv.");
        }

        var blob = clients.Container(StorageCatalog.Containers.Imports).GetBlobClient(file + ImportOrdersFunction.ErrorsSuffix);
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            return TypedResults.File(content.Value.Content.ToArray(), "text/csv; charset=utf-8", Path.GetFileName(file) + ImportOrdersFunction.ErrorsSuffix);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return TypedResults.NotFound($"No error report for {file}.");
        }
    }
}
