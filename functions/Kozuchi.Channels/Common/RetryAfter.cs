using System.Globalization;
using System.Net.Http.Headers;

namespace Kozuchi.Channels.Common;

internal static class RetryAfterHeader
{
    /// <summary>Retry-After as delta seconds or an HTTP date; the lowercase <c>retry-after</c> ACS sends is the same header.</summary>
    public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }

            if (header.Date is { } date)
            {
                var wait = date - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis)
            ? TimeSpan.FromMilliseconds(millis)
            : null;
    }

    public static string? First(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
