using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Checkouts;

/// <summary>A checkout's identity: the cart it came from and that cart's checkout (cart) token.</summary>
public readonly record struct CheckoutKey(string Source, string Token)
{
    public override string ToString() => $"{Source}:{Token}";
}

/// <summary>
/// A cart that reached the checkout (カゴ落ち candidate). Its contact fields are personal data held in
/// <see cref="Contact"/> only, so erasure has one place to clear; <see cref="UpdatedAt"/> decides which of two
/// versions wins, as for orders.
/// </summary>
public sealed record Checkout
{
    public required CheckoutKey Key { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public string? CartCustomerId { get; init; }
    public OrderContact Contact { get; init; } = new();
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
    public decimal Total { get; init; }
    public string Currency { get; init; } = "JPY";

    /// <summary>The cart's link back to this cart (Shopify <c>abandoned_checkout_url</c>).</summary>
    public string? RecoveryUrl { get; init; }

    /// <summary>When the checkout became an order, as the cart reports it.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The strong identifiers the checkout carries, normalised as an order's are.</summary>
    public IReadOnlyList<IdentityKey> IdentityKeys() => IdentityKey.From(Key.Source, CartCustomerId, Contact);
}

public enum AbandonmentVerdict
{
    /// <summary>No order since the checkout and the delay has passed: the recovery scenario starts.</summary>
    Abandoned,

    /// <summary>The checkout changed less than the delay ago: the timer its latest update scheduled decides.</summary>
    NotYetDue,

    /// <summary>The cart reports the checkout completed.</summary>
    Completed,

    /// <summary>The customer ordered at or after the checkout's creation.</summary>
    Ordered,

    /// <summary>No customer holds any of the checkout's identifiers (yet).</summary>
    Anonymous,
}

/// <summary>The abandonment rule, pure: decided again when each checkout's timer fires, on what is stored then.</summary>
public static class Abandonment
{
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromHours(1);

    /// <param name="customerLastOrderAt">The linked customer's last counted order; null when they have none.</param>
    /// <param name="linked">Whether the checkout belongs to a known customer.</param>
    public static AbandonmentVerdict Check(Checkout checkout, TimeSpan delay, DateTimeOffset now, bool linked, DateTimeOffset? customerLastOrderAt)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        if (checkout.CompletedAt is not null)
        {
            return AbandonmentVerdict.Completed;
        }

        if (now < checkout.UpdatedAt + delay)
        {
            return AbandonmentVerdict.NotYetDue;
        }

        if (!linked)
        {
            return AbandonmentVerdict.Anonymous;
        }

        return customerLastOrderAt is { } last && last >= checkout.CreatedAt ? AbandonmentVerdict.Ordered : AbandonmentVerdict.Abandoned;
    }
}
