using System.Text.Json;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Shopify's mandatory privacy webhooks, verified like every Shopify webhook and then handled by the erasure service:
/// <c>customers/redact</c> erases the customer, <c>customers/data_request</c> exports what is held, <c>shop/redact</c>
/// erases every customer who bought through Shopify. The customer is found by the Shopify customer id, the email, the
/// phone or one of the orders named. The body (which names the customer) is not stored.
/// </summary>
public static class ShopifyPrivacy
{
    public const string CustomersRedact = "customers/redact";
    public const string CustomersDataRequest = "customers/data_request";
    public const string ShopRedact = "shop/redact";

    public static IReadOnlyList<string> Topics { get; } = [CustomersRedact, CustomersDataRequest, ShopRedact];

    public sealed record Outcome(string Status, int Customers, IReadOnlyList<string> AuditIds);

    public static async Task<Outcome?> HandleAsync(string topic, byte[] body, ErasureService erasure, CustomerStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erasure);
        ArgumentNullException.ThrowIfNull(store);
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }

        var by = "shopify:" + topic;
        if (topic == ShopRedact)
        {
            var ids = new List<string>();
            await foreach (var record in store.ScanRecordsAsync(cancellationToken))
            {
                if (record.State == CustomerState.Active && record.Orders.Any(o => o.Key.Source == ShopifyOrderJson.Source))
                {
                    ids.Add(record.CustomerId);
                }
            }

            var audits = new List<string>();
            foreach (var id in ids)
            {
                if (await erasure.EraseAsync(id, by, "shop uninstalled", cancellationToken) is { } r)
                {
                    audits.Add(r.AuditId);
                }
            }

            return new Outcome("erased", audits.Count, audits);
        }

        var customerId = await FindAsync(root, erasure, store, cancellationToken);
        if (customerId is null)
        {
            return new Outcome("not held", 0, []);
        }

        var result = topic == CustomersRedact
            ? await erasure.EraseAsync(customerId, by, "customer redaction request", cancellationToken)
            : await erasure.ExportAsync(customerId, by, "customer data request", cancellationToken);
        return result is null ? new Outcome("not held", 0, []) : new Outcome(topic == CustomersRedact ? "erased" : "exported", 1, [result.AuditId]);
    }

    private static async Task<string?> FindAsync(JsonElement root, ErasureService erasure, CustomerStore store, CancellationToken cancellationToken)
    {
        var keys = new List<IdentityKey>();
        if (root.TryGetProperty("customer", out var customer) && customer.ValueKind == JsonValueKind.Object)
        {
            if (customer.TryGetProperty("id", out var id) && Scalar(id) is { } cartId)
            {
                keys.Add(new IdentityKey(IdentityKind.CartCustomer, $"{ShopifyOrderJson.Source}:{IdentityNormalizer.Text(cartId)}"));
            }

            if (customer.TryGetProperty("email", out var email) && IdentityNormalizer.Email(Scalar(email)) is { } e)
            {
                keys.Add(new IdentityKey(IdentityKind.Email, e));
            }

            if (customer.TryGetProperty("phone", out var phone) && IdentityNormalizer.Phone(Scalar(phone)) is { } p)
            {
                keys.Add(new IdentityKey(IdentityKind.Phone, p));
            }
        }

        foreach (var key in keys)
        {
            if (await erasure.FindAsync(key, cancellationToken) is { } record)
            {
                return record.CustomerId;
            }
        }

        foreach (var property in new[] { "orders_to_redact", "orders_requested" })
        {
            if (root.TryGetProperty(property, out var orders) && orders.ValueKind == JsonValueKind.Array)
            {
                foreach (var order in orders.EnumerateArray())
                {
                    if (Scalar(order) is { } orderId && await store.GetOrderRowCustomerAsync(new OrderKey(ShopifyOrderJson.Source, orderId), cancellationToken) is { } owner)
                    {
                        return owner;
                    }
                }
            }
        }

        return null;
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };
}
