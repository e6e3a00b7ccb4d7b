using System.Collections.Concurrent;
using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Template + customer → what each channel sends, the same for a real provider, the sandbox and the preview: the
/// template's parts in the shop's message language, the personalisation from the stored customer (the name, product
/// names as the cart titled them — never SKUs —, the template's coupon code, the shop's name), and the compiled Liquid,
/// kept with the template object the consumer read for its batch, so a batch of 500 parses it once.
/// </summary>
public sealed class MessageRenderer(ChannelProviders providers)
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<MessageTemplate, ConcurrentDictionary<string, object?>> _compiled = [];

    public string Language => providers.Language;

    /// <summary>What templates may say about this customer (and their abandoned cart, for cart recovery).</summary>
    public Personalisation For(CustomerRecord customer, MessageTemplate? template, CartDetails? cart = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return new Personalisation
        {
            Name = customer.Contact.Name,
            LastProduct = customer.LastProductNames() is [var last, ..] ? last : null,
            EntryProduct = customer.EntryProductNames() is [var entry, ..] ? entry : null,
            Coupon = template?.Coupon,
            Cart = cart,
            Language = providers.Language,
            ShopName = providers.ShopName,
            ShopUrl = providers.ShopUrl,
        };
    }

    public TemplateParts Parts(MessageTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.For(providers.Language);
    }

    /// <summary>The email part compiled, or why there is none (<c>template-missing</c>, <c>template-invalid</c>).</summary>
    public (EmailTemplates.CompiledEmailTemplate? Template, string? Problem) Email(MessageTemplate? template)
    {
        if (template is null || Parts(template).Email is not { } email)
        {
            return (null, "template-missing");
        }

        var compiled = Compiled(template, "email", () =>
            EmailTemplates.TryCompile(new EmailTemplate(email.Subject, email.Html, email.Text) { Preheader = email.Preheader }, out var c, out _) ? c : null);
        return compiled is EmailTemplates.CompiledEmailTemplate t ? (t, null) : (null, "template-invalid");
    }

    /// <summary>The LINE messages compiled (the message objects, or the text part as one text message), or why there are none.</summary>
    public (LineTemplates? Template, string? Problem) Line(MessageTemplate? template)
    {
        if (template is null || LineMessages(Parts(template)) is not { } messages)
        {
            return (null, "template-missing");
        }

        var compiled = Compiled(template, "line", () => LineTemplates.TryCompile(messages, out var c, out _) ? c : null);
        return compiled is LineTemplates t ? (t, null) : (null, "template-invalid");
    }

    /// <summary>The LINE message objects of some parts: <see cref="TemplateParts.LineMessages"/>, else the text as one text message.</summary>
    public static IReadOnlyList<JsonElement>? LineMessages(TemplateParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return parts.LineMessages is { Count: > 0 } messages ? messages
            : parts.Line is { } text ? [LineTemplates.TextMessage(text)]
            : null;
    }

    /// <summary>The postal DM copy for this customer, or null when the template has none.</summary>
    public string? PostalCopy(MessageTemplate? template, CustomerRecord customer) =>
        template is not null && Parts(template).Postal is { } postal ? EmailTemplates.RenderPlain(postal.Text, For(customer, template)) : null;

    /// <summary>The call script for this customer, or null when the template has none.</summary>
    public string? CallScript(MessageTemplate? template, CustomerRecord customer) =>
        template is not null && Parts(template).Call is { } call ? EmailTemplates.RenderPlain(call.Script, For(customer, template)) : null;

    private object? Compiled(MessageTemplate template, string part, Func<object?> compile) =>
        _compiled.GetValue(template, _ => new ConcurrentDictionary<string, object?>(StringComparer.Ordinal)).GetOrAdd(part, _ => compile());
}
