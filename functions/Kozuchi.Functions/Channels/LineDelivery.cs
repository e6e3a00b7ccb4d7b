using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// LINE push to the customer's linked user, the template's <c>line</c> text rendered with the same fields as email.
/// <c>X-Line-Retry-Key</c> comes from the ledger key: LINE executes a retried request at most once.
/// </summary>
public sealed partial class LineDelivery(LineMessagingClient client, IOptions<LineOptions> options, ILogger<LineDelivery> logger) : IChannelDelivery
{
    public Channel Channel => Channel.Line;

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.ChannelAccessToken.Length == 0)
        {
            // Retried, then parked in send-line-poison: replayed once the token is set, nothing is lost meanwhile.
            return new DeliveryResult(DeliveryOutcome.Retryable, "line-not-configured");
        }

        // LINE text uses the email template's Liquid and fields; only its plain-text part is rendered.
        if (request.Template?.Line is not { } line || !EmailTemplates.TryCompile(new EmailTemplate("", "", line), out var compiled, out _))
        {
            return DeliveryResult.Failed(request.Template?.Line is null ? "template-missing" : "template-invalid");
        }

        var text = compiled!.Render(Personalisations.For(request.Customer, request.Cart)).Text.Trim();
        if (text.Length is 0 or > LineMessage.MaxTextLength)
        {
            return DeliveryResult.Failed("line-text-length");
        }

        var result = await client.PushAsync(request.Customer.LineUserId!, [LineMessage.Text(text)], request.IdempotencyKey, cancellationToken);
        switch (result.Status)
        {
            case LineSendStatus.Sent:
                return DeliveryResult.Sent(result.RetryKey.ToString());
            case LineSendStatus.RateLimited:
                return new DeliveryResult(DeliveryOutcome.Throttled, "rate-limited", result.RetryAfter ?? TimeSpan.FromMinutes(1));
            case LineSendStatus.Retryable:
                return new DeliveryResult(DeliveryOutcome.Retryable, result.Error);
            case LineSendStatus.QuotaExhausted:
                // Nothing more goes out on LINE this month: fail so the enrollment falls back to its next channel, and alert.
                LogQuotaExhausted(logger);
                return DeliveryResult.Failed("line-monthly-quota");
            default:
                return DeliveryResult.Failed(result.Error ?? "http-" + result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "LINE monthly message quota exhausted: LINE sends fail (and fall back) until the month turns or the plan changes")]
    private static partial void LogQuotaExhausted(ILogger logger);
}
