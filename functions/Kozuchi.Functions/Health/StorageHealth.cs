using Azure;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Health;

public sealed record HealthReport(string Status, string Storage, bool StorageReady, IReadOnlyDictionary<string, string> Checks);

/// <summary>Probes the three storage services within an alerting probe's patience.</summary>
public sealed class StorageHealth(StorageClients storage, StorageReadiness readiness)
{
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Probes must answer within an alerting probe's patience, not wait out the SDK's retries.
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var checks = new Dictionary<string, string>
        {
            ["tables"] = await Probe(async ct => { await foreach (var _ in storage.Tables.QueryAsync(maxPerPage: 1, cancellationToken: ct).AsPages(pageSizeHint: 1)) { break; } }, timeout.Token),
            ["queues"] = await Probe(async ct => { await foreach (var _ in storage.Queues.GetQueuesAsync(cancellationToken: ct).AsPages(pageSizeHint: 1)) { break; } }, timeout.Token),
            ["blobs"] = await Probe(async ct => { await foreach (var _ in storage.Blobs.GetBlobContainersAsync(cancellationToken: ct).AsPages(pageSizeHint: 1)) { break; } }, timeout.Token),
        };
        var healthy = checks.Values.All(v => v == "ok");
        return new HealthReport(healthy ? "healthy" : "unhealthy", storage.Connection.Describe(), readiness.IsReady, checks);
    }

    private static async Task<string> Probe(Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe(cancellationToken);
            return "ok";
        }
        catch (RequestFailedException e)
        {
            return $"error {e.Status} {e.ErrorCode}";
        }
        catch (OperationCanceledException)
        {
            return "timeout";
        }
        catch (Exception e) when (e is HttpRequestException or AggregateException or Azure.Identity.AuthenticationFailedException)
        {
            return $"unreachable: {e.GetType().Name}";
        }
    }
}
