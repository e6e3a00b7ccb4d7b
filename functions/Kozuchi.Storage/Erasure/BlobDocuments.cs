using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Erasure;
using Kozuchi.Core.Import;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Rewrites the blobs of one container that hold the subject's data, keeping each blob's name, metadata and content
/// type (so duplicate detection by name and replay keep working). Every blob is read: a container of documents has no
/// index by person. JSON and newline-delimited JSON are redacted structurally, anything else as CSV in its own
/// encoding (UTF-8, with its BOM if it had one, or Shift_JIS).
/// </summary>
public static class BlobDocuments
{
    public static async Task<int> RedactAsync(BlobContainerClient container, Func<string, string, (string Text, int Removed)?> redactJson, Func<string, string, (string Text, int Rows)?> redactCsv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(redactJson);
        ArgumentNullException.ThrowIfNull(redactCsv);
        var changed = 0;
        await foreach (var item in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            var blob = container.GetBlobClient(item.Name);
            var download = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var bytes = download.Value.Content.ToArray();
            var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
            var encoding = CsvEncoding.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024)));
            var text = encoding.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0));
            var isJson = item.Name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || item.Name.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)
                || (download.Value.Details.ContentType ?? string.Empty).Contains("json", StringComparison.OrdinalIgnoreCase);
            var redacted = isJson ? redactJson(item.Name, text)?.Text : redactCsv(item.Name, text)?.Text;
            if (redacted is null)
            {
                continue;
            }

            var output = bom ? [.. Encoding.UTF8.GetPreamble(), .. encoding.GetBytes(redacted)] : encoding.GetBytes(redacted);
            await blob.UploadAsync(BinaryData.FromBytes(output), new BlobUploadOptions
            {
                Metadata = download.Value.Details.Metadata,
                HttpHeaders = new BlobHttpHeaders { ContentType = download.Value.Details.ContentType },
                Conditions = new BlobRequestConditions { IfMatch = download.Value.Details.ETag },
            }, cancellationToken).ConfigureAwait(false);
            changed++;
        }

        return changed;
    }
}

/// <summary>Raw landing blobs (webhook bodies, import chunks, rejected bodies): the subject's fields removed, orders and amounts kept.</summary>
public sealed class RawPayloadsParticipant(Infrastructure.StorageClients clients) : IErasureParticipant
{
    public string Name => "raw";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return BlobDocuments.RedactAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Raw),
            (name, text) => Redaction.Json(text, subject.Person, subject.OrderKeys, subject.AnonymousRef, SourceOf(name)),
            (name, text) => Redaction.Json(text, subject.Person, subject.OrderKeys, subject.AnonymousRef, SourceOf(name)),
            cancellationToken);
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult<object?>(null);

    /// <summary>Shopify bodies carry no source field: the blob's path says it (<c>webhooks/shopify/…</c>, <c>rejected/shopify/…</c>).</summary>
    private static string? SourceOf(string blobName) => blobName.Contains("shopify/", StringComparison.Ordinal) ? Core.Orders.Formats.ShopifyOrderJson.Source : null;
}

/// <summary>
/// Import files, their error reports and summaries in <c>imports</c>: in an import file the subject's rows keep their
/// order ids and amounts with the personal fields blanked; error-report rows about them are dropped.
/// </summary>
public sealed class ImportFilesParticipant(Infrastructure.StorageClients clients) : IErasureParticipant
{
    public string Name => "imports";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return BlobDocuments.RedactAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Imports),
            (_, text) => Redaction.Json(text, subject.Person, subject.OrderKeys, subject.AnonymousRef),
            (name, text) => Redaction.Csv(text, subject.Person, new HashSet<string>(), name.EndsWith(".errors.csv", StringComparison.Ordinal) ? RowAction.Drop : RowAction.Blank),
            cancellationToken);
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
}

/// <summary>DM and call lists (and any other export) in <c>exports</c>: the subject's rows are dropped.</summary>
public sealed class ExportFilesParticipant(Infrastructure.StorageClients clients) : IErasureParticipant
{
    public string Name => "exports";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return BlobDocuments.RedactAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Exports),
            (_, text) => Redaction.Json(text, subject.Person, subject.OrderKeys, subject.AnonymousRef),
            (_, text) => Redaction.Csv(text, subject.Person, subject.CustomerIds, RowAction.Drop),
            cancellationToken);
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
}

/// <summary>Earlier data-request exports about the subject (they hold everything in clear): deleted.</summary>
public sealed class DataRequestsParticipant(Infrastructure.StorageClients clients) : IErasureParticipant
{
    public string Name => "data-requests";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var container = clients.Container(Infrastructure.StorageCatalog.Containers.DataRequests);
        var deleted = 0;
        foreach (var id in subject.CustomerIds)
        {
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, id + "/", cancellationToken).ConfigureAwait(false))
            {
                await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
}
