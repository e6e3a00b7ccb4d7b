using System.Globalization;
using System.Text.Json.Nodes;
using Kozuchi.Core.Pulls;

namespace Kozuchi.Channels.Pulls;

/// <summary>
/// BASE: <c>GET /1/orders?start_ordered=…&amp;end_ordered=…&amp;limit=100&amp;offset=…</c> lists by order time (Japan time)
/// with each order's <c>modified</c>; an order changed inside the window is then read whole with
/// <c>GET /1/orders/detail/{unique_key}</c> (items, buyer). Bearer token, one hour, refreshed at <c>/1/oauth/token</c>.
/// BASE has no order webhook: this is its only feed.
/// </summary>
public sealed class BasePullAdapter(CartHttp http) : ICartAdapter
{
    public static readonly Uri DefaultBaseUrl = new("https://api.thebase.in");

    /// <summary>BASE's maximum page size.</summary>
    public const int MaxLimit = 100;

    public CartKind Kind => CartKind.Base;

    public async Task<PullPageResult> PullPageAsync(PullSource source, PullWindow window, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(window);
        var root = source.BaseUrl ?? DefaultBaseUrl;
        var tokenUrl = source.TokenUrl ?? new Uri(root, "/1/oauth/token");
        var offset = cursor is null ? 0 : int.Parse(cursor, CultureInfo.InvariantCulture);
        var limit = Math.Min(MaxLimit, source.EffectivePageSize);
        var query = CartJson.Query(
            ("start_ordered", CartJson.JapanTime(window.OrderedSince)),
            ("end_ordered", CartJson.JapanTime(window.Until)),
            ("limit", limit.ToString(CultureInfo.InvariantCulture)),
            ("offset", offset.ToString(CultureInfo.InvariantCulture)));
        var list = await http.GetJsonAsync(source, tokenUrl, CartAuthStyle.Bearer, new Uri(root, "/1/orders?" + query), cancellationToken).ConfigureAwait(false);
        if (!list.Ok)
        {
            return list.Failure!;
        }

        var listed = CartJson.Objects(list.Body?["orders"]);
        var orders = new List<JsonObject>();
        foreach (var summary in listed)
        {
            // Unchanged since the last pull: no detail call (BASE counts every call against the app's hourly limit).
            if (CartJson.Time(summary["modified"]) is { } modified && !window.Includes(modified))
            {
                continue;
            }

            var key = summary["unique_key"]?.GetValue<string>();
            if (string.IsNullOrEmpty(key))
            {
                continue;
            }

            var detail = await http.GetJsonAsync(source, tokenUrl, CartAuthStyle.Bearer, new Uri(root, "/1/orders/detail/" + Uri.EscapeDataString(key)), cancellationToken).ConfigureAwait(false);
            if (!detail.Ok)
            {
                // The page is not complete: nothing of it is landed, and the next run asks again.
                return detail.Failure!;
            }

            if (detail.Body?["order"] is JsonObject order)
            {
                orders.Add(order);
            }
        }

        var next = listed.Count == limit ? (offset + limit).ToString(CultureInfo.InvariantCulture) : null;
        return PullPageResult.Of(orders, next);
    }
}
