using Kozuchi.Channels.Email;
using Kozuchi.Core.Common;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Email through ACS: renders the template for the customer (with the signed unsubscribe link) and sends one
/// request whose Operation-Id / Repeatability-Request-ID come from the ledger key, so a retry is never a second mail.
/// </summary>
public sealed partial class EmailDelivery(Lazy<AcsEmailClient> acs, IOptions<AcsEmailOptions> options, EmailComposer composer, ILogger<EmailDelivery> logger) : IChannelDelivery
{
    public Channel Channel => Channel.Email;

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value is { ConnectionString: null or "", Endpoint: null })
        {
            // Retried, then parked in send-email-poison: replayed once ACS is configured, nothing is lost meanwhile.
            return new DeliveryResult(DeliveryOutcome.Retryable, "acs-not-configured");
        }

        var client = acs.Value;
        if (request.Template?.Email is not { } content)
        {
            return DeliveryResult.Failed("template-missing");
        }

        if (!EmailTemplates.TryCompile(new EmailTemplate(content.Subject, content.Html, content.Text), out var compiled, out _))
        {
            return DeliveryResult.Failed("template-invalid");
        }

        var customer = request.Customer;
        var message = composer.Compose(compiled!, customer.CustomerId, customer.Contact.Email!, customer.Contact.Name, Personalisations.For(customer, request.Cart), request.FirstAttemptAt);
        var attempt = new SendAttempt(request.IdempotencyKey, request.FirstAttemptAt);
        var result = await client.SendAsync(message, attempt, cancellationToken);
        if (result is { Status: EmailSendStatus.Failed, ErrorCode: "RepeatabilityExpired", OperationId: { } operationId })
        {
            // ACS no longer dedupes this key: the operation says whether the first attempt went out, and a blind resend could mail twice.
            var status = await client.GetStatusAsync(operationId, null, cancellationToken);
            LogRepeatabilityExpired(logger, request.Recipient.EnrollmentId, status.Status);
            return status.Status switch
            {
                EmailSendStatus.Accepted or EmailSendStatus.Succeeded => DeliveryResult.Sent(operationId),
                EmailSendStatus.Throttled or EmailSendStatus.Retryable => new DeliveryResult(DeliveryOutcome.Retryable, "status-check"),
                _ => DeliveryResult.Failed("RepeatabilityExpired"),
            };
        }

        return result.Status switch
        {
            EmailSendStatus.Accepted or EmailSendStatus.Succeeded => DeliveryResult.Sent(result.OperationId),
            EmailSendStatus.Throttled => new DeliveryResult(DeliveryOutcome.Throttled, "throttled", result.RetryAfter),
            EmailSendStatus.Retryable => new DeliveryResult(DeliveryOutcome.Retryable, result.ErrorCode ?? result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => DeliveryResult.Failed(result.ErrorCode ?? "http-" + result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email for enrollment {EnrollmentId}: ACS repeatability window passed; the operation is {Status}")]
    private static partial void LogRepeatabilityExpired(ILogger logger, string enrollmentId, EmailSendStatus status);
}

/// <summary>What templates may say about a customer, from the stored record.</summary>
internal static class Personalisations
{
    public static Personalisation For(Kozuchi.Core.Customers.CustomerRecord customer, CartDetails? cart = null)
    {
        var profile = customer.ToProfile();
        return new Personalisation
        {
            Name = customer.Contact.Name,
            LastProduct = profile.LastProducts.Count > 0 ? profile.LastProducts[0] : null,
            EntryProduct = profile.EntryProducts.Count > 0 ? profile.EntryProducts[0] : null,
            Cart = cart,
        };
    }
}
