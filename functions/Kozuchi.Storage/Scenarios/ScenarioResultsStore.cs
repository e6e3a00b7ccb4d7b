using Azure;
using Azure.Storage.Blobs.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// Each scenario's last computed results as one JSON blob (<c>kozuchi-runtime/reports/scenario-results/{id}.v1.json</c>),
/// tagged with the enrollment change marker it was computed under: another instance, or one just started, answers from
/// it instead of reading every enrollment of the scenario again.
/// </summary>
public sealed class ScenarioResultsStore(StorageClients clients)
{
    /// <summary>Bumped whenever the stored shape changes: an older blob is then not found and recomputed.</summary>
    public const int FormatVersion = 1;

    public sealed record Stored(BinaryData Content, string Marker);

    public static string BlobName(string scenarioId) => $"reports/scenario-results/{scenarioId}.v{FormatVersion}.json";

    public async Task<Stored?> ReadAsync(string scenarioId, CancellationToken cancellationToken)
    {
        try
        {
            var download = await clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(scenarioId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return download.Value.Details.Metadata.TryGetValue("marker", out var marker) ? new Stored(download.Value.Content, marker) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task WriteAsync(string scenarioId, string marker, BinaryData content, CancellationToken cancellationToken) =>
        await clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(scenarioId)).UploadAsync(content, new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { ["marker"] = marker },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        }, cancellationToken).ConfigureAwait(false);
}
