using Azure;
using Azure.Storage.Blobs.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Analytics;

/// <summary>
/// The precomputed report set (and the cached CLV report): one JSON blob per kind and as-of day, tagged with the customer change marker it was computed
/// under (<see cref="Customers.ProfileSnapshots.MarkerAsync"/>). A blob whose marker is not the current one is never
/// handed out, so a reader gets either the answer for the tables as they are or nothing.
/// </summary>
public sealed class ReportSetStore(StorageClients clients)
{
    /// <summary>
    /// Bumped whenever the stored shape changes: an older blob is then simply not found and recomputed. 2: money per
    /// currency (the base currency's figures, other currencies apart).
    /// </summary>
    public const int FormatVersion = 2;

    private const string Prefix = "reports/";

    /// <summary>Days kept: today's and yesterday's (a request that raced midnight), older ones are deleted on write.</summary>
    private const int DaysKept = 2;

    /// <param name="kind">What is stored (<c>report-set</c>, <c>clv</c>): each kind keeps its own days.</param>
    public static string BlobName(string kind, DateOnly asOf) => $"{Prefix}{kind}-{asOf:yyyy-MM-dd}.v{FormatVersion}.json";

    /// <summary>The stored value for the day, or null when there is none or it was computed under another marker.</summary>
    public async Task<BinaryData?> ReadAsync(string kind, DateOnly asOf, string marker, CancellationToken cancellationToken)
    {
        var blob = clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(kind, asOf));
        try
        {
            // Read the properties first: a stale set of a large shop is megabytes not worth downloading.
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!properties.Value.Metadata.TryGetValue("marker", out var taken) || taken != marker)
            {
                return null;
            }

            var download = await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.Value.ETag } }, cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // None yet, or replaced between the two reads (then the newer one is read next time).
            return null;
        }
    }

    /// <summary>
    /// The value stored last for the day, whatever marker it was computed under, or null when there is none: what a
    /// page is answered from while the value for the current marker is being computed.
    /// </summary>
    public Task<MarkedContent?> ReadLatestAsync(string kind, DateOnly asOf, CancellationToken cancellationToken) =>
        MarkedBlob.ReadAsync(clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(kind, asOf)), cancellationToken);

    public async Task WriteAsync(string kind, DateOnly asOf, string marker, BinaryData content, CancellationToken cancellationToken)
    {
        var container = clients.Container(StorageCatalog.Containers.Runtime);
        await MarkedBlob.WriteAsync(container.GetBlobClient(BlobName(kind, asOf)), content, marker, cancellationToken).ConfigureAwait(false);

        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{Prefix}{kind}-", cancellationToken).ConfigureAwait(false))
        {
            names.Add(item.Name);
        }

        // Names sort by day; anything older than the days kept (or of another format version) goes.
        var keep = names.Where(n => n.EndsWith($".v{FormatVersion}.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).TakeLast(DaysKept).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names.Where(n => !keep.Contains(n)))
        {
            await container.DeleteBlobIfExistsAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
