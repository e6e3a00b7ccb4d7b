using Kozuchi.Core.Orders;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Customers;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Customers;

/// <summary>One customer, explained: the profile, the orders, and why records were merged into it; and the operator's corrections.</summary>
public sealed class CustomerFunctions(CustomerViews views, CustomerCorrections corrections, CustomerFinder finder)
{
    /// <summary>Which orders to take off a customer: <c>source:orderId</c> as shown in the customer view.</summary>
    public sealed record SplitRequest(IReadOnlyList<string>? Orders);

    public sealed record Correction(string CustomerId, string OtherCustomerId);

    [Function("GetCustomer")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await views.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    /// <summary>Search by name, kana, e-mail, phone, order id or customer id; the text is in the body, never in the URL.</summary>
    [Function("SearchCustomers")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> SearchAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/search")] HttpRequest req, CancellationToken cancellationToken)
    {
        var request = await req.RequiredJsonAsync<CustomerSearchRequest>(cancellationToken);
        return string.IsNullOrWhiteSpace(request.Q) || request.Q.Length > 200
            ? TypedResults.BadRequest("Send {\"q\": \"…\"} with 1–200 characters: a name, kana, e-mail, phone number, order id or customer id.")
            : TypedResults.Ok(await finder.SearchAsync(request.Q, request.Take ?? 20, cancellationToken));
    }

    [Function("CustomerSends")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> SendsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}/sends")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await views.SendsAsync(id, cancellationToken) is { } sends ? TypedResults.Ok(sends) : TypedResults.NotFound();

    [Function("UndoCustomerMerge")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> UndoMergeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/merges/{mergedId}/undo")] HttpRequest req, string id, string mergedId, CancellationToken cancellationToken)
    {
        var result = await corrections.UnmergeAsync(id, mergedId, cancellationToken);
        return result.Done ? TypedResults.Ok(new Correction(result.CustomerId, result.OtherCustomerId!)) : TypedResults.Conflict(result.Refusal);
    }

    [Function("SplitCustomer")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> SplitAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/split")] HttpRequest req, string id, CancellationToken cancellationToken)
    {
        var request = await req.RequiredJsonAsync<SplitRequest>(cancellationToken);
        var keys = new HashSet<OrderKey>();
        foreach (var text in request.Orders ?? [])
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == text.Length - 1)
            {
                return TypedResults.BadRequest($"'{text}' is not an order reference; use source:orderId as the customer view shows it.");
            }

            keys.Add(new OrderKey(text[..colon], text[(colon + 1)..]));
        }

        if (keys.Count == 0)
        {
            return TypedResults.BadRequest("Name the orders to split off: {\"orders\": [\"source:orderId\", ...]}.");
        }

        var result = await corrections.SplitAsync(id, keys, cancellationToken);
        return result.Done ? TypedResults.Ok(new Correction(result.CustomerId, result.OtherCustomerId!)) : TypedResults.Conflict(result.Refusal);
    }
}
