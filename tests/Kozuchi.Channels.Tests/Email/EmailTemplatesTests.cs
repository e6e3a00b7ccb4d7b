using Kozuchi.Channels.Email;

namespace Kozuchi.Channels.Tests.Email;

public sealed class EmailTemplatesTests
{
    private static readonly EmailTemplate Template = new(
        "{{ name }}様、{{ last_product }}はいかがですか",
        "<p>{{ name }}様</p><p>{{ entry_product }}から始めて{{ last_product }}まで。</p>{% if points > 0 %}<p>{{ points }}pt</p>{% endif %}{% if coupon != '' %}<p>クーポン: {{ coupon }}</p>{% endif %}<a href=\"{{ unsubscribe_url }}\">配信停止</a>",
        "{{ name }}様\n{{ points }}pt\nクーポン: {{ coupon }}\n配信停止: {{ unsubscribe_url }}");

    [Fact]
    public void Personalisation_fields_fill_subject_html_and_text()
    {
        Assert.True(EmailTemplates.TryCompile(Template, out var compiled, out _));

        var email = compiled!.Render(new Personalisation { Name = "佐藤 花子", LastProduct = "美容液 4本セット", EntryProduct = "トライアルセット", Points = 1200, Coupon = "F2-500", UnsubscribeUrl = new Uri("https://kozuchi.example.jp/api/unsubscribe?token=t&x=1") });

        Assert.Equal("佐藤 花子様、美容液 4本セットはいかがですか", email.Subject);
        Assert.Contains("<p>トライアルセットから始めて美容液 4本セットまで。</p>", email.Html, StringComparison.Ordinal);
        Assert.Contains("<p>1200pt</p>", email.Html, StringComparison.Ordinal);
        Assert.Contains("クーポン: F2-500", email.Text, StringComparison.Ordinal);
        Assert.Contains("配信停止: https://kozuchi.example.jp/api/unsubscribe?token=t&x=1", email.Text, StringComparison.Ordinal);
        Assert.Contains("token=t&amp;x=1", email.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_escapes_customer_data_and_text_does_not()
    {
        Assert.True(EmailTemplates.TryCompile(Template, out var compiled, out _));

        var email = compiled!.Render(new Personalisation { Name = "<script>x</script>&Co" });

        Assert.Contains("&lt;script&gt;", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", email.Html, StringComparison.Ordinal);
        Assert.StartsWith("<script>x</script>&Co様", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("クーポン", email.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_does_not_parse_is_reported_not_thrown()
    {
        Assert.False(EmailTemplates.TryCompile(Template with { Html = "{% if name %}<p>" }, out var compiled, out var error));
        Assert.Null(compiled);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_missing_name_falls_back_to_a_polite_default()
    {
        Assert.True(EmailTemplates.TryCompile(Template, out var compiled, out _));
        Assert.StartsWith("お客様", compiled!.Render(new Personalisation()).Text, StringComparison.Ordinal);
    }
}

public sealed class EmailComposerTests
{
    [Fact]
    public void A_composed_email_carries_a_verifiable_unsubscribe_link_in_body_and_headers()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));
        var links = new UnsubscribeLinks(new UnsubscribeOptions { SigningKey = "compose-key-for-tests", BaseUrl = new Uri("https://kozuchi.example.jp") });
        Assert.True(EmailTemplates.TryCompile(new EmailTemplate("{{ name }}様へ", "<a href=\"{{ unsubscribe_url }}\">停止</a>", "停止: {{ unsubscribe_url }}"), out var template, out _));

        var message = new EmailComposer(links, time).Compose(template!, "c42", "hanako@example.jp", "佐藤 花子", new Personalisation { Name = "佐藤 花子" });

        var url = message.PlainText["停止: ".Length..];
        Assert.Equal($"<{url}>", message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        var token = Uri.UnescapeDataString(new Uri(url).Query["?token=".Length..]);
        Assert.Equal(UnsubscribeCheck.Valid, links.Verify(token, time.GetUtcNow(), out var parsed));
        Assert.Equal("c42", parsed!.CustomerId);
        Assert.Equal("佐藤 花子様へ", message.Subject);
    }
}

public sealed class CartTemplateTests
{
    private static readonly EmailTemplate Template = new(
        "{{ name }}様、カートに商品が残っています",
        "<ul>{% for item in cart_items %}<li>{{ item.name }} × {{ item.quantity }} {{ item.line_total }}円</li>{% endfor %}</ul><p>合計 {{ cart_total }}円</p><a href=\"{{ recovery_url }}\">カートに戻る</a>",
        "{% for item in cart_items %}{{ item.name }} ({{ item.sku }}) × {{ item.quantity }} @ {{ item.unit_price }}\n{% endfor %}合計 {{ cart_total }} {{ cart_currency }}\n{{ recovery_url }}");

    private static readonly Kozuchi.Core.Checkouts.Checkout Checkout = new()
    {
        Key = new("shopify", "tok-1"),
        CreatedAt = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.FromHours(9)),
        UpdatedAt = new DateTimeOffset(2026, 3, 1, 10, 5, 0, TimeSpan.FromHours(9)),
        Lines =
        [
            new Kozuchi.Core.Orders.OrderLine { Sku = "SERUM-30", ProductName = "美容液 30ml", Quantity = 2, UnitPrice = 3300m },
            new Kozuchi.Core.Orders.OrderLine { Sku = "MASK", ProductName = "シートマスク", Quantity = 1, UnitPrice = 1100m },
        ],
        Total = 7700m,
        RecoveryUrl = "https://shop.example.jp/cart/recover?token=tok-1&key=k",
    };

    [Fact]
    public void Cart_items_total_and_recovery_link_fill_a_recovery_template()
    {
        Assert.True(EmailTemplates.TryCompile(Template, out var compiled, out _));

        var email = compiled!.Render(new Personalisation { Name = "佐藤 花子", Cart = CartDetails.From(Checkout) });

        Assert.Contains("<li>美容液 30ml × 2 6600円</li><li>シートマスク × 1 1100円</li>", email.Html, StringComparison.Ordinal);
        Assert.Contains("<p>合計 7700円</p>", email.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://shop.example.jp/cart/recover?token=tok-1&amp;key=k\"", email.Html, StringComparison.Ordinal);
        Assert.Contains("美容液 30ml (SERUM-30) × 2 @ 3300\n", email.Text, StringComparison.Ordinal);
        Assert.Contains("合計 7700 JPY\nhttps://shop.example.jp/cart/recover?token=tok-1&key=k", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_without_a_cart_renders_an_empty_cart()
    {
        Assert.True(EmailTemplates.TryCompile(Template, out var compiled, out _));

        var email = compiled!.Render(new Personalisation());

        Assert.Contains("<ul></ul><p>合計 0円</p>", email.Html, StringComparison.Ordinal);
    }
}
