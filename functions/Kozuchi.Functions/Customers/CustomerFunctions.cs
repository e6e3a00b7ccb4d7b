using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Customers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Customers;

/// <summary>One customer, explained: the profile, the orders, and why records were merged into it.</summary>
public static class CustomerFunctions
{
    public static FunctionRegistry AddCustomerFunctions(this FunctionRegistry registry) =>
        registry
            .Http("GetCustomer", "GET", "customers/{id}", GetAsync)
            .Http("UndoCustomerMerge", "POST", "customers/{id}/merges/{mergedId}/undo", UndoMergeAsync)
            .Http("SplitCustomer", "POST", "customers/{id}/split", SplitAsync);

    /// <summary>Which orders to take off a customer: <c>source:orderId</c> as shown in the customer view.</summary>
    public sealed record SplitRequest(IReadOnlyList<string>? Orders);

    public sealed record Correction(string CustomerId, string OtherCustomerId);

    internal static async Task<Results<Ok<Correction>, Conflict<string>>> UndoMergeAsync(string id, string mergedId, CustomerCorrections corrections, CancellationToken cancellationToken)
    {
        var result = await corrections.UnmergeAsync(id, mergedId, cancellationToken);
        return result.Done ? TypedResults.Ok(new Correction(result.CustomerId, result.OtherCustomerId!)) : TypedResults.Conflict(result.Refusal);
    }

    internal static async Task<Results<Ok<Correction>, BadRequest<string>, Conflict<string>>> SplitAsync(string id, SplitRequest request, CustomerCorrections corrections, CancellationToken cancellationToken)
    {
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

    /// <summary>A merge explained: the shared identifier (masked), where the joining order carried it (<c>customer.email</c>, <c>contact_email</c>…), when, and the orders that came over.</summary>
    public sealed record MergeView(string MergedCustomerId, string Reason, string SharedIdentifier, DateTimeOffset At, IReadOnlyList<string> Orders, string? Source = null);

    public sealed record OrderView(string Source, string OrderId, DateTimeOffset OrderedAt, string Status, decimal Total, decimal Net, string Currency, IReadOnlyList<string> Products);

    public sealed record SeparationView(string OtherCustomerId, string SharedIdentifier, DateTimeOffset At);

    public sealed record CustomerView(
        string CustomerId,
        string? RequestedId,
        CustomerProfile Profile,
        CustomerContact Contact,
        IReadOnlyList<string> Identifiers,
        IReadOnlyList<MergeView> Merges,
        IReadOnlyList<SeparationView> Separations,
        IReadOnlyList<OrderView> Orders,
        IReadOnlyList<string> Flags);

    internal static async Task<Results<Ok<CustomerView>, NotFound>> GetAsync(string id, CustomerStore store, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(id, cancellationToken);
        string? requested = null;

        // A merged id keeps working: it answers with the customer it was merged into.
        for (var hops = 0; record is { State: CustomerState.Merged, MergedInto: { } next } && hops < 32; hops++)
        {
            requested ??= id;
            record = await store.GetAsync(next, cancellationToken);
        }

        if (record is null)
        {
            return TypedResults.NotFound();
        }

        var orders = new List<OrderView>();
        foreach (var summary in record.Orders.OrderByDescending(o => o.OrderedAt).Take(100))
        {
            var order = await store.GetOrderAsync(summary.Key, cancellationToken);
            orders.Add(new OrderView(summary.Key.Source, summary.Key.OrderId, summary.OrderedAt, (order?.Status ?? OrderStatus.Paid).ToString(),
                order?.Total ?? summary.Net, summary.Net, record.CurrencyOf(summary), summary.Products));
        }

        return TypedResults.Ok(new CustomerView(
            record.CustomerId,
            requested,
            record.ToProfile(),
            record.Contact,
            [.. record.Identities.Select(k => $"{k.Kind}: {k.Masked()}")],
            [.. record.Merges.Select(m => new MergeView(m.MergedCustomerId, m.Source is { } source ? $"same {m.SharedKey.Kind} ({source})" : $"same {m.SharedKey.Kind}", m.SharedKey.Masked(), m.At, [.. m.Orders.Select(o => o.ToString())], m.Source))],
            [.. record.Separations.Select(x => new SeparationView(x.OtherCustomerId, $"{x.SharedKey.Kind}: {x.SharedKey.Masked()}", x.At))],
            orders,
            record.Flags));
    }
}
