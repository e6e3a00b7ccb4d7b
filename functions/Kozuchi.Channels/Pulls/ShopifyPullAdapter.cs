using System.Globalization;
using System.Text.RegularExpressions;
using Kozuchi.Core.Pulls;

namespace Kozuchi.Channels.Pulls;

/// <summary>
/// Shopify reconciliation: <c>GET /admin/api/{version}/orders.json?status=any&amp;updated_at_min=…</c> through the Admin
/// REST API, cursor-paged by the <c>Link</c> header's <c>rel="next"</c> URL (<c>page_info</c>), token in
/// <c>X-Shopify-Access-Token</c>, 429 with a decimal Retry-After. The orders are the same REST Order objects the
/// webhooks carry, under the same source, so a pulled order and its webhook are one order.
/// </summary>
public sealed partial class ShopifyPullAdapter(CartHttp http) : ICartAdapter
{
    public CartKind Kind => CartKind.Shopify;

    public async Task<PullPageResult> PullPageAsync(PullSource source, PullWindow window, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(window);
        var shop = source.BaseUrl ?? throw new InvalidOperationException($"Pull source {source.Name} needs BaseUrl (https://<shop>.myshopify.com).");
        Uri url;
        if (cursor is null)
        {
            var query = CartJson.Query(
                ("status", "any"),
                ("limit", source.EffectivePageSize.ToString(CultureInfo.InvariantCulture)),
                ("updated_at_min", window.ChangedSince.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)),
                ("updated_at_max", window.Until.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)));
            url = new Uri(shop, $"/admin/api/{source.ApiVersion}/orders.json?{query}");
        }
        else
        {
            url = new Uri(cursor);
        }

        var tokenUrl = source.TokenUrl ?? new Uri(shop, "/admin/oauth/access_token");
        var response = await http.GetJsonAsync(source, tokenUrl, CartAuthStyle.ShopifyHeader, url, cancellationToken).ConfigureAwait(false);
        if (!response.Ok)
        {
            return response.Failure!;
        }

        var next = NextLink(response.Link);

        // The token goes wherever the next link points: only ever to the shop itself.
        if (next is not null && (!Uri.TryCreate(next, UriKind.Absolute, out var nextUri) || !string.Equals(nextUri.Authority, shop.Authority, StringComparison.OrdinalIgnoreCase)))
        {
            return PullPageResult.Fail(PullStatus.Failed, "the next-page link points away from the shop");
        }

        return PullPageResult.Of(CartJson.Objects(response.Body?["orders"]), next);
    }

    /// <summary>The <c>rel="next"</c> URL of a Link header (<c>&lt;url&gt;; rel="previous", &lt;url&gt;; rel="next"</c>).</summary>
    internal static string? NextLink(string? link)
    {
        if (string.IsNullOrEmpty(link))
        {
            return null;
        }

        var match = NextRel().Match(link);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("<([^>]+)>\\s*;\\s*rel=\"?next\"?", RegexOptions.IgnoreCase)]
    private static partial Regex NextRel();
}
