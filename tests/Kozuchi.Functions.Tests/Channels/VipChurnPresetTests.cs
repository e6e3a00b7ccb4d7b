using Kozuchi.Channels.Email;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Tests.Deploy;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>The 優良顧客の離脱防止 preset as shipped: it validates against the built-in templates and its segment, and its templates render.</summary>
public sealed class VipChurnPresetTests
{
    private static readonly Personalisation Sample = new()
    {
        Name = "佐藤 花子",
        LastProduct = "薬用美容液 30mL",
        EntryProduct = "トライアルセット",
        Coupon = "THANKS-1000",
        UnsubscribeUrl = new Uri("https://shop.example.jp/api/unsubscribe?token=t"),
    };

    private static ScenarioDefinition Preset()
    {
        var segment = SegmentJson.Parse(File.ReadAllText(RepositoryTools.PathOf("scenarios", "segments", "vip-slipping.json")));
        Assert.Empty(segment.Errors);
        var (definition, errors) = ScenarioJson.Parse(
            File.ReadAllText(RepositoryTools.PathOf("scenarios", "presets", "vip-churn-prevention.json")),
            new ScenarioValidationOptions
            {
                Templates = DefaultTemplates.All.Select(t => t.Id).ToHashSet(StringComparer.Ordinal),
                Segments = new HashSet<string>([segment.Definition!.Id], StringComparer.Ordinal),
            });
        Assert.True(definition is not null, string.Join("; ", errors));
        return definition!;
    }

    [Fact]
    public void Its_templates_are_files_in_the_template_folder_under_their_ids()
    {
        foreach (var id in TemplatesNamed(Preset()))
        {
            Assert.True(File.Exists(RepositoryTools.PathOf("scenarios", "templates", id + ".json")), id);
        }
    }

    private static IEnumerable<string> TemplatesNamed(ScenarioDefinition preset) => preset.Steps.OfType<SendStep>().Select(s => s.Template).Distinct(StringComparer.Ordinal);

    private static string Render(string liquid, Personalisation values)
    {
        Assert.True(EmailTemplates.TryCompile(new EmailTemplate("", "", liquid), out var compiled, out var error), error);
        return compiled!.Render(values).Text.Trim();
    }

    [Fact]
    public void The_preset_validates_against_the_built_in_templates_and_enrolls_on_entering_the_vip_slipping_segment()
    {
        var preset = Preset();

        var trigger = Assert.IsType<SegmentEntryTrigger>(preset.Trigger);
        Assert.Equal("vip-slipping", trigger.SegmentId);
        Assert.Equal("優良顧客の離脱防止（予測CLV上位20%・離脱リスク高）", preset.Name);
        Assert.Equal(["vip-retention-line", "vip-retention-call"], TemplatesNamed(preset));
        var sends = preset.Steps.OfType<SendStep>().ToList();
        Assert.Equal([Kozuchi.Core.Common.Channel.Line, Kozuchi.Core.Common.Channel.Email], sends[0].Channels);
        Assert.Equal([Kozuchi.Core.Common.Channel.Phone], sends[1].Channels);
        Assert.Equal(10, preset.Steps.OfType<SplitStep>().Single().Holdout!.Weight);
    }

    [Fact]
    public void Its_line_and_email_template_renders_in_japanese_with_the_name_product_coupon_and_unsubscribe_link()
    {
        var template = DefaultTemplates.Find("vip-retention-line")!;

        var line = Render(template.Line!, Sample);
        Assert.StartsWith("佐藤 花子様、いつもご愛顧いただきありがとうございます。", line, StringComparison.Ordinal);
        Assert.Contains("「薬用美容液 30mL」のその後はいかがか", line, StringComparison.Ordinal);
        Assert.Contains("クーポンコード: THANKS-1000", line, StringComparison.Ordinal);

        Assert.True(EmailTemplates.TryCompile(new EmailTemplate(template.Email!.Subject, template.Email.Html, template.Email.Text), out var email, out _));
        var rendered = email!.Render(Sample);
        Assert.Equal("佐藤 花子様へ、日頃のご愛顧への感謝を込めて", rendered.Subject);
        Assert.Contains("<strong>THANKS-1000</strong>", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://shop.example.jp/api/unsubscribe?token=t\"", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("配信停止: https://shop.example.jp/api/unsubscribe?token=t", rendered.Text, StringComparison.Ordinal);

        // Without a coupon or a product the sentences still read: no empty quotes, no dangling label.
        var plain = Render(template.Line!, new Personalisation { Name = "田中 一郎" });
        Assert.DoesNotContain("「」", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("クーポンコード", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Its_call_script_renders_for_the_operator_and_records_a_wish_not_to_be_called()
    {
        var script = Render(DefaultTemplates.Find("vip-retention-call")!.Call!.Script, Sample);

        Assert.StartsWith("【優良顧客フォロー】佐藤 花子様", script, StringComparison.Ordinal);
        Assert.Contains("『薬用美容液 30mL』", script, StringComparison.Ordinal);
        Assert.Contains("架電停止", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_english_variants_render_in_english()
    {
        var english = Sample with { Name = "Hanako Sato", LastProduct = "Serum 30 mL" };
        var line = DefaultTemplates.Find("vip-retention-line")!.En!;
        Assert.True(EmailTemplates.TryCompile(new EmailTemplate(line.Email!.Subject, line.Email.Html, line.Email.Text), out var email, out _));
        string[] texts = [Render(line.Line!, english), email!.Render(english).Text, Render(DefaultTemplates.Find("vip-retention-call")!.En!.Call!.Script, english)];

        foreach (var text in texts)
        {
            Assert.Contains("Hanako Sato", text, StringComparison.Ordinal);
            Assert.Contains("Serum 30 mL", text, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]", text);
        }
    }
}
