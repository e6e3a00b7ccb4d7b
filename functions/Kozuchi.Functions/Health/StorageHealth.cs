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
    private static readonly Dictionary<string, string> ServiceOf = new(StringComparer.Ordinal) { ["table"] = "tables", ["queue"] = "queues", ["container"] = "blobs" };

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

        IReadOnlyList<MissingResource> missing = [];
        if (readiness.IsReady && checks.Values.All(v => v == "ok"))
        {
            // Before start-up has created them, missing resources are expected: only a reset after it is a fault.
            IReadOnlyList<MissingResource>? found = null;
            var listing = await Probe(async ct => found = await recovery.MissingAsync(ct), timeout.Token);
            missing = found ?? [];
            foreach (var group in missing.GroupBy(m => ServiceOf[m.Kind]))
            {
                checks[group.Key] = "missing: " + string.Join(", ", group.Select(m => m.Name));
            }

            if (listing != "ok")
            {
                checks["tables"] = checks["queues"] = checks["blobs"] = listing;
            }
        }

        var healthy = checks.Values.All(v => v == "ok");
        return new HealthReport(healthy ? "healthy" : "unhealthy", storage.Connection.Describe(), readiness.IsReady, checks, missing);
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
