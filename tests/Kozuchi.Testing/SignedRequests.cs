using System.Globalization;
using System.Net.Http.Headers;
using Kozuchi.Core.Orders.Formats;

namespace Kozuchi.Testing;

/// <summary>Requests signed as a cart signs them, for tests and load drivers.</summary>
public static class SignedRequests
{
    /// <summary><c>POST /api/webhooks/orders</c> with the Kozuchi signature over timestamp and body.</summary>
    public static HttpRequestMessage KozuchiOrders(byte[] body, long timestamp, string secret, string path = "/api/webhooks/orders")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Kozuchi-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-Kozuchi-Signature", WebhookSignatures.SignKozuchi(body, timestamp, secret));
        return request;
    }
}
