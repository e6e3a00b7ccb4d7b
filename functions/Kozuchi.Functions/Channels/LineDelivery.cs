using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// LINE to the customer's linked user, the template's <c>line</c> text rendered with the same fields as email.
/// Recipients of one batch whose text renders the same go out together as multicast (≤500 user ids per request);
/// a personalised text goes by push. <c>X-Line-Retry-Key</c> comes from the ledger key (push) or the sorted ledger
/// keys of the group (multicast): LINE executes a retried request at most once and answers 409, counted as sent.
/// </summary>
public sealed partial class LineDelivery(LineMessagingClient client, IOptions<LineOptions> options, ILogger<LineDelivery> logger) : IMulticastDelivery
{
    public Channel Channel => Channel.Line;

    public int MaxRecipientsPerRequest => LineMessagingClient.MaxMulticastRecipients;

    public PreparedContent Prepare(DeliveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.ChannelAccessToken.Length == 0)
        {
            // Retried, then parked in send-line-poison: replayed once the token is set, nothing is lost meanwhile.
            return PreparedContent.Refused(new DeliveryResult(DeliveryOutcome.Retryable, "line-not-configured"));
        }

        // LINE text uses the email template's Liquid and fields; only its plain-text part is rendered.
        if (request.Template?.Line is not { } line || !EmailTemplates.TryCompile(new EmailTemplate("", "", line), out var compiled, out _))
        {
            return PreparedContent.Refused(DeliveryResult.Failed(request.Template?.Line is null ? "template-missing" : "template-invalid"));
        }

        var text = compiled!.Render(Personalisations.For(request.Customer, request.Cart)).Text.Trim();
        return text.Length is 0 or > LineMessage.MaxTextLength
            ? PreparedContent.Refused(DeliveryResult.Failed("line-text-length"))
            : PreparedContent.Of(text);
    }

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var prepared = Prepare(request);
        if (prepared.Refusal is { } refusal)
        {
            return refusal;
        }

        var result = await client.PushAsync(request.Customer.LineUserId!, [LineMessage.Text(prepared.Content!)], request.IdempotencyKey, cancellationToken);
        return ToDelivery(result);
    }

    public async Task<DeliveryResult> DeliverToManyAsync(IReadOnlyList<DeliveryRequest> requests, string content, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count > MaxRecipientsPerRequest)
        {
            throw new ArgumentException($"A multicast carries at most {MaxRecipientsPerRequest} recipients.", nameof(requests));
        }

        var result = await client.MulticastAsync([.. requests.Select(r => r.Customer.LineUserId!)], [LineMessage.Text(content)], idempotencyKey, cancellationToken);
        return ToDelivery(result.Chunks[0]);
    }

    private DeliveryResult ToDelivery(LineSendResult result)
    {
        switch (result.Status)
        {
            case LineSendStatus.Sent:
                return DeliveryResult.Sent(result.RetryKey.ToString());
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
