using System.Net;

namespace Kozuchi.Channels.Email;

/// <summary>
/// The frame every marketing email goes out in, so a template only writes its message: the HTML document (a 600px
/// column, Japanese fonts, inline styles as mail apps require), the preheader as the hidden first text mail apps show
/// after the subject, and a footer with the shop's name and the unsubscribe link. A template whose HTML is a whole
/// document (<c>&lt;html</c>) is left as it is; a body that already carries its unsubscribe link gets no second one.
/// </summary>
public static class EmailLayout
{
    public static RenderedEmail Apply(RenderedEmail email, Personalisation values)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(values);
        var url = values.UnsubscribeUrl?.ToString();
        var html = email.Html.Contains("<html", StringComparison.OrdinalIgnoreCase) ? email.Html : Document(email, values, url);
        return email with { Html = html, Text = Text(email.Text, values, url) };
    }

    private static string Document(RenderedEmail email, Personalisation values, string? url)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        var english = values.IsEnglish;
        var shop = string.IsNullOrWhiteSpace(values.ShopName) ? null : values.ShopName.Trim();
        var linkInBody = url is not null && email.Html.Contains(WebUtility.HtmlEncode(url), StringComparison.Ordinal);
        var footer = new List<string>();
        if (shop is not null)
        {
            footer.Add($"<p style=\"margin:0 0 4px;font-weight:bold;color:#555555;\">{E(shop)}</p>");
        }

        footer.Add(english
            ? "<p style=\"margin:0 0 4px;\">You receive this email because you agreed to hear from us.</p>"
            : "<p style=\"margin:0 0 4px;\">このメールは、配信を希望されたお客様にお送りしています。</p>");
        if (url is not null && !linkInBody)
        {
            footer.Add(english
                ? $"<p style=\"margin:0;\">To stop these emails, <a href=\"{E(url)}\" style=\"color:#777777;\">unsubscribe here</a>.</p>"
                : $"<p style=\"margin:0;\">配信停止をご希望の方は<a href=\"{E(url)}\" style=\"color:#777777;\">こちら</a>からお手続きください。</p>");
        }

        var header = shop is null ? string.Empty
            : $"<tr><td style=\"padding:20px 28px 0;font-size:13px;color:#8a6d3b;letter-spacing:0.08em;\">{E(shop)}</td></tr>";
        var preheader = email.Preheader is { Length: > 0 } p
            ? $"<div style=\"display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:#f4f4f2;\">{E(p)}</div>"
            : string.Empty;
        return $"""
            <!DOCTYPE html>
            <html lang="{(english ? "en" : "ja")}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(email.Subject)}</title>
            </head>
            <body style="margin:0;padding:0;background:#f4f4f2;">
            {preheader}
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f2;">
            <tr><td align="center" style="padding:24px 12px;">
            <table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;font-family:'Hiragino Sans','Hiragino Kaku Gothic ProN','Noto Sans JP','Yu Gothic',Meiryo,sans-serif;font-size:15px;line-height:1.8;color:#333333;">
            {header}
            <tr><td style="padding:24px 28px;">
            {email.Html.Trim()}
            </td></tr>
            <tr><td style="padding:16px 28px 24px;border-top:1px solid #eeeeee;font-size:12px;line-height:1.7;color:#777777;">
            {string.Join("\n", footer)}
            </td></tr>
            </table>
            </td></tr>
            </table>
            </body>
            </html>
            """;
    }

    private static string Text(string text, Personalisation values, string? url)
    {
        var lines = new List<string>();
        if (!string.IsNullOrWhiteSpace(values.ShopName))
        {
            lines.Add(values.ShopName.Trim());
        }

        if (url is not null && !text.Contains(url, StringComparison.Ordinal))
        {
            lines.Add(values.IsEnglish ? $"Unsubscribe: {url}" : $"配信停止: {url}");
        }

        return lines.Count == 0 ? text : $"{text.TrimEnd()}\n\n――――――――――\n{string.Join("\n", lines)}\n";
    }
}
