namespace Kozuchi.Channels.Email;

/// <summary>
/// Template + customer → the message ACS receives: the unsubscribe link is signed for this customer, placed in the
/// template's <c>unsubscribe_url</c> (and the layout's footer, <see cref="EmailLayout"/>) and in the RFC 8058 headers,
/// so every marketing email carries both.
/// </summary>
public sealed class EmailComposer(UnsubscribeLinks links, TimeProvider time)
{
    public EmailMessage Compose(EmailTemplates.CompiledEmailTemplate template, string customerId, string to, string? toName, Personalisation values) =>
        Compose(template, customerId, to, toName, values, time.GetUtcNow());

    /// <summary>
    /// Composes as of <paramref name="now"/>: a retry composes as of the first attempt, so the body — and the link's
    /// expiry in it — is byte for byte the same, which ACS requires of a repeated request (else 400).
    /// </summary>
    public EmailMessage Compose(EmailTemplates.CompiledEmailTemplate template, string customerId, string to, string? toName, Personalisation values, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var personal = values with { UnsubscribeUrl = links.CreateUrl(customerId, Core.Common.Channel.Email, now) };
        var rendered = EmailLayout.Apply(template.Render(personal), personal);
        return new EmailMessage(to, toName, rendered.Subject, rendered.Html, rendered.Text) { Headers = links.Headers(customerId, now), Preheader = rendered.Preheader };
    }
}
