using Kozuchi.Channels.Email;

namespace Kozuchi.Channels.Tests.Email;

public sealed class EmailLayoutTests
{
    private static readonly Uri Unsubscribe = new("https://kozuchi.example.jp/api/unsubscribe?token=t&x=1");

    private static RenderedEmail Render(EmailTemplate template, Personalisation values)
    {
        Assert.True(EmailTemplates.TryCompile(template, out var compiled, out var error), error);
        return EmailLayout.Apply(compiled!.Render(values), values);
    }

    [Fact]
    public void A_fragment_goes_out_as_a_document_with_the_hidden_preheader_the_shop_and_one_unsubscribe_link()
    {
        var email = Render(new EmailTemplate("{{ customer }}、ありがとうございます", "<p>{{ customer }}</p><p>{{ shop_name }}です。</p>", "{{ customer }}\n{{ shop_name }}です。") { Preheader = "{{ last_product }}のご案内" },
            new Personalisation { Name = "佐藤 花子", LastProduct = "青汁 30包", ShopName = "こづちストア", UnsubscribeUrl = Unsubscribe });

        Assert.StartsWith("<!DOCTYPE html>", email.Html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"ja\">", email.Html, StringComparison.Ordinal);
        Assert.Contains("display:none", email.Html, StringComparison.Ordinal);
        Assert.Contains(">青汁 30包のご案内</div>", email.Html, StringComparison.Ordinal);
        Assert.Equal("青汁 30包のご案内", email.Preheader);
        Assert.Contains("<p>佐藤 花子 様</p><p>こづちストアです。</p>", email.Html, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(email.Html, "token=t&amp;x=1"));
        Assert.EndsWith("こづちストア\n配信停止: https://kozuchi.example.jp/api/unsubscribe?token=t&x=1\n", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_with_its_own_unsubscribe_link_gets_no_second_one_and_a_whole_document_is_left_alone()
    {
        var own = Render(new EmailTemplate("s", "<a href=\"{{ unsubscribe_url }}\">停止</a>", "停止: {{ unsubscribe_url }}"), new Personalisation { UnsubscribeUrl = Unsubscribe });
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(own.Html, "token=t&amp;x=1"));
        Assert.Equal("停止: https://kozuchi.example.jp/api/unsubscribe?token=t&x=1", own.Text);

        var document = Render(new EmailTemplate("s", "<html><body>{{ customer }}</body></html>", "x"), new Personalisation { Name = "田中 一郎", UnsubscribeUrl = Unsubscribe });
        Assert.Equal("<html><body>田中 一郎 様</body></html>", document.Html);
    }

    [Fact]
    public void Without_a_name_or_a_shop_the_words_still_read_well_in_japanese_and_english()
    {
        var template = new EmailTemplate("{{ customer }}へ", "<p>{{ shop_name }}の{{ last_product }}</p>", "{{ customer }}");

        var ja = Render(template, new Personalisation());
        var en = Render(template, new Personalisation { Language = "en" });

        Assert.Equal("お客様へ", ja.Subject);
        Assert.Contains("当店の前回お買い上げの商品", ja.Html, StringComparison.Ordinal);
        Assert.Equal("customerへ", en.Subject);
        Assert.Contains("our shop", en.Html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", en.Html, StringComparison.Ordinal);
    }
}
