namespace Kozuchi.Functions.Ingest;

/// <summary>
/// Webhook secrets. Each has a current and a previous value so a secret can be rotated without failing deliveries:
/// set the new one as current, keep the old as previous until the cart signs with the new one, then clear it.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Shopify app's client secret (<c>Kozuchi__Webhooks__ShopifySecret</c>).</summary>
    public string? ShopifySecret { get; set; }

    public string? ShopifySecretPrevious { get; set; }

    /// <summary>Secret shared with carts that call the generic order webhook (<c>Kozuchi__Webhooks__OrderSecret</c>).</summary>
    public string? OrderSecret { get; set; }

    public string? OrderSecretPrevious { get; set; }

    /// <summary>
    /// The shop's <c>*.myshopify.com</c> domain (<c>Kozuchi__Webhooks__ShopifyShopDomain</c>). A Shopify app's secret signs
    /// the webhooks of every shop that installed it, so the shop is checked as well: when set, a delivery from any
    /// other shop is refused; privacy topics (which erase data) are refused with 503 until it is set.
    /// </summary>
    public string? ShopifyShopDomain { get; set; }

    public IEnumerable<string> Shopify() => new[] { ShopifySecret, ShopifySecretPrevious }.OfType<string>().Where(s => s.Length > 0);

    public IEnumerable<string> Orders() => new[] { OrderSecret, OrderSecretPrevious }.OfType<string>().Where(s => s.Length > 0);
}
