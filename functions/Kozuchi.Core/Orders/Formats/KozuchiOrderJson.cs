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
        var country = Identity.IdentityNormalizer.Country(customer.Str("country"));
        var region = AddressFormat.Region(country, customer.Str("prefecture"));
        var contact = new OrderContact
        {
            Email = customer.Str("email"),
            Phone = customer.Str("phone"),
            Name = customer.Str("name"),
            NameKana = customer.Str("name_kana"),
            PostalCode = customer.Str("postal_code"),
            Country = country,
            Region = region,
            City = customer.Str("city"),
            AddressLine1 = customer.Str("address1"),
            AddressLine2 = customer.Str("address2"),
            Address = customer.Str("address") ?? AddressFormat.OneLine(country, region, customer.Str("city"), customer.Str("address1"), customer.Str("address2")),
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
            Currency = o.Str("currency") is { } currency
                ? Common.Currencies.Normalize(currency) ?? throw new FormatException($"'currency' must be an ISO 4217 code such as JPY; got '{currency}'.")
                : Common.Currencies.Default,
            Status = status,
            RefundedAmount = o.Money("refunded") ?? (status == OrderStatus.Refunded ? total : 0m),
            RefundIds = o.Prop("refund_ids") is { ValueKind: JsonValueKind.Array } refunds
                ? [.. refunds.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.String ? r.GetString()! : throw new FormatException("'refund_ids' must be strings."))]
                : [],
            IsSubscription = o.Bool("subscription") ?? false,
            AcquisitionMedium = o.Str("medium"),
            CheckoutToken = o.Str("cart_token"),
            Fulfillment = o.Str("fulfillment") is { } f ? ParseFulfillment(f) : FulfillmentStatus.None,
        };
    }

    public static FulfillmentStatus ParseFulfillment(string fulfillment) => fulfillment.Trim().ToLowerInvariant() switch
    {
        "" or "none" or "unfulfilled" or "未発送" => FulfillmentStatus.None,
        "partial" or "一部発送" => FulfillmentStatus.Partial,
        "fulfilled" or "shipped" or "発送済み" => FulfillmentStatus.Fulfilled,
        _ => throw new FormatException($"'fulfillment' must be none, partial or fulfilled; got '{fulfillment}'."),
    };

    public static string Fulfillment(FulfillmentStatus status) => status switch
    {
        FulfillmentStatus.Partial => "partial",
        FulfillmentStatus.Fulfilled => "fulfilled",
        _ => "none",
    };

    /// <summary>
    /// Writes orders in this format (<c>{"orders": [...]}</c>): what a shop's own system would send, and what the load
    /// driver and tests send. <see cref="Parse"/> reads it back to equal orders.
    /// </summary>
    public static byte[] Write(IReadOnlyCollection<Order> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        if (orders.Count > MaxOrdersPerPayload)
        {
            throw new ArgumentException($"At most {MaxOrdersPerPayload} orders per request; got {orders.Count}.", nameof(orders));
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("orders");
            foreach (var order in orders)
            {
                WriteOrder(w, order);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteOrder(Utf8JsonWriter w, Order o)
    {
        w.WriteStartObject();
        w.WriteString("source", o.Key.Source);
        w.WriteString("order_id", o.Key.OrderId);
        w.WriteString("ordered_at", o.OrderedAt);
        w.WriteString("updated_at", o.UpdatedAt);
        w.WriteNumber("total", o.Total);
        w.WriteString("currency", o.Currency);
        w.WriteString("status", Import.OrderCsvWriter.Status(o.Status));
        if (o.RefundedAmount != 0)
        {
            w.WriteNumber("refunded", o.RefundedAmount);
        }

        if (o.RefundIds.Count > 0)
        {
            w.WriteStartArray("refund_ids");
            foreach (var id in o.RefundIds)
            {
                w.WriteStringValue(id);
            }

            w.WriteEndArray();
        }

        w.WriteBoolean("subscription", o.IsSubscription);
        Optional(w, "medium", o.AcquisitionMedium);
        Optional(w, "cart_token", o.CheckoutToken);
        if (o.Fulfillment != FulfillmentStatus.None)
        {
            w.WriteString("fulfillment", Fulfillment(o.Fulfillment));
        }

        w.WriteStartObject("customer");
        Optional(w, "ref", o.CartCustomerId);
        Optional(w, "email", o.Contact.Email);
        Optional(w, "phone", o.Contact.Phone);
        Optional(w, "name", o.Contact.Name);
        Optional(w, "name_kana", o.Contact.NameKana);
        Optional(w, "postal_code", o.Contact.PostalCode);
        Optional(w, "address", o.Contact.Address);
        Optional(w, "country", o.Contact.Country);
        Optional(w, "prefecture", o.Contact.Region);
        Optional(w, "city", o.Contact.City);
        Optional(w, "address1", o.Contact.AddressLine1);
        Optional(w, "address2", o.Contact.AddressLine2);
        Optional(w, "birthday", o.Contact.Birthday?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        if (o.Contact.EmailOptIn is { } optIn)
        {
            w.WriteBoolean("email_opt_in", optIn);
        }

        w.WriteEndObject();
        w.WriteStartArray("lines");
        foreach (var l in o.Lines)
        {
            w.WriteStartObject();
            Optional(w, "sku", l.Sku);
            w.WriteString("name", l.ProductName);
            w.WriteNumber("quantity", l.Quantity);
            w.WriteNumber("unit_price", l.UnitPrice);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
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
