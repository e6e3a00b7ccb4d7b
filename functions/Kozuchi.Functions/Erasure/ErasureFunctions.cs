using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Security;
using Kozuchi.Storage.Erasure;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Erasure and data requests for one customer, by the shop's operators: <c>DELETE /api/customers/{id}</c> and
/// <c>POST /api/customers/{id}/data-request</c>. Shopify's GDPR webhooks reach the same service (<see cref="ShopifyPrivacy"/>).
/// </summary>
public sealed class ErasureFunctions(ErasureService erasure)
{
    [Function("EraseCustomer")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> EraseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "customers/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await erasure.EraseAsync(id, RequestedBy(req), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();

    [Function("CustomerDataRequest")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> DataRequestAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/data-request")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await erasure.ExportAsync(id, RequestedBy(req), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();

    /// <summary>Who asked, for the audit: the Entra ID object id behind App Service Authentication, else the operator key.</summary>
    private static string RequestedBy(HttpRequest request) =>
        request.Headers[OperatorAccess.PrincipalHeader].ToString() is { Length: > 0 } principal ? "entra:" + principal : "operator-key";
}

public static class ErasureFeature
{
    public static IServiceCollection AddErasureServices(this IServiceCollection services) => services.AddErasure();
}
