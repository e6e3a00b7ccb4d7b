using System.Text.Json;

namespace Kozuchi.Core.Orders.Formats;

/// <summary>A Shopify <c>refunds/create</c> body: applied to the stored order it belongs to.</summary>
public sealed record ShopifyRefund(string RefundId, string OrderId, DateTimeOffset CreatedAt, decimal Amount);

/// <summary>Shopify order webhooks (REST Order resource) into Kozuchi orders. Money arrives as strings.</summary>
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
                    var refundId = root.Str("id") ?? throw new FormatException("refund 'id' is missing.");
                    var orderId = root.Str("order_id") ?? throw new FormatException("refund 'order_id' is missing.");
                    var created = root.Time("created_at", zone) ?? throw new FormatException("refund 'created_at' is missing.");
                    return new PayloadResult { Refunds = [new ShopifyRefund(refundId, orderId, created, RefundTotal(root))] };
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

    private static decimal RefundTotal(JsonElement refund)
    {
        var sum = 0m;
        if (refund.Prop("transactions") is { ValueKind: JsonValueKind.Array } txs)
        {
            foreach (var t in txs.EnumerateArray())
            {
                if (t.Str("kind") == "refund" && (t.Str("status") ?? "success") == "success")
                {
                    sum += t.Money("amount") ?? 0m;
                }
            }
        }

        return sum;
    }

    /// <summary>One REST Order object; the pull reads the same objects from <c>orders.json</c>.</summary>
    internal static Order ParseOrder(JsonElement o, TimeZoneInfo zone, string source = Source)
    {
        var id = o.Str("id") ?? throw new FormatException("order 'id' is missing.");
        var created = o.Time("processed_at", zone) ?? o.Time("created_at", zone) ?? throw new FormatException("order 'created_at' is missing.");
        var customer = o.Prop("customer") ?? default;
        var billing = o.Prop("billing_address") ?? o.Prop("shipping_address") ?? default;
        var lines = new List<OrderLine>();
        var subscription = false;
        if (o.Prop("line_items") is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var l in items.EnumerateArray())
            {
                lines.Add(Line(l));
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
                refunded += RefundTotal(r);
            }
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
        var name = billing.Str("name") ?? JoinName(customer.Str("last_name"), customer.Str("first_name"));
        var address = string.Concat(billing.Str("province") ?? string.Empty, billing.Str("city") ?? string.Empty, billing.Str("address1") ?? string.Empty, billing.Str("address2") is { } a2 ? " " + a2 : string.Empty);
        var total = o.Money("total_price") ?? throw new FormatException("order 'total_price' is missing.");
        return new Order
        {
            Key = new OrderKey(source, id),
            OrderedAt = created,
            UpdatedAt = o.Time("updated_at", zone) ?? created,
            CartCustomerId = customer.Str("id"),
            Contact = new OrderContact
            {
                Email = o.Str("email") ?? o.Str("contact_email") ?? customer.Str("email"),
                Phone = o.Str("phone") ?? customer.Str("phone") ?? billing.Str("phone"),
                Name = name,
                PostalCode = billing.Str("zip"),
                Address = address.Length == 0 ? null : address,
                EmailOptIn = o.Bool("buyer_accepts_marketing")
                    ?? (customer.Prop("email_marketing_consent") is { } consent ? consent.Str("state") == "subscribed" : null),
            },
            Lines = lines,
            Total = total,
            Currency = o.Str("currency") ?? "JPY",
            Status = status,
            RefundedAmount = Math.Min(total, refunded),
            RefundIds = refunds,
            IsSubscription = subscription,
            CheckoutToken = o.Str("checkout_token"),
            AcquisitionMedium = UtmSource(o.Str("landing_site")) ?? o.Str("referring_site") switch { { } site when Uri.TryCreate(site, UriKind.Absolute, out var u) => u.Host, _ => null },
        };
    }

    /// <summary>A refund applied to a stored order version: counts once whatever the delivery order.</summary>
    public static Order? ApplyRefund(Order stored, ShopifyRefund refund)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(refund);
        if (stored.RefundIds.Contains(refund.RefundId))
        {
            return null;
        }

        var refunded = Math.Min(stored.Total, stored.RefundedAmount + refund.Amount);
        return stored with
        {
            RefundedAmount = refunded,
            RefundIds = [.. stored.RefundIds, refund.RefundId],
            Status = stored.Status == OrderStatus.Cancelled ? OrderStatus.Cancelled : refunded >= stored.Total ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded,
            UpdatedAt = refund.CreatedAt > stored.UpdatedAt ? refund.CreatedAt : stored.UpdatedAt.AddTicks(1),
        };
    }

    private static string? JoinName(string? last, string? first) =>
        last is null && first is null ? null : string.Join(' ', new[] { last, first }.Where(s => s is not null));

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

    /// <summary>A line item as orders and checkouts share it: title with variant, SKU, quantity, unit price.</summary>
    internal static OrderLine Line(JsonElement item)
    {
        var title = item.Str("title") ?? item.Str("name") ?? "(no title)";
        return new OrderLine
        {
            Sku = item.Str("sku"),
            ProductName = item.Str("variant_title") is { } v ? $"{title} {v}" : title,
            Quantity = item.Int("quantity") ?? 1,
            UnitPrice = item.Money("price") ?? 0m,
        };
    }
}
