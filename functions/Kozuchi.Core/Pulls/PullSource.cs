using System.Globalization;

namespace Kozuchi.Core.Pulls;

/// <summary>The carts Kozuchi pulls orders from. A new cart is one adapter (Channels/Pulls) and one mapper here.</summary>
public enum CartKind
{
    Shopify,
    Base,
    ColorMe,
}

public static class CartKinds
{
    public static string Code(this CartKind kind) => kind switch
    {
        CartKind.Shopify => "shopify",
        CartKind.Base => "base",
        CartKind.ColorMe => "colorme",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static CartKind? Parse(string? code) => code?.Trim().ToLowerInvariant() switch
    {
        "shopify" => CartKind.Shopify,
        "base" => CartKind.Base,
        "colorme" or "color-me" or "colormeshop" => CartKind.ColorMe,
        _ => null,
    };
}

/// <summary>
/// OAuth credentials of one source. A class, not a record: a record's ToString would print the secrets into a log.
/// </summary>
public sealed class CartCredentials
{
    public string? AccessToken { get; init; }
    public string? RefreshToken { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }

    /// <summary>Redirect URI registered with the cart; BASE wants it on refresh as well.</summary>
    public string? RedirectUri { get; init; }

    public override string ToString() => "(credentials)";
}

/// <summary>One configured shop source pulled on a timer (<c>Kozuchi:Pulls:Sources:n</c>).</summary>
public sealed class PullSource
{
    /// <summary>Hourly at :07 by default: a safety net for webhooks, or the only feed for carts that have none.</summary>
    public const string DefaultSchedule = "0 7 * * * *";

    /// <summary>Names the timer function (<c>Pull_{Name}</c>), the high-water row and the landing blobs.</summary>
    public required string Name { get; init; }

    public required CartKind Kind { get; init; }

    /// <summary>
    /// The <see cref="Orders.OrderKey.Source"/> of pulled orders. Defaults to the cart's code, which for Shopify is what
    /// the webhook uses, so a pulled order and a webhook of the same order are one order.
    /// </summary>
    public string OrderSource { get; init; } = string.Empty;

    /// <summary>The cart's API root (a Shopify shop: <c>https://{shop}.myshopify.com</c>).</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The OAuth token endpoint for refreshes; defaults per cart.</summary>
    public Uri? TokenUrl { get; init; }

    public string Schedule { get; init; } = DefaultSchedule;

    /// <summary>How far before the high-water mark each pull starts again (see <see cref="PullWindow"/>).</summary>
    public TimeSpan Overlap { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The first pull reaches this far back; carts that filter by order time only (BASE, カラーミー) also list the orders
    /// placed this far back on every pull, so a later cancellation of such an order is still seen.
    /// </summary>
    public TimeSpan Lookback { get; init; }

    public int PageSize { get; init; }

    /// <summary>Shopify Admin API version.</summary>
    public string ApiVersion { get; init; } = "2025-10";

    public CartCredentials Credentials { get; init; } = new();

    public string EffectiveOrderSource => string.IsNullOrWhiteSpace(OrderSource) ? Kind.Code() : OrderSource;

    public TimeSpan EffectiveLookback => Lookback > TimeSpan.Zero ? Lookback : Kind switch
    {
        // Shopify: reconcile the last day (webhooks retry for 4 h, so a day catches every delivery they gave up on).
        CartKind.Shopify => TimeSpan.FromHours(24),
        _ => TimeSpan.FromDays(30),
    };

    public int EffectivePageSize => PageSize > 0 ? PageSize : Kind switch
    {
        CartKind.Shopify => 250,
        CartKind.Base => 100,
        _ => 100,
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Kind.Code()})");

    /// <summary>Names are used in table keys, lease blob names and blob paths: ASCII letters, digits, '-' and '_'.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 60 } && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
