using System.Globalization;

namespace Kozuchi.Functions.Hosting.Http;

/// <summary>
/// An answer that asks the caller to come back: a status (503 while the first report set is computed, 429 while the
/// query slot is taken or sign-ins are throttled), a Retry-After in whole seconds, and a problem body the dashboard shows.
/// </summary>
public sealed class RetryLater(TimeSpan retryAfter, string detail, int statusCode, string title) : IResult
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public int StatusCode { get; } = statusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(detail, statusCode: StatusCode, title: title).ExecuteAsync(httpContext);
    }
}
