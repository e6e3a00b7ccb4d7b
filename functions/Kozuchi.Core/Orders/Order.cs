namespace Kozuchi.Core.Orders;

/// <summary>An order's identity: the cart (or import) it came from and that cart's order id.</summary>
public readonly record struct OrderKey(string Source, string OrderId)
{
    public override string ToString() => $"{Source}:{OrderId}";
}

public enum OrderStatus
{
    /// <summary>Created but not paid (Shopify's orders/create can precede payment).</summary>
    Pending,
    Paid,
    PartiallyRefunded,
    Refunded,
    Cancelled,
}

public sealed record OrderLine
{
    public string? Sku { get; init; }
    public required string ProductName { get; init; }
    public int Quantity { get; init; } = 1;
    public decimal UnitPrice { get; init; }

    /// <summary>The product key analyses group by: the SKU when the cart has one, else the product name.</summary>
    public string ProductKey => string.IsNullOrWhiteSpace(Sku) ? ProductName : Sku;
}

/// <summary>What the order says about the person; raw as received — identity resolution normalises it.</summary>
public sealed record OrderContact
{
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Name { get; init; }
    public string? NameKana { get; init; }
    public string? PostalCode { get; init; }
    public string? Address { get; init; }
    public DateOnly? Birthday { get; init; }

    /// <summary>The cart's marketing consent (Shopify <c>buyer_accepts_marketing</c>); null when the cart says nothing.</summary>
    public bool? EmailOptIn { get; init; }
}

/// <summary>
/// One order in Kozuchi's model, whatever cart or file it came from. Money is decimal in the order's currency;
/// <see cref="UpdatedAt"/> decides which of two versions of the same order wins (deliveries are unordered).
/// </summary>
public sealed record Order
{
    public required OrderKey Key { get; init; }
    public required DateTimeOffset OrderedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string? CartCustomerId { get; init; }
    public OrderContact Contact { get; init; } = new();
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
    public required decimal Total { get; init; }
    public string Currency { get; init; } = "JPY";
    public OrderStatus Status { get; init; } = OrderStatus.Paid;
    public decimal RefundedAmount { get; init; }

    /// <summary>The cart's ids of refunds already counted in <see cref="RefundedAmount"/>, so a refund delivered twice counts once.</summary>
    public IReadOnlyList<string> RefundIds { get; init; } = [];

    /// <summary>A subscription (定期) order.</summary>
    public bool IsSubscription { get; init; }

    /// <summary>Where the customer came from (広告媒体: a UTM source, an affiliate, a landing page id).</summary>
    public string? AcquisitionMedium { get; init; }

    /// <summary>The cart's token of the checkout this order completed (Shopify <c>checkout_token</c>): the checkout is not abandoned.</summary>
    public string? CheckoutToken { get; init; }

    /// <summary>Counts towards frequency: anything not cancelled (a pending order is still an order placed).</summary>
    public bool Counts => Status != OrderStatus.Cancelled;

    /// <summary>Revenue net of refunds; zero when cancelled.</summary>
    public decimal NetAmount => Counts ? Math.Max(0, Total - RefundedAmount) : 0;
}
