using System.Net;

namespace Kozuchi.Functions.Security;

/// <summary>
/// Where a request came from, as far as the app can know without trusting what a client may write. In Azure the
/// Functions host proxies every request to the worker over loopback, so the worker's peer is always 127.0.0.1 and
/// <c>Request.IsHttps</c> is false even though the client used HTTPS; the App Service front end puts the client's
/// address in <c>X-Forwarded-For</c> and the scheme in <c>X-Forwarded-Proto</c>. A forwarded header is believed only
/// when the peer is loopback (the host or a proxy on the same machine), and only the entry that proxy appended (the
/// last one); and a forwarded header can only make the app stricter, never looser.
/// </summary>
public static class RequestOrigin
{
    private static readonly string[] ForwardingHeaders = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "X-Original-URL", "X-ARR-SSL"];

    /// <summary>
    /// True only for a request a local browser sent straight to <c>kozuchi serve</c>: a loopback peer and no forwarding
    /// header at all. Everything else (the Functions host in Azure, any proxy, another machine) is treated as remote.
    /// </summary>
    public static bool IsDirectLoopback(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.HttpContext.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer)
            && !ForwardingHeaders.Any(h => request.Headers.ContainsKey(h));
    }

    /// <summary>
    /// Cookies are <c>Secure</c> unless the request is a direct loopback one over plain HTTP (the local dashboard):
    /// behind the Functions host <c>IsHttps</c> is false although the browser used HTTPS, so the scheme is not asked.
    /// </summary>
    public static bool NeedsSecureCookie(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IsHttps || !IsDirectLoopback(request);
    }

    /// <summary>
    /// The client to count failed sign-ins against: the peer's address, or — when the peer is loopback — the last
    /// <c>X-Forwarded-For</c> entry (the one the proxy in front appended; earlier ones are whatever the client sent).
    /// </summary>
    public static string ClientKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var peer = request.HttpContext.Connection.RemoteIpAddress;
        if ((peer is null || IPAddress.IsLoopback(peer)) && LastForwarded(request.Headers["X-Forwarded-For"].ToString()) is { } forwarded)
        {
            return forwarded.ToString();
        }

        return peer?.ToString() ?? "unknown";
    }

    /// <summary>The last address of an <c>X-Forwarded-For</c> list, with App Service's <c>:port</c> (or <c>[v6]:port</c>) removed.</summary>
    private static IPAddress? LastForwarded(string header)
    {
        var last = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (last is null)
        {
            return null;
        }

        return IPEndPoint.TryParse(last, out var endPoint) ? endPoint.Address : null;
    }
}
