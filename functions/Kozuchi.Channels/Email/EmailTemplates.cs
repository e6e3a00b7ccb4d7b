using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Kozuchi.Core.Checkouts;

namespace Kozuchi.Channels.Email;

/// <summary>What a template may say about the customer. Nothing else is exposed to templates.</summary>
public sealed record Personalisation
{
    public string? Name { get; init; }
    public string? LastProduct { get; init; }
    public string? EntryProduct { get; init; }
    public long Points { get; init; }
    public string? Coupon { get; init; }
    public Uri? UnsubscribeUrl { get; init; }

    /// <summary>The message language, <c>ja</c> or <c>en</c>: how the name is addressed (様 / Dear) and the layout's words.</summary>
    public string Language { get; init; } = "ja";

    /// <summary>The shop's name, for signatures and the email footer (<c>Kozuchi:Channels:ShopName</c>); templates say 当店 / our shop without it.</summary>
    public string? ShopName { get; init; }

    /// <summary>The shop's public URL, for "visit the shop" buttons (<c>Kozuchi:Channels:ShopUrl</c>); a template leaves its button out without it.</summary>
    public Uri? ShopUrl { get; init; }

    /// <summary>How the customer is addressed: <c>佐藤 花子 様</c> (or <c>お客様</c> without a name); in English the name alone (or <c>customer</c>).</summary>
    public string Addressee => IsEnglish
        ? (string.IsNullOrWhiteSpace(Name) ? "customer" : Name.Trim())
        : (string.IsNullOrWhiteSpace(Name) ? "お客様" : Name.Trim() + " 様");

    internal bool IsEnglish => string.Equals(Language, "en", StringComparison.OrdinalIgnoreCase);

    /// <summary>The abandoned cart of a cart-recovery send (<c>cart_items</c>, <c>cart_total</c>, <c>cart_currency</c>, <c>recovery_url</c>); null elsewhere.</summary>
    public CartDetails? Cart { get; init; }
}

/// <summary>One line of the cart as templates see it.</summary>
public sealed record CartItem(string Name, string? Sku, int Quantity, decimal UnitPrice)
{
    public decimal LineTotal => UnitPrice * Quantity;
}

/// <summary>What a cart-recovery template may say about the cart: its items, value and the cart's own link back to it.</summary>
public sealed record CartDetails(IReadOnlyList<CartItem> Items, decimal Total, string Currency, Uri? RecoveryUrl)
{
    public static CartDetails From(Checkout checkout)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        return new CartDetails(
            [.. checkout.Lines.Select(l => new CartItem(l.ProductName, l.Sku, l.Quantity, l.UnitPrice))],
            checkout.Total,
            checkout.Currency,
            Uri.TryCreate(checkout.RecoveryUrl, UriKind.Absolute, out var url) ? url : null);
    }
}

/// <summary>An email template in Liquid: subject, HTML and plain-text bodies, and the preheader (the preview line after the subject).</summary>
public sealed record EmailTemplate(string Subject, string Html, string Text)
{
    public string? Preheader { get; init; }
}

public sealed record RenderedEmail(string Subject, string Html, string Text)
{
    public string? Preheader { get; init; }
}

/// <summary>
/// Renders Liquid (Fluid) with the personalisation fields <c>name</c>, <c>customer</c> (the name with 様, or お客様),
/// <c>last_product</c>, <c>entry_product</c> (product names, never SKUs), <c>points</c>, <c>coupon</c>,
/// <c>shop_name</c>, <c>shop_url</c>, <c>unsubscribe_url</c>, and for cart recovery <c>cart_items</c> (each with <c>name</c>,
/// <c>sku</c>, <c>quantity</c>, <c>unit_price</c>, <c>line_total</c>), <c>cart_total</c>, <c>cart_currency</c> and
/// <c>recovery_url</c>. HTML output is HTML-encoded; the subject, preheader and text are not. A template that does not
/// parse is a result, not an exception: it is caught when the template is saved.
/// </summary>
public sealed class EmailTemplates
{
    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions Options = CreateOptions();

    // The default encoder also escapes every non-ASCII letter: valid, but a Japanese mail would be all entities.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions { CultureInfo = CultureInfo.GetCultureInfo("ja-JP"), TimeZone = TimeZoneInfo.Utc };
        options.MemberAccessStrategy.Register<Personalisation>();
        return options;
    }

    public static bool TryCompile(EmailTemplate template, out CompiledEmailTemplate? compiled, out string? error)
    {
        ArgumentNullException.ThrowIfNull(template);
        compiled = null;
        IFluidTemplate? preheader = null;
        if (!Parser.TryParse(template.Subject, out var subject, out error)
            || !Parser.TryParse(template.Html, out var html, out error)
            || !Parser.TryParse(template.Text, out var text, out error)
            || (template.Preheader is { } p && !Parser.TryParse(p, out preheader, out error)))
        {
            return false;
        }

        compiled = new CompiledEmailTemplate(subject, html, text, preheader);
        return true;
    }

    /// <summary>One Liquid text (a LINE message's string, a call script): parsed, or the parser's message.</summary>
    internal static bool TryParse(string source, out IFluidTemplate? template, out string? error)
    {
        var ok = Parser.TryParse(source, out var parsed, out error);
        template = ok ? parsed : null;
        return ok;
    }

    /// <summary>A parsed Liquid text rendered for a customer, with no encoding (plain text).</summary>
    internal static string RenderText(IFluidTemplate template, Personalisation values) => template.Render(Context(values), NullEncoder.Default);

    /// <summary>Renders one plain-text Liquid template (a postal DM's copy, a call script) for a customer; null when it does not parse.</summary>
    public static string? RenderPlain(string source, Personalisation values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return TryParse(source, out var template, out _) ? RenderText(template!, values).Trim() : null;
    }

    private static TemplateContext Context(Personalisation values)
    {
        var context = new TemplateContext(Options);
        context.SetValue("name", values.Name ?? (values.IsEnglish ? "customer" : "お客"));
        context.SetValue("customer", values.Addressee);
        // A customer stored before product names were kept has none yet: the sentence still reads well.
        context.SetValue("last_product", values.LastProduct ?? (values.IsEnglish ? "your last purchase" : "前回お買い上げの商品"));
        context.SetValue("entry_product", values.EntryProduct ?? (values.IsEnglish ? "your purchase" : "お買い上げの商品"));
        context.SetValue("points", values.Points);
        context.SetValue("coupon", values.Coupon ?? string.Empty);
        context.SetValue("shop_name", string.IsNullOrWhiteSpace(values.ShopName) ? (values.IsEnglish ? "our shop" : "当店") : values.ShopName.Trim());
        context.SetValue("shop_url", values.ShopUrl?.ToString() ?? string.Empty);
        context.SetValue("unsubscribe_url", values.UnsubscribeUrl?.ToString() ?? string.Empty);

        // Plain dictionaries: template authors write snake_case like every other field, whatever the C# names.
        var items = values.Cart?.Items ?? [];
        context.SetValue("cart_items", items.Select(i => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = i.Name,
            ["sku"] = i.Sku ?? string.Empty,
            ["quantity"] = i.Quantity,
            ["unit_price"] = i.UnitPrice,
            ["line_total"] = i.LineTotal,
        }).ToList());
        context.SetValue("cart_total", values.Cart?.Total ?? 0m);
        context.SetValue("cart_currency", values.Cart?.Currency ?? string.Empty);
        context.SetValue("recovery_url", values.Cart?.RecoveryUrl?.ToString() ?? string.Empty);
        return context;
    }

    public sealed class CompiledEmailTemplate
    {
        private readonly IFluidTemplate _subject;
        private readonly IFluidTemplate _html;
        private readonly IFluidTemplate _text;
        private readonly IFluidTemplate? _preheader;

        internal CompiledEmailTemplate(IFluidTemplate subject, IFluidTemplate html, IFluidTemplate text, IFluidTemplate? preheader)
        {
            _subject = subject;
            _html = html;
            _text = text;
            _preheader = preheader;
        }

        public RenderedEmail Render(Personalisation values)
        {
            ArgumentNullException.ThrowIfNull(values);
            var context = Context(values);

            // Subjects are headers and text is text: encoding them for HTML would show &amp; to the reader.
            return new RenderedEmail(
                _subject.Render(context, NullEncoder.Default).Trim(),
                _html.Render(context, Html),
                _text.Render(context, NullEncoder.Default))
            {
                Preheader = _preheader?.Render(context, NullEncoder.Default).Trim() is { Length: > 0 } p ? p : null,
            };
        }
    }
}
