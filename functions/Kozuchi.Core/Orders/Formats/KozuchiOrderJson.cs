using System.Text.Json;

namespace Kozuchi.Core.Orders.Formats;

/// <summary>
/// The Kozuchi JSON order: the format of the generic order webhook for carts without a Kozuchi adapter (EC-CUBE,
/// MakeShop, ecforce's templated webhooks, a shop's own system). One order object, or <c>{"orders": [...]}</c>.
/// docs/INGEST.md documents every field; a test parses the examples there.
/// </summary>
public static class KozuchiOrderJson
{
    public const int MaxOrdersPerPayload = 500;

    public static PayloadResult Parse(ReadOnlySpan<byte> body, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
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
            var items = root.Prop("orders") is { ValueKind: JsonValueKind.Array } arr ? arr.EnumerateArray().ToList()
                : root.ValueKind == JsonValueKind.Object ? [root]
                : null;
            if (items is null)
            {
                return PayloadResult.Fail("Body must be an order object or {\"orders\": [...]}.");
            }

            if (items.Count > MaxOrdersPerPayload)
            {
                return PayloadResult.Fail($"At most {MaxOrdersPerPayload} orders per request; got {items.Count}.");
            }

            var orders = new List<Order>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                try
                {
                    orders.Add(ParseOrder(items[i], zone));
                }
                catch (FormatException ex)
                {
                    return PayloadResult.Fail(items.Count == 1 ? ex.Message : $"orders[{i}]: {ex.Message}");
                }
            }

            return new PayloadResult { Orders = orders };
        }
    }

    private static Order ParseOrder(JsonElement o, TimeZoneInfo zone)
    {
        var source = o.Str("source") ?? throw new FormatException("'source' is required (the cart or system the order comes from).");
        var id = o.Str("order_id") ?? throw new FormatException("'order_id' is required.");
        var orderedAt = o.Time("ordered_at", zone) ?? throw new FormatException("'ordered_at' is required.");
        var total = o.Money("total") ?? throw new FormatException("'total' is required.");
        var customer = o.Prop("customer") ?? default;
        var contact = new OrderContact
        {
            Email = customer.Str("email"),
            Phone = customer.Str("phone"),
            Name = customer.Str("name"),
            NameKana = customer.Str("name_kana"),
            PostalCode = customer.Str("postal_code"),
            Address = customer.Str("address"),
            Birthday = customer.Str("birthday") is { } b ? DateOnly.TryParse(b, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"'customer.birthday' is not a date: {b}") : null,
            EmailOptIn = customer.Bool("email_opt_in"),
        };
        var cartCustomer = customer.Str("ref");
        if (cartCustomer is null && contact.Email is null && contact.Phone is null)
        {
            throw new FormatException("'customer' needs at least one of 'ref', 'email', 'phone'.");
        }

        var lines = new List<OrderLine>();
        if (o.Prop("lines") is { ValueKind: JsonValueKind.Array } arr)
        {
            var n = 0;
            foreach (var l in arr.EnumerateArray())
            {
                var name = l.Str("name") ?? l.Str("sku") ?? throw new FormatException($"lines[{n}] needs 'name' or 'sku'.");
                lines.Add(new OrderLine { Sku = l.Str("sku"), ProductName = name, Quantity = l.Int("quantity") ?? 1, UnitPrice = l.Money("unit_price") ?? 0m });
                n++;
            }
        }

        var status = o.Str("status") is { } s ? ParseStatus(s) : OrderStatus.Paid;
        return new Order
        {
            Key = new OrderKey(source, id),
            OrderedAt = orderedAt,
            UpdatedAt = o.Time("updated_at", zone) ?? orderedAt,
            CartCustomerId = cartCustomer,
            Contact = contact,
            Lines = lines,
            Total = total,
            Currency = o.Str("currency")?.ToUpperInvariant() ?? "JPY",
            Status = status,
            RefundedAmount = o.Money("refunded") ?? (status == OrderStatus.Refunded ? total : 0m),
            IsSubscription = o.Bool("subscription") ?? false,
            AcquisitionMedium = o.Str("medium"),
        };
    }

    public static OrderStatus ParseStatus(string status) => status.Trim().ToLowerInvariant() switch
    {
        "paid" or "入金済み" or "支払済み" or "completed" or "shipped" or "発送済み" => OrderStatus.Paid,
        "pending" or "new" or "未入金" or "unpaid" => OrderStatus.Pending,
        "cancelled" or "canceled" or "キャンセル" => OrderStatus.Cancelled,
        "refunded" or "返金済み" => OrderStatus.Refunded,
        "partially_refunded" or "一部返金" => OrderStatus.PartiallyRefunded,
        _ => throw new FormatException($"'status' must be paid, pending, cancelled, refunded or partially_refunded; got '{status}'."),
    };
}
