using Kozuchi.Channels.Email;

namespace Kozuchi.Channels.Tests.Email;

/// <summary>
/// A template is data an operator edits: it may not run for minutes or render megabytes (Fluid's step limit and the
/// size caps), and nothing it or a customer's data holds may add a line to a mail header.
/// </summary>
public sealed class TemplateLimitsTests
{
    private static RenderedEmail Render(string subject, string html = "", string text = "", Personalisation? values = null)
    {
        Assert.True(EmailTemplates.TryCompile(new EmailTemplate(subject, html, text), out var compiled, out var error), error);
        return compiled!.Render(values ?? new Personalisation { Name = "花子" });
    }

    [Fact]
    public void A_loop_of_millions_of_iterations_stops_at_the_step_limit()
    {
        var e = Assert.Throws<TemplateLimitException>(() => Render("s", text: "{% for i in (1..9000000) %}x{% endfor %}"));
        Assert.Contains("Liquid steps", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% assign s = 'abcdefgh' %}{% for i in (1..25) %}{% assign s = s | append: s %}{% endfor %}{{ s }}")]
    [InlineData("{% assign s = 'abcdefgh' %}{% for i in (1..25) %}{% assign s = s | prepend: s %}{% endfor %}{{ s }}")]
    [InlineData("{% assign s = 'abcdefgh' %}{% for i in (1..25) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s }}")]
    [InlineData("{% assign s = 'aaaaaaaaaaaaaaaa' %}{% for i in (1..25) %}{% assign s = s | replace: 'a', 'aa' %}{% endfor %}{{ s }}")]
    [InlineData("{% assign s = 'abcdefgh' %}{% for i in (1..14) %}{% assign parts = s | split: '' %}{% assign s = parts | join: s %}{% endfor %}{{ s }}")]
    [InlineData("{% for i in (1..30000) %}0123456789{% endfor %}")]
    public void A_text_doubled_past_the_size_cap_is_refused_before_it_fills_memory(string text)
    {
        var e = Assert.Throws<TemplateLimitException>(() => Render("s", text: text));
        Assert.Contains("characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cart_template_of_ordinary_size_renders_as_before()
    {
        var cart = new CartDetails([new CartItem("美容液", "S1", 1, 5980m), new CartItem("化粧水", null, 2, 2980m)], 11940m, "JPY", null);

        var rendered = Render("{{ name }}様、カートに商品が残っています", text: "{% for item in cart_items %}{{ item.name }} x{{ item.quantity }}\n{% endfor %}合計 {{ cart_total }}",
            values: new Personalisation { Name = "花子", Cart = cart });

        Assert.Equal("花子様、カートに商品が残っています", rendered.Subject);
        Assert.Equal("美容液 x1\n化粧水 x2\n合計 11940", rendered.Text);
    }

    [Fact]
    public void Subjects_never_carry_cr_lf_or_other_control_characters()
    {
        var rendered = Render("Hello {{ name }}\r\nBcc: victim@example.com\u0007!", values: new Personalisation { Name = "花子\r\nX-Injected: 1" });

        Assert.DoesNotContain(rendered.Subject, char.IsControl);
        Assert.Equal("Hello 花子  X-Injected: 1  Bcc: victim@example.com !", rendered.Subject);
    }

    [Fact]
    public void A_composed_message_carries_no_control_character_in_its_display_name_or_headers()
    {
        var links = new UnsubscribeLinks(new UnsubscribeOptions { SigningKey = "unsubscribe-key-for-tests", BaseUrl = new Uri("https://kozuchi.example.jp") });
        var composer = new EmailComposer(links, TimeProvider.System);
        Assert.True(EmailTemplates.TryCompile(new EmailTemplate("件名\n{{ name }}", "<p>{{ name }}</p>", "{{ name }}"), out var compiled, out _));

        var message = composer.Compose(compiled!, "c1", "hanako@example.jp", "佐藤\r\n花子", new Personalisation { Name = "花子" });

        Assert.Equal("佐藤  花子", message.ToName);
        Assert.DoesNotContain(message.Subject, char.IsControl);
        Assert.All(message.Headers.Values, v => Assert.DoesNotContain(v, char.IsControl));
    }
}
