using Azure.Storage.Queues.Models;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Security;
using Kozuchi.Storage.Erasure;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Erasure and data requests for one customer, by the shop's operators: <c>DELETE /api/customers/{id}</c> and
/// <c>POST /api/customers/{id}/data-request</c>, and queued erasures (<c>GET /api/erasures/{job}</c>, queue <c>erasure-jobs</c>).
/// Shopify's GDPR webhooks reach the same service (<see cref="ShopifyPrivacy"/>).
/// </summary>
public sealed class ErasureFunctions(ErasureService erasure, ErasureJobs jobs, OperatorAccess access, ILogger<ErasureFunctions> logger)
{
    /// <summary>
    /// Erases at once (200 with the counts), or, when the customer is held in more than
    /// <see cref="ErasureJobs.QueueAboveBlobs"/> blobs or <c>?queue=true</c> asks, queues the erasure (202 with the job;
    /// <c>GET /api/erasures/{job}</c> follows it).
    /// </summary>
    [Function("EraseCustomer")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> EraseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "customers/{id}")] HttpRequest req, string id, CancellationToken cancellationToken)
    {
        var queued = string.Equals(req.Query["queue"], "true", StringComparison.OrdinalIgnoreCase);
        if (!queued)
        {
            if (await erasure.IndexedBlobCountAsync(id, cancellationToken) is not { } blobs)
            {
                return TypedResults.NotFound();
            }

            queued = blobs > ErasureJobs.QueueAboveBlobs;
        }

        if (queued)
        {
            var job = await jobs.QueueAsync(ErasureJobs.Customer, id, RequestedBy(req), "operator request", cancellationToken);
            return TypedResults.Accepted($"/api/erasures/{job.JobId}", job);
        }

        return await erasure.EraseAsync(id, RequestedBy(req), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();
    }

    /// <summary>A queued erasure's status and progress.</summary>
    [Function("ErasureJob")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> JobAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "erasures/{job}")] HttpRequest req, string job, CancellationToken cancellationToken) =>
        await jobs.GetAsync(job, cancellationToken) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    /// <summary>Queue <c>erasure-jobs</c>: runs one queued erasure to its end, recording progress.</summary>
    [Function("RunErasureJob")]
    public async Task RunJobAsync([QueueTrigger(TriggerNames.ErasureJobs, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await jobs.RunAsync(message.Body.ToString(), cancellationToken);
        FunctionLog.Done(logger, "RunErasureJob", () => message.MessageId);
    }

    [Function("CustomerDataRequest")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> DataRequestAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/data-request")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await erasure.ExportAsync(id, RequestedBy(req), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();

    /// <summary>
    /// Who asked, for the audit: the Entra ID object id of the validated principal in AppService mode, else the operator
    /// key (in Key mode the header is whatever the caller sent, so it is not believed).
    /// </summary>
    private string RequestedBy(HttpRequest request) =>
        access.Options.Mode == OperatorAuthMode.AppService && AppServicePrincipal.From(request) is { } principal ? "entra:" + principal.Id : "operator-key";
}

public static class ErasureFeature
{
    public static IServiceCollection AddErasureServices(this IServiceCollection services) => services.AddErasure();
}
