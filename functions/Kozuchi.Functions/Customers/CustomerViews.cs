using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Customers;

/// <summary>A merge explained: the shared identifier (masked), where the joining order carried it (<c>customer.email</c>, <c>contact_email</c>…), when, and the orders that came over.</summary>
public sealed record MergeView(string MergedCustomerId, string Reason, string SharedIdentifier, DateTimeOffset At, IReadOnlyList<string> Orders, string? Source = null);

/// <summary>An order as the customer page lists it: <see cref="Products"/> are the keys (SKUs) analyses use, <see cref="ProductNames"/> what a person reads.</summary>
public sealed record OrderView(string Source, string OrderId, DateTimeOffset OrderedAt, string Status, decimal Total, decimal Net, string Currency, IReadOnlyList<string> Products)
{
    public IReadOnlyList<string> ProductNames { get; init; } = [];
}

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
    IReadOnlyList<string> Flags)
{
    /// <summary>The first order's products by name (入口商品).</summary>
    public IReadOnlyList<string> EntryProductNames { get; init; } = [];

    /// <summary>The operator's tags on the customer (<c>PUT/DELETE /api/customers/{id}/tags/{tag}</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>Active</c> or <c>Erased</c> by name (the profile carries the enum's number).</summary>
    public string State { get; init; } = nameof(CustomerState.Active);
}

/// <summary>
/// One send the scenario engine asked for, with what became of it (<c>Requested</c> while the send queue has it,
/// <c>Delivered</c> once the provider or sandbox took it, <c>Failed</c> with the reason) and, on the sandbox, the
/// message as it was rendered (a name for <c>GET /api/outbox/message</c>).
/// </summary>
public sealed record CustomerSendView(string ScenarioId, int Version, string EnrollmentId, string StepId, string Channel, DateTimeOffset At, string Status, string? Reason, string? OutboxMessage);

/// <summary>The operator's view of one customer: identifiers masked, merges explained, the latest orders.</summary>
public sealed class CustomerViews(CustomerStore store, EnrollmentStore enrollments, OutboxStore outbox, CustomerTagStore tags)
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
                order?.Total ?? summary.Net, summary.Net, record.CurrencyOf(summary), summary.Products)
            {
                // Summaries stored before names were kept have none: the order row has its lines.
                ProductNames = summary.ProductNames is { Count: > 0 } names ? names
                    : order is null ? [] : [.. order.Lines.Select(l => l.ProductName.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal)],
            });
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
            record.Flags)
        {
            EntryProductNames = record.EntryProductNames(),
            State = record.State.ToString(),
            Tags = await tags.OfAsync(record, cancellationToken),
        };
    }

    /// <summary>Every send of every scenario the customer entered, newest first, with the sandbox message where there is one.</summary>
    public async Task<IReadOnlyList<CustomerSendView>?> SendsAsync(string id, CancellationToken cancellationToken)
    {
        if (await store.GetActiveAsync(id, cancellationToken) is not { } record)
        {
            return null;
        }

        var sends = new List<CustomerSendView>();
        var outboxed = (await outbox.ForCustomerAsync(record.CustomerId, cancellationToken)).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var summary in await enrollments.ForCustomerAsync(record.CustomerId, cancellationToken))
        {
            if (await enrollments.GetAsync(record.CustomerId, summary.EnrollmentId, cancellationToken) is not { } stored)
            {
                continue;
            }

            foreach (var send in stored.State.Sends)
            {
                var name = OutboxStore.NameOf(summary.ScenarioId, record.CustomerId, send.IdempotencyKey);
                sends.Add(new CustomerSendView(summary.ScenarioId, summary.Version, summary.EnrollmentId, send.StepId, send.Channel.Code(), send.At,
                    send.Status.ToString(), send.Reason, outboxed.Contains(name) ? name : null));
            }
        }

        return [.. sends.OrderByDescending(s => s.At)];
    }
}
