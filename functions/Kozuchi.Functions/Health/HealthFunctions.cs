using Kozuchi.Functions.Hosting.Http;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Health;

public sealed class HealthFunctions(StorageHealth health)
{
    /// <summary>Reachability of each storage service; 503 when any is unreachable so probes and alerts see it. Answers before storage is ready.</summary>
    [Function("Health")]
    [HttpAccess(Access.Public, WaitsForStorage = false)]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req, CancellationToken cancellationToken)
    {
        var report = await health.CheckAsync(cancellationToken);
        return report.Status == "healthy" ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
