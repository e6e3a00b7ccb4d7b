using Azure;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Health;

/// <summary>
/// The health answer: each storage service's state (<c>ok</c>, an error, or which of the app's resources in it are
/// missing), and the missing tables, queues and containers by name.
/// </summary>
public sealed record HealthReport(string Status, string Storage, bool StorageReady, IReadOnlyDictionary<string, string> Checks, IReadOnlyList<MissingResource> Missing);

/// <summary>
/// Probes the three storage services within an alerting probe's patience and, once start-up has created them, checks
/// that every table, queue and container of the catalog still exists: after a storage reset the services answer but the
/// app's resources are gone, and the probe must say so (the app re-creates them at the next operation that needs them).
/// </summary>
public sealed class StorageHealth(StorageClients storage, StorageReadiness readiness, StorageRecovery recovery)
{
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Probes must answer within an alerting probe's patience, not wait out the SDK's retries. Each service is probed
        // by listing the app's resources in it (one call each, concurrently): reachable, and what is missing.
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var services = new (string Service, Func<CancellationToken, Task<IReadOnlyList<MissingResource>>> List)[]
        {
            ("tables", recovery.MissingTablesAsync), ("queues", recovery.MissingQueuesAsync), ("blobs", recovery.MissingContainersAsync),
        };
        var results = await Task.WhenAll(services.Select(async s =>
        {
            IReadOnlyList<MissingResource> found = [];
            var state = await Probe(async ct => found = await s.List(ct), timeout.Token);
            return (s.Service, State: state, Missing: found);
        }));

        // Before start-up has created them, missing resources are expected: only a loss after it is a fault.
        var ready = readiness.IsReady;
        var missing = ready ? results.SelectMany(r => r.Missing).ToList() : [];
        var checks = results.ToDictionary(
            r => r.Service,
            r => r.State == "ok" && ready && r.Missing.Count > 0 ? "missing: " + string.Join(", ", r.Missing.Select(m => m.Name)) : r.State);
        var healthy = checks.Values.All(v => v == "ok");
        return new HealthReport(healthy ? "healthy" : "unhealthy", storage.Connection.Describe(), ready, checks, missing);
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
