using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Customers;

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

/// <summary>The operator's view of one customer: identifiers masked, merges explained, the latest orders.</summary>
public sealed class CustomerViews(CustomerStore store)
{
    public async Task<CustomerView?> GetAsync(string id, CancellationToken cancellationToken)
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
            return null;
        }

        var orders = new List<OrderView>();
        foreach (var summary in record.Orders.OrderByDescending(o => o.OrderedAt).Take(100))
        {
            var order = await store.GetOrderAsync(summary.Key, cancellationToken);
            orders.Add(new OrderView(summary.Key.Source, summary.Key.OrderId, summary.OrderedAt, (order?.Status ?? OrderStatus.Paid).ToString(),
                order?.Total ?? summary.Net, summary.Net, record.CurrencyOf(summary), summary.Products));
        }

        return new CustomerView(
            record.CustomerId,
            requested,
            record.ToProfile(),
            record.Contact,
            [.. record.Identities.Select(k => $"{k.Kind}: {k.Masked()}")],
            [.. record.Merges.Select(m => new MergeView(m.MergedCustomerId, m.Source is { } source ? $"same {m.SharedKey.Kind} ({source})" : $"same {m.SharedKey.Kind}", m.SharedKey.Masked(), m.At, [.. m.Orders.Select(o => o.ToString())], m.Source))],
            [.. record.Separations.Select(x => new SeparationView(x.OtherCustomerId, $"{x.SharedKey.Kind}: {x.SharedKey.Masked()}", x.At))],
            orders,
            record.Flags);
    }
}
