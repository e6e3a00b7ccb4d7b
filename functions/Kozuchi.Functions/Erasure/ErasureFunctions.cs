using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Security;
using Kozuchi.Storage.Erasure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Erasure and data requests for one customer, by the shop's operators: <c>DELETE /api/customers/{id}</c> and
/// <c>POST /api/customers/{id}/data-request</c>. Shopify's GDPR webhooks reach the same service (<see cref="ShopifyPrivacy"/>).
/// </summary>
public static class ErasureFunctions
{
    public static FunctionRegistry AddErasureFunctions(this FunctionRegistry registry) =>
        registry
            .Http("EraseCustomer", "DELETE", "customers/{id}", EraseAsync)
            .Http("CustomerDataRequest", "POST", "customers/{id}/data-request", DataRequestAsync);

    public static IServiceCollection AddErasureServices(this IServiceCollection services) => services.AddErasure();

    internal static async Task<Results<Ok<ErasureResult>, NotFound>> EraseAsync(string id, HttpRequest request, ErasureService erasure, CancellationToken cancellationToken) =>
        await erasure.EraseAsync(id, RequestedBy(request), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();

    internal static async Task<Results<Ok<ErasureResult>, NotFound>> DataRequestAsync(string id, HttpRequest request, ErasureService erasure, CancellationToken cancellationToken) =>
        await erasure.ExportAsync(id, RequestedBy(request), "operator request", cancellationToken) is { } result ? TypedResults.Ok(result) : TypedResults.NotFound();

    /// <summary>Who asked, for the audit: the Entra ID object id behind App Service Authentication, else the operator key.</summary>
    private static string RequestedBy(HttpRequest request) =>
        request.Headers[OperatorAccess.PrincipalHeader].ToString() is { Length: > 0 } principal ? "entra:" + principal : "operator-key";
}
