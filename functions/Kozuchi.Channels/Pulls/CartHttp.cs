using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Core.Pulls;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Channels.Pulls;

public sealed class CartHttpOptions
{
    /// <summary>429 answers waited out per request before the page is given up for this run.</summary>
    public int MaxRateLimitRetries { get; set; } = 5;

    /// <summary>When the cart sends no Retry-After (BASE, カラーミー), the first wait; each further one doubles.</summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A longer Retry-After is not waited in a timer run: the run stops and the next one continues.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Refresh this long before a known expiry instead of waiting for the 401.</summary>
    public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>How a cart wants its access token.</summary>
public enum CartAuthStyle
{
    /// <summary><c>Authorization: Bearer</c> (BASE, カラーミー).</summary>
    Bearer,

    /// <summary><c>X-Shopify-Access-Token</c>.</summary>
    ShopifyHeader,
}

/// <summary>A cart's answer: JSON on success, or the pull result to hand back.</summary>
public sealed record CartResponse(JsonNode? Body, string? Link, PullPageResult? Failure)
{
    public bool Ok => Failure is null;
}

/// <summary>
/// What every cart adapter needs around one GET: the current token (refreshed ones from the token store first, the
/// configured pair otherwise), a refresh through the OAuth refresh-token grant on 401 or shortly before a known
/// expiry (the new pair is stored before it is used), and 429s waited out as the cart's Retry-After says, through
/// the injected clock. Tokens never reach a log.
/// </summary>
public sealed partial class CartHttp(HttpClient http, ICartTokenStore tokens, TimeProvider time, CartHttpOptions options, ILogger<CartHttp> logger)
{
    /// <summary>The wait between 429s; tests replace it to record the waits without spending them.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (wait, ct) => Task.Delay(wait, time, ct);

    public async Task<CartResponse> GetJsonAsync(PullSource source, Uri tokenUrl, CartAuthStyle style, Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var current = await tokens.GetAsync(source.Name, cancellationToken).ConfigureAwait(false)
            ?? (source.Credentials.AccessToken is { Length: > 0 } configured
                ? new CartTokens { AccessToken = configured, RefreshToken = source.Credentials.RefreshToken }
                : null);
        if (current is null)
        {
            return Failed(PullStatus.Unauthorized, "no access token configured");
        }

        var refreshed = false;
        if (current.ExpiresAt is { } expires && expires - options.RefreshAhead <= time.GetUtcNow() && CanRefresh(source, current))
        {
            current = await RefreshAsync(source, tokenUrl, current, cancellationToken).ConfigureAwait(false);
            refreshed = true;
            if (current is null)
            {
                return Failed(PullStatus.Unauthorized, "token refresh refused");
            }
        }

        var rateLimited = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            if (style == CartAuthStyle.ShopifyHeader)
            {
                request.Headers.TryAddWithoutValidation("X-Shopify-Access-Token", current.AccessToken);
            }
            else
            {
                request.Headers.Authorization = new("Bearer", current.AccessToken);
            }

            using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                return Failed(PullStatus.Failed, "network error or timeout");
            }

            switch (response.StatusCode)
            {
                case HttpStatusCode.TooManyRequests when rateLimited < options.MaxRateLimitRetries:
                {
                    var wait = RetryAfter(response) ?? options.DefaultRetryAfter * Math.Pow(2, rateLimited);
                    if (wait > options.MaxRetryAfter)
                    {
                        return Failed(PullStatus.RateLimited, $"rate limited for {wait.TotalSeconds:0} s");
                    }

                    rateLimited++;
                    LogRateLimited(logger, source.Name, wait.TotalSeconds, rateLimited);
                    await Delay(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                case HttpStatusCode.TooManyRequests:
                    return Failed(PullStatus.RateLimited, "still rate limited after retries");
                case HttpStatusCode.Unauthorized when !refreshed && CanRefresh(source, current):
                    LogRefreshing(logger, source.Name);
                    refreshed = true;
                    current = await RefreshAsync(source, tokenUrl, current, cancellationToken).ConfigureAwait(false);
                    if (current is null)
                    {
                        return Failed(PullStatus.Unauthorized, "token refresh refused");
                    }

                    continue;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    return Failed(PullStatus.Unauthorized, $"HTTP {(int)response.StatusCode}: the shop must authorise the app again");
            }

            if (!response.IsSuccessStatusCode)
            {
                LogFailed(logger, source.Name, (int)response.StatusCode);
                return Failed(PullStatus.Failed, $"HTTP {(int)response.StatusCode}");
            }

            try
            {
                var body = await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
                var link = response.Headers.NonValidated.TryGetValues("Link", out var values) ? string.Join(",", values) : null;
                return new CartResponse(body, link, null);
            }
            catch (JsonException)
            {
                return Failed(PullStatus.Failed, "the cart answered something that is not JSON");
            }
        }
    }

    private static bool CanRefresh(PullSource source, CartTokens current) =>
        current.RefreshToken is { Length: > 0 } && source.Credentials.ClientId is { Length: > 0 } && source.Credentials.ClientSecret is { Length: > 0 };

    /// <summary>The OAuth 2.0 refresh-token grant; the cart may rotate the refresh token, so both are stored.</summary>
    private async Task<CartTokens?> RefreshAsync(PullSource source, Uri tokenUrl, CartTokens current, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = current.RefreshToken!,
            ["client_id"] = source.Credentials.ClientId!,
            ["client_secret"] = source.Credentials.ClientSecret!,
        };
        if (source.Credentials.RedirectUri is { Length: > 0 } redirect)
        {
            form["redirect_uri"] = redirect;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl) { Content = new FormUrlEncodedContent(form) };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response is null || !response.IsSuccessStatusCode)
        {
            LogRefreshFailed(logger, source.Name, response is null ? 0 : (int)response.StatusCode);
            return null;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?["access_token"]?.GetValue<string>() is not { Length: > 0 } access)
        {
            LogRefreshFailed(logger, source.Name, (int)response.StatusCode);
            return null;
        }

        var expiresIn = body["expires_in"] is JsonValue e && e.TryGetValue<double>(out var seconds) ? seconds : (double?)null;
        var renewed = new CartTokens
        {
            AccessToken = access,
            RefreshToken = body["refresh_token"]?.GetValue<string>() is { Length: > 0 } rotated ? rotated : current.RefreshToken,
            ExpiresAt = expiresIn is { } s ? time.GetUtcNow().AddSeconds(s) : null,
        };

        // Stored before it is used: a crash after the cart rotated the refresh token must not leave only the spent one.
        await tokens.SaveAsync(source.Name, renewed, cancellationToken).ConfigureAwait(false);
        LogRefreshed(logger, source.Name);
        return renewed;
    }

    private async Task<HttpResponseMessage?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await http.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Retry-After in seconds (Shopify sends decimals such as "2.0") or as an HTTP date.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues("Retry-After", out var values))
        {
            return null;
        }

        var text = values.FirstOrDefault()?.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? (date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero)
            : null;
    }

    private static CartResponse Failed(PullStatus status, string error) => new(null, null, PullPageResult.Fail(status, error));

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull {Source}: rate limited, waiting {Seconds} s (retry {Retry})")]
    private static partial void LogRateLimited(ILogger logger, string source, double seconds, int retry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull {Source}: access token refused, refreshing")]
    private static partial void LogRefreshing(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull {Source}: tokens refreshed and stored")]
    private static partial void LogRefreshed(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull {Source}: token refresh failed (HTTP {Status}); the shop must authorise the app again")]
    private static partial void LogRefreshFailed(ILogger logger, string source, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull {Source}: the cart answered HTTP {Status}")]
    private static partial void LogFailed(ILogger logger, string source, int status);
}
