namespace Kozuchi.Channels.Email;

/// <summary>
/// Template + customer → the message ACS receives: the unsubscribe link is signed for this customer, placed in the
/// template's <c>unsubscribe_url</c> and in the RFC 8058 headers, so every marketing email carries both.
/// </summary>
public sealed class EmailComposer(UnsubscribeLinks links, TimeProvider time)
{
    public EmailMessage Compose(EmailTemplates.CompiledEmailTemplate template, string customerId, string to, string? toName, Personalisation values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var now = time.GetUtcNow();
        var rendered = template.Render(values with { UnsubscribeUrl = links.CreateUrl(customerId, Core.Common.Channel.Email, now) });
        return new EmailMessage(to, toName, rendered.Subject, rendered.Html, rendered.Text) { Headers = links.Headers(customerId, now) };
    }
}
