using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Core.Orders.Formats;

namespace Kozuchi.Core.Pulls;

/// <summary>
/// The landing format of a pulled page: the cart's own order objects, untouched, with the cart and the source they
/// came from — <c>{"cart":"base","source":"base","orders":[…]}</c>. Stored as is and mapped only when ingested, so a
/// mapping fixed later applies to what was pulled before when the blobs are replayed.
/// </summary>
public static class PulledOrders
{
    public static byte[] Write(PullSource source, IEnumerable<JsonObject> orders)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(orders);
        var envelope = new JsonObject
        {
            ["cart"] = source.Kind.Code(),
            ["source"] = source.EffectiveOrderSource,
            ["orders"] = new JsonArray([.. orders.Select(o => o.DeepClone())]),
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    public static PayloadResult Parse(ReadOnlySpan<byte> body, TimeZoneInfo zone)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            return PayloadResult.Fail($"Pulled page is not JSON: {ex.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            var cart = CartKinds.Parse(root.Str("cart"));
            var source = root.Str("source");
            if (cart is null || source is null || root.Prop("orders") is not { ValueKind: JsonValueKind.Array } orders)
            {
                return PayloadResult.Fail("Pulled page needs 'cart', 'source' and an 'orders' array.");
            }

            var result = new List<Orders.Order>();
            try
            {
                foreach (var o in orders.EnumerateArray())
                {
                    switch (cart.Value)
                    {
                        case CartKind.Shopify when o.Bool("test") == true:
                            continue; // test orders are not sales, as with webhooks
                        case CartKind.Shopify:
                            result.Add(ShopifyOrderJson.ParseOrder(o, zone, source));
                            break;
                        case CartKind.Base:
                            result.Add(BaseOrderJson.ParseOrder(o, source, zone));
                            break;
                        case CartKind.ColorMe:
                            result.Add(ColorMeOrderJson.ParseOrder(o, source, zone));
                            break;
                    }
                }
            }
            catch (FormatException ex)
            {
                return PayloadResult.Fail(ex.Message);
            }

            return new PayloadResult { Orders = result };
        }
    }
}
