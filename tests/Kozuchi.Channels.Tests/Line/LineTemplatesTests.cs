using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;

namespace Kozuchi.Channels.Tests.Line;

public sealed class LineTemplatesTests
{
    private static IReadOnlyList<JsonElement> Messages(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];

    [Fact]
    public void Text_messages_are_personalised_and_the_coupon_gets_a_bubble_of_its_own()
    {
        Assert.True(LineTemplates.TryCompile(Messages("""[{"type":"text","text":"{{ customer }}、{{ last_product }}はいかがですか？"},{"type":"text","text":"{{ coupon }}"}]"""), out var template, out _));

        var (messages, problem) = template!.Render(new Personalisation { Name = "佐藤 花子", LastProduct = "こづち 薬用ローション 150mL", Coupon = "SECOND500" });

        Assert.Null(problem);
        Assert.Equal(["佐藤 花子 様、こづち 薬用ローション 150mLはいかがですか？", "SECOND500"], messages!.Cast<LineText>().Select(m => m.Value));
    }

    [Fact]
    public void A_text_that_renders_empty_is_left_out_and_nothing_at_all_is_a_problem()
    {
        Assert.True(LineTemplates.TryCompile(Messages("""[{"type":"text","text":"こんにちは"},{"type":"text","text":"{{ coupon }}"}]"""), out var template, out _));
        Assert.Single(template!.Render(new Personalisation()).Messages!);

        Assert.True(LineTemplates.TryCompile(Messages("""[{"type":"text","text":"{{ coupon }}"}]"""), out var empty, out _));
        Assert.Equal("line-text-length", empty!.Render(new Personalisation()).Problem);
    }

    [Fact]
    public void Flex_strings_are_liquid_too_and_stay_valid_json()
    {
        const string flex = """[{"type":"flex","altText":"{{ customer }}へのお知らせ","contents":{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"「{{ last_product }}」\"特価\""}]}}}]""";
        Assert.True(LineTemplates.TryCompile(Messages(flex), out var template, out _));

        var message = Assert.IsType<LineFlex>(Assert.Single(template!.Render(new Personalisation { Name = "髙橋 一郎", LastProduct = "青汁 30包" }).Messages!));

        Assert.Equal("髙橋 一郎 様へのお知らせ", message.AltText);
        Assert.Equal("「青汁 30包」\"特価\"", message.Contents.GetProperty("body").GetProperty("contents")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""[{"type":"image","originalContentUrl":"https://x"}]""")]
    [InlineData("""[{"type":"text","text":"{% if %}"}]""")]
    [InlineData("""[{"type":"flex","altText":"x","contents":{"type":"box"}}]""")]
    [InlineData("""[{"type":"text","text":"1"},{"type":"text","text":"2"},{"type":"text","text":"3"},{"type":"text","text":"4"},{"type":"text","text":"5"},{"type":"text","text":"6"}]""")]
    public void Messages_a_campaign_cannot_send_are_refused_when_compiled(string json)
    {
        Assert.False(LineTemplates.TryCompile(Messages(json), out var template, out var error));
        Assert.Null(template);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_rendered_text_over_lines_limit_is_a_problem_not_an_exception()
    {
        Assert.True(LineTemplates.TryCompile(Messages("""[{"type":"text","text":"{% for i in (1..6000) %}あ{% endfor %}"}]"""), out var template, out _));
        Assert.Equal("line-text-length", template!.Render(new Personalisation()).Problem);
    }

    [Fact]
    public void Rendered_messages_go_through_json_and_back_unchanged()
    {
        IReadOnlyList<LineMessage> messages = [LineMessage.Text("佐藤 花子 様"), LineMessage.Flex("お知らせ", JsonDocument.Parse("""{"type":"bubble"}""").RootElement)];

        var back = LineMessageJson.Read(LineMessageJson.Write(messages));

        Assert.Equal(LineMessageJson.Write(messages), LineMessageJson.Write(back));
    }
}
