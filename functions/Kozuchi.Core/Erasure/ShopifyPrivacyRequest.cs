using System.Globalization;
using System.Text.Json;

namespace Kozuchi.Core.Erasure;

/// <summary>The customer a Shopify privacy request names (any of the three may be missing).</summary>
public sealed record ShopifyPrivacyCustomer(string? Id, string? Email, string? Phone);

/// <summary>
/// One of Shopify's mandatory privacy webhooks, read strictly. Shopify's HMAC signs the body, not the
/// <c>X-Shopify-Topic</c> header, so a signed order body replayed under a privacy topic verifies: a privacy topic is
/// acted on only when the body has that topic's own shape. The shapes (shopify.dev, "Privacy law compliance"):
/// <list type="bullet">
/// <item><c>customers/data_request</c>: <c>shop_id</c>, <c>shop_domain</c>, <c>orders_requested</c> [ids],
/// <c>customer</c> {<c>id</c>, <c>email</c>, <c>phone</c>}, <c>data_request</c> {<c>id</c>}.</item>
/// <item><c>customers/redact</c>: <c>shop_id</c>, <c>shop_domain</c>, <c>customer</c> {…}, <c>orders_to_redact</c> [ids].</item>
/// <item><c>shop/redact</c>: <c>shop_id</c>, <c>shop_domain</c> and nothing that names a customer or an order.</item>
/// </list>
/// A body carrying another topic's fields, or an order's or checkout's own fields (<c>line_items</c>,
/// <c>total_price</c>, a top-level <c>id</c> or <c>email</c> …), is refused; fields Shopify may add later that are
/// neither are tolerated. Problems name fields, never values, so they can be logged.
/// </summary>
public sealed record ShopifyPrivacyRequest(string Topic, string ShopId, string ShopDomain, ShopifyPrivacyCustomer? Customer, IReadOnlyList<string> OrderIds)
{
    public const string CustomersRedact = "customers/redact";
    public const string CustomersDataRequest = "customers/data_request";
    public const string ShopRedact = "shop/redact";

    public static IReadOnlyList<string> Topics { get; } = [CustomersRedact, CustomersDataRequest, ShopRedact];

    // What each topic's body carries; a privacy body may not carry another topic's fields.
    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        [CustomersDataRequest] = ["shop_id", "shop_domain", "customer", "orders_requested", "data_request"],
        [CustomersRedact] = ["shop_id", "shop_domain", "customer", "orders_to_redact"],
        [ShopRedact] = ["shop_id", "shop_domain"],
    };

    private static readonly string[] PrivacyFields = ["shop_id", "shop_domain", "customer", "orders_requested", "orders_to_redact", "data_request"];

    // Top-level fields of Shopify's order, refund and checkout payloads: none of them belongs in a privacy request.
    private static readonly HashSet<string> OrderFields = new(StringComparer.Ordinal)
    {
        "id", "admin_graphql_api_id", "name", "order_number", "order_id", "email", "phone", "contact_email", "line_items", "total_price",
        "subtotal_price", "total_tax", "currency", "financial_status", "fulfillment_status", "created_at", "updated_at", "processed_at",
        "cancelled_at", "refunds", "refund_line_items", "transactions", "billing_address", "shipping_address", "token", "cart_token",
        "checkout_token", "abandoned_checkout_url", "source_name", "test", "buyer_accepts_marketing",
    };

    /// <summary>The request, or why the body is not one of <paramref name="topic"/>.</summary>
    public static (ShopifyPrivacyRequest? Request, string? Problem) Parse(string topic, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!Required.TryGetValue(topic, out var required))
        {
            return (null, $"'{topic}' is not a privacy topic.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            return (null, "the body is not JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "the body is not a JSON object.");
            }

            var names = root.EnumerateObject().Select(p => p.Name).ToList();
            if (names.FirstOrDefault(OrderFields.Contains) is { } orderField)
            {
                return (null, $"the body has the order field '{orderField}'.");
            }

            if (names.FirstOrDefault(n => PrivacyFields.Contains(n) && !required.Contains(n)) is { } foreign)
            {
                return (null, $"the body has '{foreign}', which {topic} does not carry.");
            }

            if (required.FirstOrDefault(n => !root.TryGetProperty(n, out _)) is { } absent)
            {
                return (null, $"the body lacks '{absent}'.");
            }

            if (Scalar(root.GetProperty("shop_id")) is not { Length: > 0 } shopId || !shopId.All(char.IsAsciiDigit))
            {
                return (null, "'shop_id' is not a shop id.");
            }

            if (root.GetProperty("shop_domain") is not { ValueKind: JsonValueKind.String } domain || domain.GetString() is not { Length: > 0 } shopDomain)
            {
                return (null, "'shop_domain' is not a domain.");
            }

            ShopifyPrivacyCustomer? customer = null;
            if (root.TryGetProperty("customer", out var c))
            {
                if (c.ValueKind != JsonValueKind.Object)
                {
                    return (null, "'customer' is not an object.");
                }

                customer = new ShopifyPrivacyCustomer(Field(c, "id"), Field(c, "email"), Field(c, "phone"));
                if (customer is { Id: null, Email: null, Phone: null })
                {
                    return (null, "'customer' names no id, email or phone.");
                }
            }

            if (root.TryGetProperty("data_request", out var request) && request.ValueKind != JsonValueKind.Object)
            {
                return (null, "'data_request' is not an object.");
            }

            var orders = new List<string>();
            foreach (var property in (string[])["orders_requested", "orders_to_redact"])
            {
                if (!root.TryGetProperty(property, out var list))
                {
                    continue;
                }

                if (list.ValueKind != JsonValueKind.Array)
                {
                    return (null, $"'{property}' is not a list of order ids.");
                }

                foreach (var order in list.EnumerateArray())
                {
                    if (Scalar(order) is not { Length: > 0 } orderId)
                    {
                        return (null, $"'{property}' holds something that is no order id.");
                    }

                    orders.Add(orderId);
                }
            }

            return (new ShopifyPrivacyRequest(topic, shopId, NormalizeDomain(shopDomain)!, customer, orders), null);
        }
    }

    /// <summary>A shop's myshopify domain as compared: lower case, without scheme, path or surrounding spaces.</summary>
    public static string? NormalizeDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return null;
        }

        var d = domain.Trim().ToLowerInvariant();
        foreach (var scheme in (string[])["https://", "http://"])
        {
            if (d.StartsWith(scheme, StringComparison.Ordinal))
            {
                d = d[scheme.Length..];
            }
        }

        return d.TrimEnd('/');
    }

    private static string? Field(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && Scalar(v) is { Length: > 0 } s ? s : null;

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
        _ => null,
    };
}
