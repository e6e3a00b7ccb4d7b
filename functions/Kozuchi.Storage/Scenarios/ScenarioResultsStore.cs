using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// Each scenario's last computed results as one JSON blob (<c>kozuchi-runtime/reports/scenario-results/{id}.v3.json</c>),
/// tagged with the key it was computed under (the enrollment change marker and what else the results depend on):
/// another instance, or one just started, answers from it instead of reading every enrollment of the scenario again.
/// </summary>
public sealed class ScenarioResultsStore(StorageClients clients)
{
    /// <summary>
    /// Bumped whenever the stored shape changes: an older blob is then not found and recomputed. 3: results carry their
    /// currency and other currencies' revenue.
    /// </summary>
    public const int FormatVersion = 3;

    public static string BlobName(string scenarioId) => $"reports/scenario-results/{scenarioId}.v{FormatVersion}.json";

    public Task<MarkedContent?> ReadAsync(string scenarioId, CancellationToken cancellationToken) =>
        MarkedBlob.ReadAsync(clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(scenarioId)), cancellationToken);

    public Task WriteAsync(string scenarioId, string key, BinaryData content, CancellationToken cancellationToken) =>
        MarkedBlob.WriteAsync(clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(scenarioId)), content, key, cancellationToken);
}
