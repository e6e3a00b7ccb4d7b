namespace Kozuchi.Core.Orders;

/// <summary>An order's identity: the cart (or import) it came from and that cart's order id.</summary>
public readonly record struct OrderKey(string Source, string OrderId)
{
    public override string ToString() => $"{Source}:{OrderId}";
}

/// <summary>How far an order's goods went out (Shopify <c>fulfillment_status</c>); a later state wins a same-second tie.</summary>
public enum FulfillmentStatus
{
    None,
    Partial,
    Fulfilled,
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

/// <summary>
/// An e-mail or phone an order carries besides its contact ones, and where in the order it was (Shopify's
/// <c>customer.email</c> next to the order's <c>email</c>, <c>contact_email</c>): each is an identifier for 名寄せ.
/// </summary>
public sealed record ContactIdentifier(Identity.IdentityKind Kind, string Value, string Source);

/// <summary>
/// What the order says about the person; raw as received — identity resolution normalises it. <see cref="Email"/>
/// and <see cref="Phone"/> are the ones to reach the person on; <see cref="Identifiers"/> lists every e-mail and phone
/// the order carried with its source (the contact ones included when the format names their source). The address is
/// kept in its parts when the cart gives them (<see cref="Region"/>, <see cref="City"/>, <see cref="AddressLine1"/>…)
/// and as one line a person can read (<see cref="Address"/>).
/// </summary>
public sealed record OrderContact
{
    public string? Email { get; init; }
    public string? Phone { get; init; }

    /// <summary>The person's name (Shopify: the customer's own, not the billing name).</summary>
    public string? Name { get; init; }
    public string? NameKana { get; init; }
    public string? PostalCode { get; init; }

    /// <summary>The whole address on one line, parts separated as the country writes them (see <see cref="AddressFormat"/>).</summary>
    public string? Address { get; init; }

    /// <summary>ISO 3166-1 alpha-2 when known (<c>JP</c>, <c>AU</c>), else as the cart wrote it.</summary>
    public string? Country { get; init; }

    /// <summary>Prefecture (都道府県), province or state.</summary>
    public string? Region { get; init; }
    public string? City { get; init; }
    public string? AddressLine1 { get; init; }
    public string? AddressLine2 { get; init; }

    /// <summary>The name on the address (Shopify's billing name), which may differ from the person's.</summary>
    public string? AddressName { get; init; }
    public DateOnly? Birthday { get; init; }

    /// <summary>Every e-mail and phone the order carried, with where it was; null when the format has only the contact ones.</summary>
    public IReadOnlyList<ContactIdentifier>? Identifiers { get; init; }

    /// <summary>The cart's marketing consent (Shopify <c>buyer_accepts_marketing</c>); null when the cart says nothing.</summary>
    public bool? EmailOptIn { get; init; }
}

/// <summary>
/// One order in Kozuchi's model, whatever cart or file it came from. Money is decimal in the order's currency (ISO
/// 4217; Shopify's shop currency). Which of two versions of the same order wins is <see cref="OrderVersions"/>'s rule:
/// the later <see cref="UpdatedAt"/>, and within the same second the version further along (deliveries are unordered).
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
    /// <summary>
    /// ISO 4217. JPY is the documented default of the Japanese formats (generic webhook, CSV, BASE, カラーミー) and of
    /// data stored before currencies were recorded; a Shopify order always states its own (shop money).
    /// </summary>
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

    public FulfillmentStatus Fulfillment { get; init; }

    /// <summary>Counts towards frequency: anything not cancelled (a pending order is still an order placed).</summary>
    public bool Counts => Status != OrderStatus.Cancelled;

    /// <summary>Revenue net of refunds; zero when cancelled.</summary>
    public decimal NetAmount => Counts ? Math.Max(0, Total - RefundedAmount) : 0;
}
