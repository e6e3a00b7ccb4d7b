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

/// <summary>An email template in Liquid: subject, HTML and plain-text bodies.</summary>
public sealed record EmailTemplate(string Subject, string Html, string Text);

public sealed record RenderedEmail(string Subject, string Html, string Text);

/// <summary>
/// Renders Liquid (Fluid) with the personalisation fields <c>name</c>, <c>last_product</c>, <c>entry_product</c>,
/// <c>points</c>, <c>coupon</c>, <c>unsubscribe_url</c>, and for cart recovery <c>cart_items</c> (each with
/// <c>name</c>, <c>sku</c>, <c>quantity</c>, <c>unit_price</c>, <c>line_total</c>), <c>cart_total</c>,
/// <c>cart_currency</c> and <c>recovery_url</c>. HTML output is HTML-encoded; the subject and text are not.
/// A template that does not parse is a result, not an exception: it is caught when the scenario is saved. Rendering is
/// bounded (<see cref="TemplateLimits"/>): past the limits it throws <see cref="TemplateLimitException"/>.
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
        TemplateLimits.Apply(options);
        return options;
    }

    public static bool TryCompile(EmailTemplate template, out CompiledEmailTemplate? compiled, out string? error)
    {
        ArgumentNullException.ThrowIfNull(template);
        compiled = null;
        if (!Parser.TryParse(template.Subject, out var subject, out error)
            || !Parser.TryParse(template.Html, out var html, out error)
            || !Parser.TryParse(template.Text, out var text, out error))
        {
            return false;
        }

        compiled = new CompiledEmailTemplate(subject, html, text);
        return true;
    }

    public sealed class CompiledEmailTemplate
    {
        private readonly IFluidTemplate _subject;
        private readonly IFluidTemplate _html;
        private readonly IFluidTemplate _text;

        internal CompiledEmailTemplate(IFluidTemplate subject, IFluidTemplate html, IFluidTemplate text)
        {
            _subject = subject;
            _html = html;
            _text = text;
        }

        public RenderedEmail Render(Personalisation values)
        {
            ArgumentNullException.ThrowIfNull(values);
            var context = new TemplateContext(Options);
            context.SetValue("name", values.Name ?? "お客");
            context.SetValue("last_product", values.LastProduct ?? string.Empty);
            context.SetValue("entry_product", values.EntryProduct ?? string.Empty);
            context.SetValue("points", values.Points);
            context.SetValue("coupon", values.Coupon ?? string.Empty);
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

            // Subjects are headers and text is text: encoding them for HTML would show &amp; to the reader.
            // The subject is a header: no CR/LF or other control character may survive into it.
            return new RenderedEmail(
                HeaderText.Clean(TemplateLimits.Render(_subject, context, NullEncoder.Default)).Trim(),
                TemplateLimits.Render(_html, context, Html),
                TemplateLimits.Render(_text, context, NullEncoder.Default));
        }
    }
}
