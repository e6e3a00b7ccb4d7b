using Kozuchi.Core.Common;

namespace Kozuchi.Functions.Ingest;

/// <summary>Settings under <c>Kozuchi:Shop</c> besides the time zone.</summary>
public sealed class ShopOptions
{
    /// <summary>
    /// <c>Kozuchi__Shop__Currency</c> (default JPY): the shop's base currency, ISO 4217 — Shopify's shop currency for a
    /// Shopify shop. A value that is no currency code stops the app at start with the reason.
    /// </summary>
    public string Currency { get; set; } = Currencies.Default;
}
