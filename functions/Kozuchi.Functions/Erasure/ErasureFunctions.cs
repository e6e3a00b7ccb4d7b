using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Security;
using Kozuchi.Storage.Erasure;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Erasure and data requests for one customer, by the shop's operators: <c>DELETE /api/customers/{id}</c> and
/// <c>POST /api/customers/{id}/data-request</c>. Shopify's GDPR webhooks reach the same service (<see cref="ShopifyPrivacy"/>).
/// </summary>
public sealed class ErasureFunctions(ErasureService erasure, OperatorAccess access)
{
    [Function("EraseCustomer")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> EraseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "customers/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await erasure.EraseAsync(id, RequestedBy(req), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();

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
