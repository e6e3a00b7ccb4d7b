using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Channels.Common;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Channels.Line;

public enum LineSendStatus
{
    /// <summary>LINE took it (200), or took it earlier: a 409 on our retry key means the first attempt was accepted.</summary>
    Sent,

    /// <summary>429 for the per-channel request rate: wait and retry with the same retry key.</summary>
    RateLimited,

    /// <summary>429 "You have reached your monthly limit.": nothing more will go out this month. Stop and alert; never retry.</summary>
    QuotaExhausted,

    /// <summary>5xx, timeout, network: retry with the same retry key.</summary>
    Retryable,

    /// <summary>Other 4xx: bad request, bad token, not allowed. Retrying will not help.</summary>
    Failed,

    /// <summary>Not attempted because an earlier chunk exhausted the quota.</summary>
    NotAttempted,
}

public sealed record LineSendResult(LineSendStatus Status, Guid RetryKey, int Recipients, bool AlreadyAccepted = false, string? RequestId = null, string? Error = null, int? HttpStatus = null, TimeSpan? RetryAfter = null)
{
    /// <summary>The operator must know: the channel is out of messages until the month turns or the plan changes.</summary>
    public bool RaisesAlert => Status == LineSendStatus.QuotaExhausted;
}

/// <summary>A multicast split into requests of at most 500 recipients, each with its own result.</summary>
public sealed record LineMulticastResult(IReadOnlyList<LineSendResult> Chunks)
{
    public bool AllSent => Chunks.All(c => c.Status == LineSendStatus.Sent);
    public bool RaisesAlert => Chunks.Any(c => c.RaisesAlert);
    public int SentRecipients => Chunks.Where(c => c.Status == LineSendStatus.Sent).Sum(c => c.Recipients);
}

public sealed class LineOptions
{
    public Uri BaseUrl { get; set; } = new("https://api.line.me");

    /// <summary>The channel access token (long-lived or v2.1); a secret, from Key Vault in Azure.</summary>
    public string ChannelAccessToken { get; set; } = string.Empty;

    /// <summary>Signs webhooks (<c>x-line-signature</c>); a secret.</summary>
    public string ChannelSecret { get; set; } = string.Empty;

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// LINE Messaging API push and multicast. Every send carries an <c>X-Line-Retry-Key</c> derived from the caller's
/// idempotency key, so a retry within 24 hours is executed at most once by LINE.
/// </summary>
public sealed partial class LineMessagingClient(HttpClient http, LineOptions options, TimeProvider time, ILogger<LineMessagingClient> logger)
{
    public const int MaxMulticastRecipients = 500;

    /// <summary>The message LINE answers with (as 429) when the monthly quota is spent.</summary>
    internal const string MonthlyLimitMessage = "You have reached your monthly limit.";

    /// <summary>Per-channel request rates LINE documents, per second: what a sender's limiter should hold to.</summary>
    public static IReadOnlyDictionary<string, int> RequestsPerSecond { get; } = new Dictionary<string, int>
    {
        ["push"] = 2000,
        ["multicast"] = 200,
    };

    public async Task<LineSendResult> PushAsync(string to, IReadOnlyList<LineMessage> messages, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(to);
        var body = new JsonObject { ["to"] = to, ["messages"] = Messages(messages) };
        return await PostAsync("/v2/bot/message/push", body, IdempotencyKeys.Uuid(idempotencyKey), 1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Splits the recipients (duplicates removed, order kept) into requests of 500. Each chunk's retry key comes from
    /// the idempotency key and the chunk's index, so the same list re-sent retries the same requests. A spent quota
    /// stops the remaining chunks; other failures do not stop the others.
    /// </summary>
    public async Task<LineMulticastResult> MulticastAsync(IReadOnlyList<string> to, IReadOnlyList<LineMessage> messages, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        var payload = Messages(messages);
        var chunks = to.Distinct(StringComparer.Ordinal).Chunk(MaxMulticastRecipients).ToList();
        var results = new List<LineSendResult>(chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            var key = ChunkKey(idempotencyKey, i);
            if (results.Any(r => r.Status == LineSendStatus.QuotaExhausted))
            {
                results.Add(new LineSendResult(LineSendStatus.NotAttempted, key, chunks[i].Length));
                continue;
            }

            var body = new JsonObject { ["to"] = new JsonArray([.. chunks[i].Select(u => (JsonNode)u)]), ["messages"] = payload.DeepClone() };
            results.Add(await PostAsync("/v2/bot/message/multicast", body, key, chunks[i].Length, cancellationToken).ConfigureAwait(false));
        }

        return new LineMulticastResult(results);
    }

    /// <summary>The X-Line-Retry-Key of a multicast's chunk: what a sandbox records as the key LINE would have got.</summary>
    public static Guid ChunkKey(string idempotencyKey, int chunk) => IdempotencyKeys.Uuid($"{idempotencyKey}#multicast-{chunk}");

    private static JsonArray Messages(IReadOnlyList<LineMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count is 0 or > LineMessage.MaxPerRequest)
        {
            throw new ArgumentException($"A LINE send carries 1 to {LineMessage.MaxPerRequest} messages.", nameof(messages));
        }

        return [.. messages.Select(m => (JsonNode)m.ToJson())];
    }

    private async Task<LineSendResult> PostAsync(string path, JsonObject body, Guid retryKey, int recipients, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl, path)) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", options.ChannelAccessToken);
        request.Headers.TryAddWithoutValidation("X-Line-Retry-Key", retryKey.ToString());

        using var timeout = options.RequestTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(options.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogTransient(logger, path, "timeout");
            return new LineSendResult(LineSendStatus.Retryable, retryKey, recipients, Error: "timeout");
        }
        catch (HttpRequestException ex)
        {
            LogTransient(logger, path, ex.HttpRequestError.ToString());
            return new LineSendResult(LineSendStatus.Retryable, retryKey, recipients, Error: "network");
        }

        using (response)
        {
            var requestId = RetryAfterHeader.First(response.Headers, "X-Line-Request-Id");
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new LineSendResult(LineSendStatus.Sent, retryKey, recipients, RequestId: requestId, HttpStatus: status);
            }

            var message = await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Conflict:
                {
                    // Same retry key already accepted: the first attempt went out. Done, not a second send.
                    var accepted = RetryAfterHeader.First(response.Headers, "x-line-accepted-request-id");
                    LogDuplicate(logger, path, accepted);
                    return new LineSendResult(LineSendStatus.Sent, retryKey, recipients, AlreadyAccepted: true, RequestId: accepted ?? requestId, HttpStatus: status);
                }

                case HttpStatusCode.TooManyRequests when IsMonthlyLimit(message):
                    LogQuota(logger, path);
                    return new LineSendResult(LineSendStatus.QuotaExhausted, retryKey, recipients, RequestId: requestId, Error: message, HttpStatus: status);
                case HttpStatusCode.TooManyRequests:
                    return new LineSendResult(LineSendStatus.RateLimited, retryKey, recipients, RequestId: requestId, Error: message, HttpStatus: status, RetryAfter: RetryAfterHeader.Read(response, time.GetUtcNow()) ?? TimeSpan.FromSeconds(1));
                case >= HttpStatusCode.InternalServerError:
                    LogServerError(logger, path, status);
                    return new LineSendResult(LineSendStatus.Retryable, retryKey, recipients, RequestId: requestId, Error: message, HttpStatus: status);
                default:
                    LogFailed(logger, path, status, message);
                    return new LineSendResult(LineSendStatus.Failed, retryKey, recipients, RequestId: requestId, Error: message, HttpStatus: status);
            }
        }
    }

    internal static bool IsMonthlyLimit(string? message) =>
        message is not null && message.Contains("monthly limit", StringComparison.OrdinalIgnoreCase);

    private static async Task<string?> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return json.ValueKind == JsonValueKind.Object && json.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "LINE {Path}: retry key already accepted (request {AcceptedRequestId}); counted as sent")]
    private static partial void LogDuplicate(ILogger logger, string path, string? acceptedRequestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "LINE {Path}: monthly message quota exhausted; sending stopped")]
    private static partial void LogQuota(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE {Path}: transient failure {Reason}")]
    private static partial void LogTransient(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE {Path}: server error HTTP {Status}")]
    private static partial void LogServerError(ILogger logger, string path, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE {Path}: refused with HTTP {Status}: {Message}")]
    private static partial void LogFailed(ILogger logger, string path, int status, string? message);
}
