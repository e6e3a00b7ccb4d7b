using System.Text.Json;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Shopify's mandatory privacy webhooks, verified like every Shopify webhook and then handled by the erasure service:
/// <c>customers/redact</c> erases the customer, <c>customers/data_request</c> exports what is held, <c>shop/redact</c>
/// queues the erasure of every customer who bought through Shopify (<see cref="ErasureJobs"/>: it answers at once, the
/// job record shows the progress). The customer is found by the Shopify customer id, the email, the
/// phone or one of the orders named. The body (which names the customer) is not stored.
/// </summary>
public static class ShopifyPrivacy
{
    public const string CustomersRedact = "customers/redact";
    public const string CustomersDataRequest = "customers/data_request";
    public const string ShopRedact = "shop/redact";

    public static IReadOnlyList<string> Topics { get; } = [CustomersRedact, CustomersDataRequest, ShopRedact];

    /// <summary><paramref name="Job"/>: the queued erasure job, for <c>shop/redact</c>.</summary>
    public sealed record Outcome(string Status, int Customers, IReadOnlyList<string> AuditIds, string? Job = null);

    public static async Task<Outcome?> HandleAsync(string topic, byte[] body, ErasureService erasure, CustomerStore store, ErasureJobs jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erasure);
        ArgumentNullException.ThrowIfNull(jobs);
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
            // Every Shopify customer's data in one request would outlast Shopify's 5 s: queued, and answered at once.
            var job = await jobs.QueueAsync(ErasureJobs.ShopRedact, null, by, "shop uninstalled", cancellationToken);
            return new Outcome("queued", 0, [], job.JobId);
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
