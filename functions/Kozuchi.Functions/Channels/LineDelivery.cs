using System.Text.Json;
using System.Text.RegularExpressions;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// LINE to the customer's linked user: the template's LINE message objects (or its text) rendered with the same fields
/// as email, handed to the configured provider — the Messaging API, or the sandbox outbox. Recipients of one batch whose
/// messages render the same go out together as multicast (≤500 user ids per request); personalised ones by push.
/// <c>X-Line-Retry-Key</c> comes from the ledger key (push) or the sorted ledger keys of the group (multicast): LINE
/// executes a retried request at most once and answers 409, counted as sent. What cannot succeed fails once with its
/// reason: no provider (<c>line-provider-not-configured</c>), no LINE part (<c>template-missing</c>), a user id LINE
/// would refuse (<c>address-invalid</c>), nothing or too much to say (<c>line-text-length</c>).
/// </summary>
public sealed partial class LineDelivery(ChannelProviders providers, MessageRenderer renderer, Lazy<LineMessagingProvider> line, Lazy<SandboxLineProvider> sandbox) : IMulticastDelivery
{
    public Channel Channel => Channel.Line;

    public int MaxRecipientsPerRequest => LineMessagingClient.MaxMulticastRecipients;

    public PreparedContent Prepare(DeliveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!providers.Line.Ready)
        {
            return PreparedContent.Refused(DeliveryResult.Failed("line-provider-not-configured"));
        }

        var (template, problem) = renderer.Line(request.Template);
        if (template is null)
        {
            return PreparedContent.Refused(DeliveryResult.Failed(problem));
        }

        if (request.Customer.LineUserId is not { } user || !UserId().IsMatch(user))
        {
            return PreparedContent.Refused(DeliveryResult.Failed("address-invalid"));
        }

        var (messages, renderProblem) = template.Render(renderer.For(request.Customer, request.Template, request.Cart));
        return messages is null
            ? PreparedContent.Refused(DeliveryResult.Failed(renderProblem))
            : PreparedContent.Of(LineMessageJson.Write(messages));
    }

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var prepared = Prepare(request);
        if (prepared.Refusal is { } refusal)
        {
            return refusal;
        }

        return await Provider.PushAsync(request, LineMessageJson.Read(prepared.Content!), renderer.Language, cancellationToken);
    }

    public async Task<DeliveryResult> DeliverToManyAsync(IReadOnlyList<DeliveryRequest> requests, string content, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count > MaxRecipientsPerRequest)
        {
            throw new ArgumentException($"A multicast carries at most {MaxRecipientsPerRequest} recipients.", nameof(requests));
        }

        return await Provider.MulticastAsync(requests, LineMessageJson.Read(content), idempotencyKey, renderer.Language, cancellationToken);
    }

    private ILineProvider Provider => providers.Line.Kind == ProviderKind.Sandbox ? sandbox.Value : line.Value;

    // LINE user ids: "U" and 32 lowercase hex digits.
    [GeneratedRegex("^U[0-9a-f]{32}$")]
    private static partial Regex UserId();
}

/// <summary>The port a LINE provider implements: a push to one user, a multicast to many, each with its retry key.</summary>
public interface ILineProvider
{
    Task<DeliveryResult> PushAsync(DeliveryRequest request, IReadOnlyList<LineMessage> messages, string language, CancellationToken cancellationToken);

    Task<DeliveryResult> MulticastAsync(IReadOnlyList<DeliveryRequest> requests, IReadOnlyList<LineMessage> messages, string idempotencyKey, string language, CancellationToken cancellationToken);
}

/// <summary>The LINE Messaging API; its answers become delivery outcomes (a spent monthly quota stops the channel and alerts).</summary>
public sealed partial class LineMessagingProvider(LineMessagingClient client, ILogger<LineMessagingProvider> logger) : ILineProvider
{
    public const string Name = "line";

    public async Task<DeliveryResult> PushAsync(DeliveryRequest request, IReadOnlyList<LineMessage> messages, string language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ToDelivery(await client.PushAsync(request.Customer.LineUserId!, messages, request.IdempotencyKey, cancellationToken));
    }

    public async Task<DeliveryResult> MulticastAsync(IReadOnlyList<DeliveryRequest> requests, IReadOnlyList<LineMessage> messages, string idempotencyKey, string language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var result = await client.MulticastAsync([.. requests.Select(r => r.Customer.LineUserId!)], messages, idempotencyKey, cancellationToken);
        return ToDelivery(result.Chunks[0]);
    }

    private DeliveryResult ToDelivery(LineSendResult result)
    {
        switch (result.Status)
        {
            case LineSendStatus.Sent:
                return DeliveryResult.Sent(result.RetryKey.ToString()) with { Provider = Name };
            case LineSendStatus.RateLimited:
                return new DeliveryResult(DeliveryOutcome.Throttled, "rate-limited", result.RetryAfter ?? TimeSpan.FromMinutes(1));
            case LineSendStatus.Retryable:
                return new DeliveryResult(DeliveryOutcome.Retryable, result.Error);
            case LineSendStatus.QuotaExhausted:
                // Nothing more goes out on LINE this month: fail (the enrollment falls back to its next channel), stop
                // the rest of the batch without calling LINE, and alert. Retrying would only burn requests.
                LogQuotaExhausted(logger);
                return DeliveryResult.Failed("line-monthly-quota") with { StopsChannel = true };
            default:
                return DeliveryResult.Failed(result.Error ?? "http-" + result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "LINE monthly message quota exhausted: LINE sends fail (and fall back) until the month turns or the plan changes")]
    private static partial void LogQuotaExhausted(ILogger logger);
}

/// <summary>
/// The sandbox: each recipient's request as LINE would have received it — the user id, the message objects, the
/// <c>X-Line-Retry-Key</c> it would have carried (a multicast's for all its recipients) — written to the
/// <c>outbox</c> container under its ledger key, and counted as sent (sandbox). Nothing leaves the app.
/// </summary>
public sealed class SandboxLineProvider(OutboxStore outbox, TimeProvider time) : ILineProvider
{
    public const string Name = "sandbox";

    public async Task<DeliveryResult> PushAsync(DeliveryRequest request, IReadOnlyList<LineMessage> messages, string language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = IdempotencyKeys.Uuid(request.IdempotencyKey).ToString();
        await WriteAsync(request, messages, key, null, language, cancellationToken);
        return DeliveryResult.Sent(key) with { Provider = Name };
    }

    public async Task<DeliveryResult> MulticastAsync(IReadOnlyList<DeliveryRequest> requests, IReadOnlyList<LineMessage> messages, string idempotencyKey, string language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var key = LineMessagingClient.ChunkKey(idempotencyKey, 0).ToString();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (r, ct) =>
            await WriteAsync(r, messages, key, requests.Count, language, ct));
        return DeliveryResult.Sent(key) with { Provider = Name };
    }

    private async Task WriteAsync(DeliveryRequest request, IReadOnlyList<LineMessage> messages, string key, int? multicast, string language, CancellationToken cancellationToken)
    {
        var objects = messages.Select(m => JsonSerializer.SerializeToElement(m.ToJson())).ToList();
        await outbox.WriteAsync(Sandbox.Message(request, "line", key, language, time) with
        {
            Line = new OutboxLine(request.Customer.LineUserId!, objects) { MulticastRecipients = multicast },
        }, cancellationToken);
    }
}
