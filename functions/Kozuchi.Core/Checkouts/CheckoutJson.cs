using System.Text.Json;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;

namespace Kozuchi.Core.Checkouts;

/// <summary>What a checkout payload held: one checkout, or a reason it could not be read (bad input is a result).</summary>
public sealed record CheckoutPayload
{
    public Checkout? Checkout { get; init; }
    public string? Error { get; init; }

    public bool IsError => Error is not null;

    public static CheckoutPayload Fail(string error) => new() { Error = error };
}

/// <summary>Shopify <c>checkouts/create</c> and <c>checkouts/update</c> bodies (REST Checkout resource). Money arrives as strings.</summary>
public static class ShopifyCheckoutJson
{
    public static IReadOnlyList<string> Topics { get; } = ["checkouts/create", "checkouts/update"];

    public static CheckoutPayload Parse(ReadOnlySpan<byte> body, TimeZoneInfo zone) =>
        CheckoutJson.Read(body, root =>
        {
            var token = root.Str("token") ?? root.Str("cart_token") ?? throw new FormatException("checkout 'token' is missing.");
            var created = root.Time("created_at", zone) ?? throw new FormatException("checkout 'created_at' is missing.");
            var customer = root.Prop("customer") ?? default;
            var lines = new List<OrderLine>();
            if (root.Prop("line_items") is { ValueKind: JsonValueKind.Array } items)
            {
                foreach (var l in items.EnumerateArray())
                {
                    lines.Add(ShopifyOrderJson.Line(l));
                }
            }

            return new Checkout
            {
                Key = new CheckoutKey(ShopifyOrderJson.Source, token),
                CreatedAt = created,
                UpdatedAt = root.Time("updated_at", zone) ?? created,
                CartCustomerId = customer.Str("id"),
                Contact = new OrderContact
                {
                    Email = root.Str("email") ?? customer.Str("email"),
                    Phone = root.Str("phone") ?? customer.Str("phone"),
                    Name = customer.Str("last_name") is null && customer.Str("first_name") is null ? null : string.Join(' ', new[] { customer.Str("last_name"), customer.Str("first_name") }.Where(s => s is not null)),
                    EmailOptIn = root.Bool("buyer_accepts_marketing"),
                },
                Lines = lines,
                Total = root.Money("total_price") ?? lines.Sum(l => l.UnitPrice * l.Quantity),
                Currency = root.Str("presentment_currency") ?? root.Str("currency") ?? "JPY",
                RecoveryUrl = root.Str("abandoned_checkout_url"),
                CompletedAt = root.Time("completed_at", zone),
            };
        });
}

/// <summary>
/// The checkout event of the generic signed webhook: <c>{"event": "checkout", …}</c>. docs/INGEST.md documents the
/// fields; a test parses the example there.
/// </summary>
public static class KozuchiCheckoutJson
{
    public const string EventName = "checkout";

    /// <summary>Whether a generic webhook body is a checkout event rather than orders (malformed JSON is left to the order parser's message).</summary>
    public static bool IsCheckout(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.Str("event") == EventName;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static CheckoutPayload Parse(ReadOnlySpan<byte> body, TimeZoneInfo zone) =>
        CheckoutJson.Read(body, root =>
        {
            var source = root.Str("source") ?? throw new FormatException("'source' is required (the cart the checkout comes from).");
            var token = root.Str("cart_token") ?? throw new FormatException("'cart_token' is required.");
            var created = root.Time("created_at", zone) ?? throw new FormatException("'created_at' is required.");
            var customer = root.Prop("customer") ?? default;
            var lines = new List<OrderLine>();
            if (root.Prop("lines") is { ValueKind: JsonValueKind.Array } items)
            {
                var i = 0;
                foreach (var l in items.EnumerateArray())
                {
                    lines.Add(new OrderLine
                    {
                        Sku = l.Str("sku"),
                        ProductName = l.Str("name") ?? l.Str("sku") ?? throw new FormatException($"'lines[{i}].name' or '.sku' is required."),
                        Quantity = l.Int("quantity") ?? 1,
                        UnitPrice = l.Money("unit_price") ?? 0m,
                    });
                    i++;
                }
            }

            var recovery = root.Str("recovery_url");
            if (recovery is not null && !(Uri.TryCreate(recovery, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
            {
                throw new FormatException("'recovery_url' must be an absolute http(s) URL.");
            }

            return new Checkout
            {
                Key = new CheckoutKey(source, token),
                CreatedAt = created,
                UpdatedAt = root.Time("updated_at", zone) ?? created,
                CartCustomerId = customer.Str("ref"),
                Contact = new OrderContact
                {
                    Email = customer.Str("email"),
                    Phone = customer.Str("phone"),
                    Name = customer.Str("name"),
                    EmailOptIn = customer.Bool("email_opt_in"),
                },
                Lines = lines,
                Total = root.Money("total") ?? lines.Sum(l => l.UnitPrice * l.Quantity),
                Currency = root.Str("currency") ?? "JPY",
                RecoveryUrl = recovery,
                CompletedAt = root.Time("completed_at", zone),
            };
        });
}

internal static class CheckoutJson
{
    public static CheckoutPayload Read(ReadOnlySpan<byte> body, Func<JsonElement, Checkout> read)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            return CheckoutPayload.Fail($"Body is not JSON: {ex.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return CheckoutPayload.Fail("Body must be a JSON object.");
            }

            try
            {
                return new CheckoutPayload { Checkout = read(doc.RootElement) };
            }
            catch (FormatException ex)
            {
                return CheckoutPayload.Fail(ex.Message);
            }
        }
    }
}
