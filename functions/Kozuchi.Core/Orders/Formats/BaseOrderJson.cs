using System.Text.Json;

namespace Kozuchi.Core.Orders.Formats;

/// <summary>
/// A BASE order as <c>GET /1/orders/detail/{unique_key}</c> returns it (the object under <c>order</c>): unix times,
/// amounts as numbers in yen, <c>dispatch_status</c> ordered|unpaid|shipping|dispatched|cancelled.
/// </summary>
public static class BaseOrderJson
{
    public const string Source = "base";

    internal static Order ParseOrder(JsonElement o, string source, TimeZoneInfo zone)
    {
        var id = o.Str("unique_key") ?? throw new FormatException("BASE order 'unique_key' is missing.");
        var ordered = o.Time("ordered", zone) ?? throw new FormatException($"BASE order {id}: 'ordered' is missing.");
        var lines = new List<OrderLine>();
        if (o.Prop("order_items") is { ValueKind: JsonValueKind.Array } items)
        {
            foreach (var item in items.EnumerateArray())
            {
                var title = item.Str("title") ?? "(no title)";
                lines.Add(new OrderLine
                {
                    Sku = item.Str("item_identifier"),
                    ProductName = item.Str("variation") is { } variation ? $"{title} {variation}" : title,
                    Quantity = item.Int("amount") ?? 1,
                    UnitPrice = item.Money("price") ?? 0m,
                });
            }
        }

        var status = o.Str("cancelled") is not null || o.Str("dispatch_status") == "cancelled" ? OrderStatus.Cancelled
            : o.Str("dispatch_status") == "unpaid" ? OrderStatus.Pending
            : OrderStatus.Paid;
        var name = string.Join(' ', new[] { o.Str("last_name"), o.Str("first_name") }.Where(s => s is not null));

        return new Order
        {
            Key = new OrderKey(source, id),
            OrderedAt = ordered,
            UpdatedAt = o.Time("modified", zone) ?? ordered,
            Contact = new OrderContact
            {
                Email = o.Str("mail_address"),
                Phone = o.Str("tel"),
                Name = name.Length == 0 ? null : name,
                PostalCode = o.Str("zip_code"),
                Region = o.Str("prefecture"),
                AddressLine1 = o.Str("address"),
                AddressLine2 = o.Str("address2"),
                Address = AddressFormat.OneLine(null, o.Str("prefecture"), null, o.Str("address"), o.Str("address2")),
            },
            Lines = lines,
            Total = o.Money("total") ?? throw new FormatException($"BASE order {id}: 'total' is missing."),
            Status = status,
            IsSubscription = o.Prop("subscription") is { } sub && sub.Str("unique_key") is not null,
        };
    }
}
