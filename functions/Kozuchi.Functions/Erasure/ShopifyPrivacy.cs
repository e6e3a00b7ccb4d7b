using Kozuchi.Core.Customers;
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
/// erases every customer who bought through Shopify. The customer is found by the Shopify customer id, the email, the
/// phone or one of the orders named. The body (which names the customer) is not stored.
/// </summary>
public static class ShopifyPrivacy
{
    public sealed record Outcome(string Status, int Customers, IReadOnlyList<string> AuditIds);

    public static async Task<Outcome> HandleAsync(ShopifyPrivacyRequest request, ErasureService erasure, CustomerStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(erasure);
        ArgumentNullException.ThrowIfNull(store);
        var topic = request.Topic;
        var by = "shopify:" + topic;
        if (topic == ShopifyPrivacyRequest.ShopRedact)
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
