using System.Net.Mail;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Email;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Channels;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Email: renders the template for the customer (in the layout, with the signed unsubscribe link in the body and the
/// RFC 8058 headers) and hands the message to the configured provider — ACS, or the sandbox outbox. What cannot succeed
/// fails once with its reason instead of being retried: no provider (<c>email-provider-not-configured</c>), no
/// unsubscribe signing (<c>unsubscribe-not-configured</c>), no template part (<c>template-missing</c> /
/// <c>template-invalid</c>), an address no provider would take (<c>address-invalid</c>).
/// </summary>
public sealed class EmailDelivery(ChannelProviders providers, MessageRenderer renderer, EmailComposer composer, Lazy<AcsEmailProvider> acs, Lazy<SandboxEmailProvider> sandbox) : IChannelDelivery
{
    public Channel Channel => Channel.Email;

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var status = providers.Email;
        if (!status.Ready)
        {
            return DeliveryResult.Failed("email-provider-not-configured");
        }

        if (!providers.UnsubscribeReady)
        {
            return DeliveryResult.Failed("unsubscribe-not-configured");
        }

        var (template, problem) = renderer.Email(request.Template);
        if (template is null)
        {
            return DeliveryResult.Failed(problem);
        }

        var customer = request.Customer;
        if (customer.Contact.Email is not { } address || !MailAddress.TryCreate(address, out _))
        {
            return DeliveryResult.Failed("address-invalid");
        }

        var message = composer.Compose(template, customer.CustomerId, address, customer.Contact.Name, renderer.For(customer, request.Template, request.Cart), request.FirstAttemptAt);
        IEmailProvider provider = status.Kind == ProviderKind.Sandbox ? sandbox.Value : acs.Value;
        return await provider.SendAsync(new OutgoingEmail(request, message, renderer.Language), cancellationToken);
    }
}

/// <summary>One rendered email and the send it is for.</summary>
public sealed record OutgoingEmail(DeliveryRequest Request, EmailMessage Message, string Language);

/// <summary>The port an email provider implements: take the rendered message, say what became of it.</summary>
public interface IEmailProvider
{
    Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}

/// <summary>
/// ACS Email: one request whose Operation-Id / Repeatability-Request-ID come from the ledger key, so a retry is never a
/// second mail. An accepted message is indexed by its operation id, so its delivery report finds the send.
/// </summary>
public sealed partial class AcsEmailProvider(Lazy<AcsEmailClient> acs, ChannelEvents events, ILogger<AcsEmailProvider> logger) : IEmailProvider
{
    public const string Name = "acs";

    public async Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var request = email.Request;
        var client = acs.Value;
        var result = await client.SendAsync(email.Message, new SendAttempt(request.IdempotencyKey, request.FirstAttemptAt), cancellationToken);
        if (result is { Status: EmailSendStatus.Failed, ErrorCode: "RepeatabilityExpired", OperationId: { } operationId })
        {
            // ACS no longer dedupes this key: the operation says whether the first attempt went out, and a blind resend could mail twice.
            var status = await client.GetStatusAsync(operationId, null, cancellationToken);
            LogRepeatabilityExpired(logger, request.Recipient.EnrollmentId, status.Status);
            return status.Status switch
            {
                EmailSendStatus.Accepted or EmailSendStatus.Succeeded => await AcceptedAsync(operationId, request, cancellationToken),
                EmailSendStatus.Throttled or EmailSendStatus.Retryable => new DeliveryResult(DeliveryOutcome.Retryable, "status-check"),
                _ => DeliveryResult.Failed("RepeatabilityExpired"),
            };
        }

        return result.Status switch
        {
            EmailSendStatus.Accepted or EmailSendStatus.Succeeded => await AcceptedAsync(result.OperationId, request, cancellationToken),
            EmailSendStatus.Throttled => new DeliveryResult(DeliveryOutcome.Throttled, "throttled", result.RetryAfter),
            EmailSendStatus.Retryable => new DeliveryResult(DeliveryOutcome.Retryable, result.ErrorCode ?? result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => DeliveryResult.Failed(result.ErrorCode ?? "http-" + result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    private async Task<DeliveryResult> AcceptedAsync(string? operationId, DeliveryRequest request, CancellationToken cancellationToken)
    {
        if (operationId is not null)
        {
            await events.RecordEmailSendAsync(operationId, request.IdempotencyKey, cancellationToken);
        }

        return DeliveryResult.Sent(operationId) with { Provider = Name };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email for enrollment {EnrollmentId}: ACS repeatability window passed; the operation is {Status}")]
    private static partial void LogRepeatabilityExpired(ILogger logger, string enrollmentId, EmailSendStatus status);
}

/// <summary>
/// The sandbox: the email ACS would have received — recipient, subject, preheader, HTML and text, List-Unsubscribe
/// headers, the Operation-Id it would have carried — written to the <c>outbox</c> container under its ledger key, and
/// counted as sent (sandbox). Nothing leaves the app.
/// </summary>
public sealed class SandboxEmailProvider(OutboxStore outbox, IOptions<AcsEmailOptions> options, TimeProvider time) : IEmailProvider
{
    public const string Name = "sandbox";

    public async Task<DeliveryResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var (request, message) = (email.Request, email.Message);
        var name = await outbox.WriteAsync(Sandbox.Message(request, "email", IdempotencyKeys.Uuid(request.IdempotencyKey).ToString(), email.Language, time) with
        {
            Email = new OutboxEmail(message.To, message.ToName, message.Subject, message.Preheader, message.Html, message.PlainText, message.Headers)
            {
                From = string.IsNullOrWhiteSpace(options.Value.Sender) ? null : options.Value.Sender,
            },
        }, cancellationToken);
        return DeliveryResult.Sent(name) with { Provider = Name };
    }
}

/// <summary>What every sandbox message records about its send.</summary>
internal static class Sandbox
{
    public static OutboxMessage Message(DeliveryRequest request, string channel, string idempotencyKey, string language, TimeProvider time) => new()
    {
        Channel = channel,
        LedgerKey = request.IdempotencyKey,
        IdempotencyKey = idempotencyKey,
        ScenarioId = request.Batch.ScenarioId,
        DefinitionVersion = request.Batch.DefinitionVersion,
        Template = request.Batch.Template,
        TemplateRevision = request.Template?.Revision,
        Language = language,
        CustomerId = request.Customer.CustomerId,
        EnrollmentId = request.Recipient.EnrollmentId,
        StepId = request.Recipient.StepId,
        Attempt = request.Recipient.Attempt,
        Arm = request.Recipient.Arm,
        At = time.GetUtcNow(),
        FirstAttemptAt = request.FirstAttemptAt,
    };
}
