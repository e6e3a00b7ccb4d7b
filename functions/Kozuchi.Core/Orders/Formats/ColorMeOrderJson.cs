using System.Text.Json;

namespace Kozuchi.Core.Orders.Formats;

/// <summary>
/// A カラーミーショップ sale (受注) as <c>GET /v1/sales.json</c> lists it: <c>make_date</c>/<c>update_date</c>,
/// <c>total_price</c>, <c>canceled</c>/<c>paid</c>, the <c>customer</c> and the <c>details</c> lines.
/// </summary>
public static class ColorMeOrderJson
{
    public const string Source = "colorme";

    internal static Order ParseOrder(JsonElement o, string source, TimeZoneInfo zone)
    {
        var id = o.Str("id") ?? throw new FormatException("カラーミー sale 'id' is missing.");
        var made = o.Time("make_date", zone) ?? throw new FormatException($"カラーミー sale {id}: 'make_date' is missing.");
        var customer = o.Prop("customer") ?? default;
        var lines = new List<OrderLine>();
        if (o.Prop("details") is { ValueKind: JsonValueKind.Array } details)
        {
            foreach (var d in details.EnumerateArray())
            {
                lines.Add(new OrderLine
                {
                    Sku = d.Str("product_model_number"),
                    // The name at order time; product_name is the product's current name.
                    ProductName = d.Str("pristine_product_full_name") ?? d.Str("product_name") ?? "(no name)",
                    Quantity = d.Int("product_num") ?? 1,
                    UnitPrice = d.Money("price_with_tax") ?? d.Money("price") ?? 0m,
                });
            }
        }

        var status = o.Bool("canceled") == true ? OrderStatus.Cancelled
            : o.Bool("paid") == false ? OrderStatus.Pending
            : OrderStatus.Paid;

        return new Order
        {
            Key = new OrderKey(source, id),
            OrderedAt = made,
            UpdatedAt = o.Time("update_date", zone) ?? made,
            CartCustomerId = customer.Str("id"),
            Contact = new OrderContact
            {
                Email = customer.Str("mail"),
                Phone = customer.Str("tel") ?? customer.Str("tel_mobile"),
                Name = customer.Str("name"),
                NameKana = customer.Str("furigana"),
                PostalCode = customer.Str("postal"),
                Region = customer.Str("pref_name"),
                AddressLine1 = customer.Str("address1"),
                AddressLine2 = customer.Str("address2"),
                Address = AddressFormat.OneLine(null, customer.Str("pref_name"), null, customer.Str("address1"), customer.Str("address2")),
            },
            Lines = lines,
            Total = o.Money("total_price") ?? throw new FormatException($"カラーミー sale {id}: 'total_price' is missing."),
            Status = status,
        };
    }
}
