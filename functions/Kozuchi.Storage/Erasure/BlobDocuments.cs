using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Erasure;
using Kozuchi.Core.Import;

namespace Kozuchi.Storage.Erasure;

/// <summary>A blob read for an erasure or a data request: its text in its own encoding, and how to write it back.</summary>
public sealed record BlobText(string Name, string Text, bool IsJson, bool Bom, Encoding Encoding, BlobDownloadDetails Details);

/// <summary>
/// Rewrites the blobs of one container that hold the subject's data, keeping each blob's name, metadata and content
/// type (so duplicate detection by name and replay keep working). Only the blobs the <see cref="BlobIndex"/> names for
/// the subject are read, plus any the index does not cover. JSON and newline-delimited JSON are redacted structurally,
/// anything else as CSV in its own encoding (UTF-8, with its BOM if it had one, or Shift_JIS). A rewritten blob is
/// marked <see cref="BlobIndex.ErasedMetadata"/> (the import trigger skips that version).
/// </summary>
public static class BlobDocuments
{
    public static async Task<int> RedactAsync(
        BlobContainerClient container, string logicalContainer, ErasureSubject subject, BlobIndex index,
        Func<string, string, (string Text, int Removed)?> redactJson, Func<string, string, (string Text, int Rows)?> redactCsv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(redactJson);
        ArgumentNullException.ThrowIfNull(redactCsv);
        var files = await index.FilesAsync(logicalContainer, cancellationToken).ConfigureAwait(false);
        var changed = 0;
        await foreach (var document in ReadAsync(container, logicalContainer, subject, files, cancellationToken).ConfigureAwait(false))
        {
            var redacted = document.IsJson ? redactJson(document.Name, document.Text)?.Text : redactCsv(document.Name, document.Text)?.Text;
            if (redacted is null)
            {
                continue;
            }

            var output = document.Bom ? [.. Encoding.UTF8.GetPreamble(), .. document.Encoding.GetBytes(redacted)] : document.Encoding.GetBytes(redacted);
            var metadata = new Dictionary<string, string>(document.Details.Metadata, StringComparer.OrdinalIgnoreCase)
            {
                [BlobIndex.ErasedMetadata] = subject.At.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
            };
            var uploaded = await container.GetBlobClient(document.Name).UploadAsync(BinaryData.FromBytes(output), new BlobUploadOptions
            {
                Metadata = metadata,
                HttpHeaders = new BlobHttpHeaders { ContentType = document.Details.ContentType },
                Conditions = new BlobRequestConditions { IfMatch = document.Details.ETag },
            }, cancellationToken).ConfigureAwait(false);
            if (files.TryGetValue(document.Name, out var indexedAs) && indexedAs == document.Details.ETag.ToString())
            {
                // Still indexed for everyone else in it: the index follows the blob to its new version.
                await index.MarkFileAsync(logicalContainer, document.Name, uploaded.Value.ETag, cancellationToken).ConfigureAwait(false);
            }

            changed++;
        }

        return changed;
    }

    /// <summary>The container's blobs that may hold the subject: those indexed under them and those the index does not cover.</summary>
    public static async IAsyncEnumerable<BlobText> ReadAsync(
        BlobContainerClient container, string logicalContainer, ErasureSubject subject, IReadOnlyDictionary<string, string> files, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(subject);
        var theirs = subject.IndexedBlobs[logicalContainer].ToHashSet(StringComparer.Ordinal);
        await foreach (var item in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            if (!theirs.Contains(item.Name) && BlobIndex.IsIndexed(item, files))
            {
                continue;
            }

            subject.CountRead();
            var download = await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var bytes = download.Value.Content.ToArray();
            var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
            var encoding = CsvEncoding.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024)));
            var text = encoding.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0));
            var isJson = item.Name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || item.Name.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)
                || (download.Value.Details.ContentType ?? string.Empty).Contains("json", StringComparison.OrdinalIgnoreCase);
            yield return new BlobText(item.Name, text, isJson, bom, encoding, download.Value.Details);
        }
    }
}

/// <summary>Raw landing blobs (webhook bodies, import chunks, rejected bodies): the subject's fields removed, orders and amounts kept.</summary>
public sealed class RawPayloadsParticipant(Infrastructure.StorageClients clients, BlobIndex index) : IErasureParticipant
{
    public string Name => "raw";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return BlobDocuments.RedactAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Raw), Infrastructure.StorageCatalog.Containers.Raw, subject, index,
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
public sealed class ImportFilesParticipant(Infrastructure.StorageClients clients, BlobIndex index) : IErasureParticipant
{
    public string Name => "imports";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return BlobDocuments.RedactAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Imports), Infrastructure.StorageCatalog.Containers.Imports, subject, index,
            (_, text) => Redaction.Json(text, subject.Person, subject.OrderKeys, subject.AnonymousRef),
            (name, text) => Redaction.Csv(text, subject.Person, new HashSet<string>(), name.EndsWith(".errors.csv", StringComparison.Ordinal) ? RowAction.Drop : RowAction.Blank),
            cancellationToken);
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
}

/// <summary>
/// DM and call lists (and any other export) in <c>exports</c>: the subject's rows are dropped. A data request lists
/// them: each file that named the subject, with the subject's rows as they were written (column → value).
/// </summary>
public sealed class ExportFilesParticipant(Infrastructure.StorageClients clients, BlobIndex index) : IErasureParticipant
{
    public string Name => "exports";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return BlobDocuments.RedactAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Exports), Infrastructure.StorageCatalog.Containers.Exports, subject, index,
            (_, text) => Redaction.Json(text, subject.Person, subject.OrderKeys, subject.AnonymousRef),
            (_, text) => Redaction.Csv(text, subject.Person, subject.CustomerIds, RowAction.Drop),
            cancellationToken);
    }

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var files = await index.FilesAsync(Infrastructure.StorageCatalog.Containers.Exports, cancellationToken).ConfigureAwait(false);
        var held = new List<object>();
        await foreach (var document in BlobDocuments.ReadAsync(clients.Container(Infrastructure.StorageCatalog.Containers.Exports), Infrastructure.StorageCatalog.Containers.Exports, subject, files, cancellationToken).ConfigureAwait(false))
        {
            if (!document.IsJson && Redaction.CsvRowsOf(document.Text, subject.Person, subject.CustomerIds) is { Count: > 0 } rows)
            {
                held.Add(new { file = document.Name, kind = document.Details.Metadata.TryGetValue("kind", out var kind) ? kind : null, rows });
            }
        }

        return held.Count == 0 ? null : held;
    }
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
