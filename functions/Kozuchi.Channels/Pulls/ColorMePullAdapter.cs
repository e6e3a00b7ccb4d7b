using System.Globalization;
using Kozuchi.Core.Pulls;

namespace Kozuchi.Channels.Pulls;

/// <summary>
/// カラーミーショップ: <c>GET /v1/sales.json?after=…&amp;before=…&amp;limit=…&amp;offset=…</c> lists sales by sale date (Japan
/// time) with the customer and lines, and <c>meta.total</c> for paging; sales whose <c>update_date</c> is inside the
/// window are landed. Bearer token (OAuth 2). No order webhook exists: this is its only feed.
/// </summary>
public sealed class ColorMePullAdapter(CartHttp http) : ICartAdapter
{
    public static readonly Uri DefaultBaseUrl = new("https://api.shop-pro.jp");

    public CartKind Kind => CartKind.ColorMe;

    public async Task<PullPageResult> PullPageAsync(PullSource source, PullWindow window, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(window);
        var root = source.BaseUrl ?? DefaultBaseUrl;
        var tokenUrl = source.TokenUrl ?? new Uri(root, "/oauth/token");
        var offset = cursor is null ? 0 : int.Parse(cursor, CultureInfo.InvariantCulture);
        var limit = source.EffectivePageSize;
        var query = CartJson.Query(
            ("after", CartJson.JapanTime(window.OrderedSince)),
            ("before", CartJson.JapanTime(window.Until)),
            ("limit", limit.ToString(CultureInfo.InvariantCulture)),
            ("offset", offset.ToString(CultureInfo.InvariantCulture)));
        var response = await http.GetJsonAsync(source, tokenUrl, CartAuthStyle.Bearer, new Uri(root, "/v1/sales.json?" + query), cancellationToken).ConfigureAwait(false);
        if (!response.Ok)
        {
            return response.Failure!;
        }

        var sales = CartJson.Objects(response.Body?["sales"]);
        var changed = sales.Where(s => CartJson.Time(s["update_date"]) is not { } updated || window.Includes(updated)).ToList();
        var total = CartJson.Int(response.Body?["meta"]?["total"]);
        var reached = offset + sales.Count;
        var next = sales.Count > 0 && (total is { } t ? reached < t : sales.Count == limit) ? reached.ToString(CultureInfo.InvariantCulture) : null;
        return PullPageResult.Of(changed, next);
    }
}
