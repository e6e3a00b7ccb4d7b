using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>A blob's content with the change-marker version (<see cref="ChangeMarker"/>) it was computed under.</summary>
public sealed record MarkedContent(BinaryData Content, string Marker);

/// <summary>Derived results stored as JSON blobs tagged (in metadata) with the marker version they were computed under.</summary>
public static class MarkedBlob
{
    private const string MarkerKey = "marker";

    /// <summary>The blob's content and marker, whatever the marker; null when there is none (or it carries no marker).</summary>
    public static async Task<MarkedContent?> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            var download = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return download.Value.Details.Metadata.TryGetValue(MarkerKey, out var marker) ? new MarkedContent(download.Value.Content, marker) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public static async Task WriteAsync(BlobClient blob, BinaryData content, string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        await blob.UploadAsync(content, new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [MarkerKey] = marker },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        }, cancellationToken).ConfigureAwait(false);
    }
}
