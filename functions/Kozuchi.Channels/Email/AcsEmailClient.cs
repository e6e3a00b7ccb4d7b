using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Channels.Common;
using Kozuchi.Core.Channels;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Channels.Email;

/// <summary>
/// The ACS Email REST API (<c>POST /emails:send</c>, <c>GET /emails/operations/{id}</c>) over HttpClient. Every
/// expected outcome is a value: the queue function decides from it whether to retry, wait or record.
/// </summary>
public sealed partial class AcsEmailClient
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultThrottle = TimeSpan.FromMinutes(1);
    private readonly HttpClient _http;
    private readonly AcsEmailOptions _options;
    private readonly AcsAuthentication _auth;
    private readonly ISendRateLimiter _limiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _endpoint;
    private readonly RateLimit _rate;

    public AcsEmailClient(HttpClient http, AcsEmailOptions options, AcsAuthentication auth, ISendRateLimiter limiter, TimeProvider time, ILogger<AcsEmailClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _auth = auth;
        _limiter = limiter;
        _time = time;
        _logger = logger;
        _endpoint = options.Endpoint ?? (options.ConnectionString is { Length: > 0 } cs ? AcsConnectionString.Parse(cs).Endpoint : throw new ArgumentException("ACS needs a connection string or an endpoint.", nameof(options)));
        _rate = new RateLimit(options.SendsPerMinute, TimeSpan.FromMinutes(1));
    }

    /// <summary>Builds the client from options: HMAC from the connection string, or Entra ID when only an endpoint is set.</summary>
    public static AcsAuthentication AuthenticationFor(AcsEmailOptions options, Func<Azure.Core.TokenCredential> credential)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        return options.ConnectionString is { Length: > 0 } cs
            ? AcsAuthentication.Hmac(AcsConnectionString.Parse(cs).AccessKey)
            : AcsAuthentication.Entra(credential());
    }

    /// <summary>The resource the send budget is counted against: one ACS resource, whatever instance sends.</summary>
    public string RateResource => "acs-email:" + _endpoint.Host;

    internal static string Body(EmailMessage message, string sender)
    {
        var to = new JsonObject { ["address"] = message.To };
        if (message.ToName is { Length: > 0 } name)
        {
            to["displayName"] = name;
        }

        var body = new JsonObject
        {
            ["senderAddress"] = sender,
            ["recipients"] = new JsonObject { ["to"] = new JsonArray(to) },
            ["content"] = new JsonObject { ["subject"] = message.Subject, ["plainText"] = message.PlainText, ["html"] = message.Html },
        };
        if (message.Headers.Count > 0)
        {
            var headers = new JsonObject();
            foreach (var (k, v) in message.Headers)
            {
                headers[k] = v;
            }

            body["headers"] = headers;
        }

        return body.ToJsonString();
    }

    /// <summary>
    /// One send attempt: takes a slot from the shared rate budget, then POSTs with repeatability headers derived from
    /// <paramref name="attempt"/>, so a retry inside ACS's 5-minute window is never a second email.
    /// </summary>
    public async Task<EmailSendResult> SendAsync(EmailMessage message, SendAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(attempt);
        var decision = await _limiter.TryAcquireAsync(RateResource, _rate, cancellationToken).ConfigureAwait(false);
        if (!decision.Granted)
        {
            LogThrottled(_logger, "local budget", decision.RetryAfter);
            return new EmailSendResult(EmailSendStatus.Throttled, RetryAfter: decision.RetryAfter);
        }

        var operationId = IdempotencyKeys.Uuid(attempt.IdempotencyKey).ToString();
        var body = System.Text.Encoding.UTF8.GetBytes(Body(message, _options.Sender));
        var uri = new Uri(_endpoint, $"/emails:send?api-version={_options.ApiVersion}");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("Operation-Id", operationId);
        request.Headers.TryAddWithoutValidation("repeatability-request-id", operationId);
        request.Headers.TryAddWithoutValidation("repeatability-first-sent", AcsHmacSigner.Date(attempt.FirstSentAt));

        var (response, failure) = await SendRequestAsync(request, body, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return failure!;
        }

        using (response)
        {
            var now = _time.GetUtcNow();
            var retryAfter = RetryAfterHeader.Read(response, now);
            var status = (int)response.StatusCode;
            switch (response.StatusCode)
            {
                case HttpStatusCode.Accepted:
                {
                    var location = response.Headers.TryGetValues("Operation-Location", out var values) && Uri.TryCreate(values.FirstOrDefault(), UriKind.Absolute, out var loc) ? loc : null;
                    var (id, _, _) = await ReadOperationAsync(response, cancellationToken).ConfigureAwait(false);
                    LogAccepted(_logger, id ?? operationId);
                    return new EmailSendResult(EmailSendStatus.Accepted, id ?? operationId, location ?? OperationUri(id ?? operationId), retryAfter, HttpStatus: status);
                }

                // The same repeatable request is still being processed by ACS: it is ours, so it counts as accepted.
                case HttpStatusCode.Conflict:
                    return new EmailSendResult(EmailSendStatus.Accepted, operationId, OperationUri(operationId), retryAfter ?? DefaultPollInterval, "RepeatabilityInProgress", status);
                case HttpStatusCode.TooManyRequests:
                    LogThrottled(_logger, "ACS 429", retryAfter ?? DefaultThrottle);
                    return new EmailSendResult(EmailSendStatus.Throttled, operationId, RetryAfter: retryAfter ?? DefaultThrottle, HttpStatus: status);
                case >= HttpStatusCode.InternalServerError:
                    return new EmailSendResult(EmailSendStatus.Retryable, operationId, RetryAfter: retryAfter, ErrorCode: await ErrorCodeAsync(response, cancellationToken).ConfigureAwait(false), HttpStatus: status);
                default:
                {
                    // 412: our first attempt is older than ACS's 5-minute window; ACS can no longer dedupe, so a
                    // blind resend could send twice. Failed, with the code, so the caller checks the operation first.
                    var code = response.StatusCode == HttpStatusCode.PreconditionFailed ? "RepeatabilityExpired" : await ErrorCodeAsync(response, cancellationToken).ConfigureAwait(false);
                    LogFailed(_logger, status, code);
                    return new EmailSendResult(EmailSendStatus.Failed, operationId, ErrorCode: code, HttpStatus: status);
                }
            }
        }
    }

    /// <summary>The operation's status now. Non-terminal operations come back as Accepted with the interval ACS asks for.</summary>
    public async Task<EmailSendResult> GetStatusAsync(string operationId, Uri? operationLocation, CancellationToken cancellationToken)
    {
        var uri = operationLocation ?? OperationUri(operationId);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var (response, failure) = await SendRequestAsync(request, [], cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return failure! with { OperationId = operationId, OperationLocation = uri };
        }

        using (response)
        {
            var retryAfter = RetryAfterHeader.Read(response, _time.GetUtcNow());
            var code = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return new EmailSendResult(EmailSendStatus.Throttled, operationId, uri, retryAfter ?? DefaultThrottle, HttpStatus: code);
            }

            if (code >= 500)
            {
                return new EmailSendResult(EmailSendStatus.Retryable, operationId, uri, retryAfter, HttpStatus: code);
            }

            if (!response.IsSuccessStatusCode)
            {
                return new EmailSendResult(EmailSendStatus.Failed, operationId, uri, ErrorCode: await ErrorCodeAsync(response, cancellationToken).ConfigureAwait(false), HttpStatus: code);
            }

            var (_, status, error) = await ReadOperationAsync(response, cancellationToken).ConfigureAwait(false);
            return status switch
            {
                "Succeeded" => new EmailSendResult(EmailSendStatus.Succeeded, operationId, uri, HttpStatus: code),
                "Failed" or "Canceled" => new EmailSendResult(EmailSendStatus.Failed, operationId, uri, ErrorCode: error ?? status, HttpStatus: code),
                _ => new EmailSendResult(EmailSendStatus.Accepted, operationId, uri, retryAfter ?? DefaultPollInterval, HttpStatus: code),
            };
        }
    }

    /// <summary>
    /// Sends, then polls the operation as often as ACS's retry-after says until it succeeds or fails. Throttled and
    /// retryable sends come back at once: the queue, not this call, waits for those.
    /// </summary>
    public async Task<EmailSendResult> SendAndWaitAsync(EmailMessage message, SendAttempt attempt, CancellationToken cancellationToken)
    {
        var result = await SendAsync(message, attempt, cancellationToken).ConfigureAwait(false);
        for (var polls = 0; result.Status == EmailSendStatus.Accepted && polls < _options.MaxPolls; polls++)
        {
            await Task.Delay(result.RetryAfter ?? DefaultPollInterval, _time, cancellationToken).ConfigureAwait(false);
            var next = await GetStatusAsync(result.OperationId!, result.OperationLocation, cancellationToken).ConfigureAwait(false);

            // A throttled or failed poll says nothing about the send: keep the accepted result and poll again.
            result = next.Status is EmailSendStatus.Throttled or EmailSendStatus.Retryable
                ? result with { RetryAfter = next.RetryAfter ?? DefaultPollInterval }
                : next;
        }

        return result;
    }

    private Uri OperationUri(string operationId) => new(_endpoint, $"/emails/operations/{Uri.EscapeDataString(operationId)}?api-version={_options.ApiVersion}");

    private async Task<(HttpResponseMessage? Response, EmailSendResult? Failure)> SendRequestAsync(HttpRequestMessage request, byte[] body, CancellationToken cancellationToken)
    {
        await _auth.ApplyAsync(request, body, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);

        // The timeout runs on the injected clock, so tests drive it without waiting.
        using var timeout = _options.RequestTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            return (response, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogTransient(_logger, "timeout");
            return (null, new EmailSendResult(EmailSendStatus.Retryable, ErrorCode: "Timeout"));
        }
        catch (HttpRequestException ex)
        {
            LogTransient(_logger, ex.HttpRequestError.ToString());
            return (null, new EmailSendResult(EmailSendStatus.Retryable, ErrorCode: "Network"));
        }
    }

    private static async Task<(string? Id, string? Status, string? Error)> ReadOperationAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return (Str(json, "id"), Str(json, "status"), json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? Str(e, "code") : null);
        }
        catch (JsonException)
        {
            return (null, null, null);
        }
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? Str(e, "code") : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "ACS email accepted as operation {OperationId}")]
    private static partial void LogAccepted(ILogger logger, string operationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACS email throttled ({Source}); retry after {RetryAfter}")]
    private static partial void LogThrottled(ILogger logger, string source, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACS email refused: HTTP {Status} {Code}")]
    private static partial void LogFailed(ILogger logger, int status, string? code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACS email transient failure: {Reason}")]
    private static partial void LogTransient(ILogger logger, string reason);
}
