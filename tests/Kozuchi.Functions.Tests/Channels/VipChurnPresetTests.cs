using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Tests.Deploy;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>
/// The 優良顧客の離脱防止 preset as shipped: it validates against the built-in templates and its segment, and its
/// templates say what the preset promises (every preset's templates also render in <see cref="PresetTemplateTests"/>).
/// </summary>
public sealed class VipChurnPresetTests
{
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
    public void The_preset_validates_against_the_built_in_templates_and_enrolls_on_entering_the_vip_slipping_segment()
    {
        var preset = Preset();

        var trigger = Assert.IsType<SegmentEntryTrigger>(preset.Trigger);
        Assert.Equal("vip-slipping", trigger.SegmentId);
        Assert.Equal("優良顧客の離脱防止（予測CLV上位20%・離脱リスク高）", preset.Name);
        var sends = preset.Steps.OfType<SendStep>().ToList();
        Assert.Equal(["vip-retention-line", "vip-retention-call"], sends.Select(s => s.Template));
        Assert.Equal([Channel.Line, Channel.Email], sends[0].Channels);
        Assert.Equal([Channel.Phone], sends[1].Channels);
        Assert.Equal(10, preset.Steps.OfType<SplitStep>().Single().Holdout!.Weight);
        foreach (var send in sends)
        {
            Assert.True(File.Exists(RepositoryTools.PathOf("scenarios", "templates", send.Template + ".json")), send.Template);
            Assert.Superset(send.Channels.ToHashSet(), DefaultTemplates.Find(send.Template)!.Japanese.Channels().ToHashSet());
        }
    }

    [Fact]
    public void The_thank_you_names_the_customer_and_the_product_and_gives_the_coupon_its_own_line_bubble()
    {
        var template = DefaultTemplates.Find("vip-retention-line")!;

        var line = PresetTemplateTests.Render(template, Channel.Line, "ja");
        Assert.Contains("佐藤 花子 様、いつもこづちストアをご愛顧いただきありがとうございます。", line, StringComparison.Ordinal);
        Assert.Contains("こづち 薬用ローション 150mLのその後はいかがかと", line, StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"text\",\"text\":\"THANKYOUVIP\"}", line, StringComparison.Ordinal);

        var email = PresetTemplateTests.Render(template, Channel.Email, "ja");
        Assert.Contains("佐藤 花子 様へ、日頃のご愛顧への感謝を込めて", email, StringComparison.Ordinal);
        Assert.Contains("THANKYOUVIP", email, StringComparison.Ordinal);
    }

    [Fact]
    public void The_call_script_asks_how_the_customer_is_and_records_a_wish_not_to_be_called()
    {
        var script = PresetTemplateTests.Render(DefaultTemplates.Find("vip-retention-call")!, Channel.Phone, "ja");

        Assert.Contains("佐藤 花子 様のお電話でお間違いないでしょうか", script, StringComparison.Ordinal);
        Assert.Contains("こづち 薬用ローション 150mLのその後のご様子", script, StringComparison.Ordinal);
        Assert.Contains("架電拒否", script, StringComparison.Ordinal);
        Assert.Contains("do not call", PresetTemplateTests.Render(DefaultTemplates.Find("vip-retention-call")!, Channel.Phone, "en"), StringComparison.Ordinal);
    }
}
