using System.Text.Json;
using Kozuchi.Core.Identity;

namespace Kozuchi.Core.Orders.Formats;

/// <summary>
/// A Shopify <c>refunds/create</c> body: applied to the stored order it belongs to. <see cref="ShopAmount"/> is the
/// refund in shop money (its line items' and adjustments' <c>*_set.shop_money</c>) when the body has it;
/// <see cref="Amount"/> is its successful refund transactions in <see cref="Currency"/> (the payment's, null when the
/// transactions do not say).
/// </summary>
public sealed record ShopifyRefund(string RefundId, string OrderId, DateTimeOffset CreatedAt, decimal Amount, string? Currency = null, decimal? ShopAmount = null, string? ShopCurrency = null)
{
    /// <summary>The refund in the order's currency, or null when the body holds it in no amount of that currency.</summary>
    public decimal? AmountIn(string currency) =>
        ShopAmount is { } shop && ShopCurrency == currency ? shop
        : Currency is null || Currency == currency ? Amount
        : null;
}

/// <summary>
/// Shopify order webhooks (REST Order resource) into Kozuchi orders. Money arrives as strings; Kozuchi takes the shop
/// currency amounts (<c>*_set.shop_money</c>), so every Shopify figure of one shop is in one currency whatever the
/// buyer paid in, and a body whose currency cannot be told is refused rather than assumed to be yen.
/// </summary>
public static class ShopifyOrderJson
{
    public const string Source = "shopify";

    public static PayloadResult Parse(string topic, ReadOnlySpan<byte> body, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(topic);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            return PayloadResult.Fail($"Body is not JSON: {ex.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return PayloadResult.Fail("Body must be a JSON object.");
            }

            try
            {
                if (topic == "refunds/create")
                {
                    var refundId = root.Str("id") ?? throw new FormatException("refund is missing id");
                    var orderId = root.Str("order_id") ?? throw new FormatException("refund is missing order_id");
                    var created = root.Time("created_at", zone) ?? throw new FormatException("refund is missing created_at");
                    var (amount, currency) = RefundTransactions(root);
                    var (shopAmount, shopCurrency) = RefundShopMoney(root);
                    return new PayloadResult { Refunds = [new ShopifyRefund(refundId, orderId, created, amount, currency, shopAmount, shopCurrency)] };
                }

                if (root.Bool("test") == true)
                {
                    return new PayloadResult { Ignored = "test order" };
                }

                return new PayloadResult { Orders = [ParseOrder(root, zone)] };
            }
            catch (FormatException ex)
            {
                return PayloadResult.Fail(ex.Message);
            }
        }
    }

    /// <summary>Successful refund transactions and their currency (the payment's; null when they do not say).</summary>
    private static (decimal Amount, string? Currency) RefundTransactions(JsonElement refund)
    {
        var sum = 0m;
        string? currency = null;
        if (refund.Prop("transactions") is { ValueKind: JsonValueKind.Array } txs)
        {
            foreach (var t in txs.EnumerateArray())
            {
                if (t.Str("kind") == "refund" && (t.Str("status") ?? "success") == "success")
                {
                    sum += t.Money("amount") ?? 0m;
                    currency ??= Common.Currencies.Normalize(t.Str("currency"));
                }
            }
        }

        return (sum, currency);
    }

    /// <summary>
    /// A refund in shop money: its line items' subtotals and taxes, less its order adjustments (Shopify records a
    /// refunded shipping fee as a negative adjustment); null when the body has no shop-money amounts.
    /// </summary>
    private static (decimal? Amount, string? Currency) RefundShopMoney(JsonElement refund)
    {
        decimal? sum = null;
        string? currency = null;
        void Add(JsonElement? set, int sign)
        {
            if (set?.Path("shop_money") is { } money && money.Money("amount") is { } amount)
            {
                sum = (sum ?? 0m) + (sign * amount);
                currency ??= Common.Currencies.Normalize(money.Str("currency_code"));
            }
        }

        if (refund.Prop("refund_line_items") is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var item in items.EnumerateArray())
            {
                Add(item.Prop("subtotal_set"), 1);
                Add(item.Prop("total_tax_set"), 1);
            }
        }

        if (refund.Prop("order_adjustments") is { ValueKind: JsonValueKind.Array } adjustments)
        {
            foreach (var adjustment in adjustments.EnumerateArray())
            {
                Add(adjustment.Prop("amount_set"), -1);
                Add(adjustment.Prop("tax_amount_set"), -1);
            }
        }

        return (sum, currency);
    }

    /// <summary>
    /// An amount in shop money: <c>{name}_set.shop_money</c> when the body has it, else the plain field (which the REST
    /// resource gives in the shop currency too). The currency is the shop money's, else the order's <c>currency</c>.
    /// </summary>
    private static (decimal? Amount, string? Currency) ShopMoney(JsonElement e, string name, string? orderCurrency)
    {
        if (e.Path(name + "_set.shop_money") is { } money && money.Money("amount") is { } amount)
        {
            return (amount, Common.Currencies.Normalize(money.Str("currency_code")) ?? orderCurrency);
        }

        return (e.Money(name), orderCurrency);
    }

    /// <summary>One REST Order object; the pull reads the same objects from <c>orders.json</c>.</summary>
    internal static Order ParseOrder(JsonElement o, TimeZoneInfo zone, string source = Source)
    {
        var id = o.Str("id") ?? throw new FormatException("order is missing id");
        var created = o.Time("processed_at", zone) ?? o.Time("created_at", zone) ?? throw new FormatException("order is missing created_at");
        var stated = o.Str("currency") is { } c ? Common.Currencies.Normalize(c) ?? throw new FormatException($"order currency '{c}' is not an ISO 4217 code") : null;
        var (total, currency) = ShopMoney(o, "total_price", stated);
        if (total is null)
        {
            throw new FormatException("order is missing total_price (and total_price_set.shop_money)");
        }

        if (currency is null)
        {
            throw new FormatException("order is missing currency (and total_price_set.shop_money.currency_code): the amounts' currency is unknown");
        }

        var customer = o.Prop("customer") ?? default;
        var billingGiven = Address(o.Prop("billing_address")) is not null;
        var billing = Address(o.Prop("billing_address")) ?? Address(o.Prop("shipping_address")) ?? default;
        var lines = new List<OrderLine>();
        var subscription = false;
        if (o.Prop("line_items") is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var l in items.EnumerateArray())
            {
                lines.Add(Line(l, currency));
                subscription |= l.Prop("selling_plan_allocation") is not null;
            }
        }

        var refunds = new List<string>();
        var refunded = 0m;
        if (o.Prop("refunds") is { ValueKind: JsonValueKind.Array } rs)
        {
            foreach (var r in rs.EnumerateArray())
            {
                refunds.Add(r.Str("id") ?? string.Empty);
                var (shopAmount, shopCurrency) = RefundShopMoney(r);
                var (amount, paid) = RefundTransactions(r);
                refunded += new ShopifyRefund(string.Empty, id, created, amount, paid, shopAmount, shopCurrency).AmountIn(currency) ?? 0m;
            }
        }

        // What is left to pay after refunds and edits, when the body says (2021-01 and later): the surest net in shop money.
        if (ShopMoney(o, "current_total_price", currency) is ({ } current, { } currentCurrency) && currentCurrency == currency)
        {
            refunded = Math.Max(refunded, total.Value - current);
        }

        var tags = o.Str("tags") ?? string.Empty;
        subscription |= tags.Contains("Subscription", StringComparison.OrdinalIgnoreCase) || tags.Contains("定期", StringComparison.Ordinal);
        var status = o.Str("cancelled_at") is not null ? OrderStatus.Cancelled : o.Str("financial_status") switch
        {
            "paid" => OrderStatus.Paid,
            "partially_refunded" => OrderStatus.PartiallyRefunded,
            "refunded" => OrderStatus.Refunded,
            "voided" => OrderStatus.Cancelled,
            _ => OrderStatus.Pending,
        };
        var country = IdentityNormalizer.Country(billing.Str("country_code") ?? billing.Str("country"));
        var region = country is null or "JP" ? IdentityNormalizer.Prefecture(billing.Str("province_code")) ?? AddressFormat.Region(country, billing.Str("province")) : billing.Str("province");
        var addressName = billing.Str("name") ?? PersonName(billing.Str("last_name"), billing.Str("first_name"));
        var identifiers = new List<ContactIdentifier>();
        void Identifier(IdentityKind kind, string? value, string from)
        {
            if (value is not null)
            {
                identifiers.Add(new ContactIdentifier(kind, value, from));
            }
        }

        Identifier(IdentityKind.Email, customer.Str("email"), "customer.email");
        Identifier(IdentityKind.Email, o.Str("email"), "email");
        Identifier(IdentityKind.Email, o.Str("contact_email"), "contact_email");
        Identifier(IdentityKind.Phone, customer.Str("phone"), "customer.phone");
        Identifier(IdentityKind.Phone, o.Str("phone"), "phone");
        Identifier(IdentityKind.Phone, billing.Str("phone"), billingGiven ? "billing_address.phone" : "shipping_address.phone");
        return new Order
        {
            Key = new OrderKey(source, id),
            OrderedAt = created,
            UpdatedAt = o.Time("updated_at", zone) ?? created,
            CartCustomerId = customer.Str("id"),
            Contact = new OrderContact
            {
                // The customer's own e-mail and phone first: the order's are what was typed at checkout, and all are identifiers.
                Email = customer.Str("email") ?? o.Str("email") ?? o.Str("contact_email"),
                Phone = customer.Str("phone") ?? o.Str("phone") ?? billing.Str("phone"),
                Name = PersonName(customer.Str("last_name"), customer.Str("first_name")) ?? addressName,
                PostalCode = billing.Str("zip"),
                Country = country,
                Region = region,
                City = billing.Str("city"),
                AddressLine1 = billing.Str("address1"),
                AddressLine2 = billing.Str("address2"),
                AddressName = addressName,
                Address = AddressFormat.OneLine(country, region, billing.Str("city"), billing.Str("address1"), billing.Str("address2")),
                EmailOptIn = o.Bool("buyer_accepts_marketing")
                    ?? (customer.Prop("email_marketing_consent") is { } consent ? consent.Str("state") == "subscribed" : null),
                Identifiers = identifiers,
            },
            Lines = lines,
            Total = total.Value,
            Currency = currency,
            Status = status,
            RefundedAmount = Math.Min(total.Value, refunded),
            RefundIds = refunds,
            IsSubscription = subscription,
            CheckoutToken = o.Str("checkout_token"),
            Fulfillment = o.Str("fulfillment_status") switch
            {
                "fulfilled" or "restocked" => FulfillmentStatus.Fulfilled,
                "partial" => FulfillmentStatus.Partial,
                _ => FulfillmentStatus.None,
            },
            AcquisitionMedium = UtmSource(o.Str("landing_site")) ?? o.Str("referring_site") switch { { } site when Uri.TryCreate(site, UriKind.Absolute, out var u) => u.Host, _ => null },
        };
    }

    /// <summary>An address object with at least one part (carts send <c>{}</c> or all-null objects for none).</summary>
    private static JsonElement? Address(JsonElement? address) =>
        address is { ValueKind: JsonValueKind.Object } a && AddressParts.Any(p => a.Str(p) is not null) ? a : null;

    private static readonly string[] AddressParts = ["zip", "address1", "city", "province", "country", "name", "phone"];

    /// <summary>A refund applied to a stored order version: counts once whatever the delivery order.</summary>
    public static Order? ApplyRefund(Order stored, ShopifyRefund refund)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(refund);
        if (stored.RefundIds.Contains(refund.RefundId))
        {
            return null;
        }

        // A refund whose body holds no amount in the order's currency is recorded (so it is not counted later) without an
        // amount; the order's own orders/updated delivery carries the refunded total in shop money.
        var refunded = Math.Min(stored.Total, stored.RefundedAmount + (refund.AmountIn(stored.Currency) ?? 0m));
        return stored with
        {
            RefundedAmount = refunded,
            RefundIds = [.. stored.RefundIds, refund.RefundId],
            Status = stored.Status == OrderStatus.Cancelled ? OrderStatus.Cancelled : refunded >= stored.Total ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded,
            UpdatedAt = refund.CreatedAt > stored.UpdatedAt ? refund.CreatedAt : stored.UpdatedAt.AddTicks(1),
        };
    }

    /// <summary>Family name first for names in Japanese (or other CJK) script, given name first otherwise: 佐藤 花子, Jon Doe.</summary>
    private static string? PersonName(string? last, string? first)
    {
        if (last is null && first is null)
        {
            return null;
        }

        var cjk = (last + first).Any(c => c is >= '\u3040' and <= '\u30FF' or >= '\u4E00' and <= '\u9FFF' or >= '\uAC00' and <= '\uD7AF');
        return string.Join(' ', (cjk ? new[] { last, first } : [first, last]).Where(s => s is not null));
    }

    private static string? UtmSource(string? landing)
    {
        if (landing is null)
        {
            return null;
        }

        var q = landing.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return null;
        }

        foreach (var part in landing[(q + 1)..].Split('&'))
        {
            if (part.StartsWith("utm_source=", StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(part["utm_source=".Length..]);
            }
        }

        return null;
    }

    /// <summary>
    /// A line item as orders and checkouts share it: title with variant, SKU, quantity, unit price (in shop money when
    /// the item has <c>price_set</c> in <paramref name="currency"/>).
    /// </summary>
    internal static OrderLine Line(JsonElement item, string? currency = null)
    {
        var title = item.Str("title") ?? item.Str("name") ?? "(no title)";
        var (price, priceCurrency) = ShopMoney(item, "price", currency);
        return new OrderLine
        {
            Sku = item.Str("sku"),
            ProductName = item.Str("variant_title") is { } v ? $"{title} {v}" : title,
            Quantity = item.Int("quantity") ?? 1,
            UnitPrice = (currency is not null && priceCurrency == currency ? price : item.Money("price")) ?? 0m,
        };
    }
}
