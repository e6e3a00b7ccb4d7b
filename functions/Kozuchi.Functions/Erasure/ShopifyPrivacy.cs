using Kozuchi.Core.Erasure;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;

namespace Kozuchi.Functions.Erasure;

/// <summary>
/// Shopify's mandatory privacy webhooks, verified like every Shopify webhook, read as <see cref="ShopifyPrivacyRequest"/>
/// (only a body of the topic's own shape, for the configured shop, gets here) and handled by the erasure service:
/// <c>customers/redact</c> erases the customer, <c>customers/data_request</c> exports what is held, <c>shop/redact</c>
/// queues the erasure of every customer who bought through Shopify (<see cref="ErasureJobs"/>: it answers at once, the
/// job record shows the progress). The customer is found by the Shopify customer id, the email, the
/// phone or one of the orders named. The body (which names the customer) is not stored.
/// </summary>
public static class ShopifyPrivacy
{
    /// <summary><paramref name="Job"/>: the queued erasure job, for <c>shop/redact</c>.</summary>
    public sealed record Outcome(string Status, int Customers, IReadOnlyList<string> AuditIds, string? Job = null);

    public static async Task<Outcome> HandleAsync(ShopifyPrivacyRequest request, ErasureService erasure, CustomerStore store, ErasureJobs jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(erasure);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(store);
        var topic = request.Topic;
        var by = "shopify:" + topic;
        if (topic == ShopifyPrivacyRequest.ShopRedact)
        {
            // Every Shopify customer's data in one request would outlast Shopify's 5 s: queued, and answered at once.
            var job = await jobs.QueueAsync(ErasureJobs.ShopRedact, null, by, "shop uninstalled", cancellationToken);
            return new Outcome("queued", 0, [], job.JobId);
        }

        var customerId = await FindAsync(request, erasure, store, cancellationToken);
        if (customerId is null)
        {
            return new Outcome("not held", 0, []);
        }

        var result = topic == ShopifyPrivacyRequest.CustomersRedact
            ? await erasure.EraseAsync(customerId, by, "customer redaction request", cancellationToken)
            : await erasure.ExportAsync(customerId, by, "customer data request", cancellationToken);
        return result is null ? new Outcome("not held", 0, []) : new Outcome(topic == ShopifyPrivacyRequest.CustomersRedact ? "erased" : "exported", 1, [result.AuditId]);
    }

    private static async Task<string?> FindAsync(ShopifyPrivacyRequest request, ErasureService erasure, CustomerStore store, CancellationToken cancellationToken)
    {
        var keys = new List<IdentityKey>();
        if (request.Customer is { } customer)
        {
            if (customer.Id is { } cartId)
            {
                keys.Add(new IdentityKey(IdentityKind.CartCustomer, $"{ShopifyOrderJson.Source}:{IdentityNormalizer.Text(cartId)}"));
            }

            if (IdentityNormalizer.Email(customer.Email) is { } e)
            {
                keys.Add(new IdentityKey(IdentityKind.Email, e));
            }

            if (IdentityNormalizer.Phone(customer.Phone) is { } p)
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

        foreach (var orderId in request.OrderIds)
        {
            if (await store.GetOrderRowCustomerAsync(new OrderKey(ShopifyOrderJson.Source, orderId), cancellationToken) is { } owner)
            {
                return owner;
            }
        }

        return null;
    }
}
