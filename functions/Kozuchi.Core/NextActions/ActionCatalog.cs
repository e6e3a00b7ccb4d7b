using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.NextActions;

/// <summary>
/// An action 次の一手 can suggest: a preset (<c>scenarios/presets/{PresetId}.json</c>) aimed at a segment. The segment
/// is what the scenario builder is opened with; <see cref="WindowDays"/> is the preset's goal window, over which the
/// segment's past purchases are measured when the preset has not run in the shop yet.
/// </summary>
public sealed record ActionCandidate(
    string Id,
    string PresetId,
    LocalizedText Title,
    LocalizedText SegmentName,
    SegmentDefinition Segment,
    int WindowDays,
    IReadOnlyList<Channel> Channels);

/// <summary>The actions considered, one per situation a shop's customers can be in, each with the preset made for it.</summary>
public static class ActionCatalog
{
    public static IReadOnlyList<ActionCandidate> All { get; } =
    [
        new(
            "vip-churn",
            "vip-churn-prevention",
            new("離脱しかけている優良顧客を引き留める", "Keep high-value customers who are slipping away"),
            new("離脱リスクの高い優良顧客", "High-value customers at high churn risk"),
            Segment("vip-slipping", "離脱リスクの高い優良顧客", new AndRule { Rules = [new ClvTopRule { Percent = 20 }, new ChurnRiskRule { Bands = [ChurnRisk.High] }] }),
            45,
            [Channel.Line, Channel.Email, Channel.Phone]),
        new(
            "f2",
            "f2-conversion",
            new("初回購入者を 2 回目の購入へ", "Turn first-time buyers into second-time buyers"),
            new("初回購入から 21〜60 日の 1 回購入者", "One-order customers 21–60 days after their first order"),
            Segment("first-buyers-21-60", "初回購入から 21〜60 日の 1 回購入者", new AndRule { Rules = [new FrequencyRule { Min = 1, Max = 1 }, new DaysSinceFirstOrderRule { Min = 21, Max = 60 }] }),
            30,
            [Channel.Line, Channel.Email]),
        new(
            "dormant",
            "dormant-reactivation",
            new("休眠しはじめた顧客を呼び戻す", "Win back customers going dormant"),
            new("最終購入から 90〜179 日", "Last order 90–179 days ago"),
            Segment("dormant-90-179", "最終購入から 90〜179 日", new DaysSinceLastOrderRule { Min = 90, Max = 179 }),
            30,
            [Channel.Line, Channel.Email]),
        new(
            "dormant-call",
            "dormant-call-high-f",
            new("休眠した常連客に電話する", "Call regulars who have gone dormant"),
            new("5 回以上購入・最終購入から 180 日以上・架電可", "5+ orders, last order 180+ days ago, callable"),
            Segment("dormant-regulars-callable", "5 回以上購入・最終購入から 180 日以上・架電可", new AndRule { Rules = [new FrequencyRule { Min = 5 }, new DaysSinceLastOrderRule { Min = 180 }, new ReachableRule { Channel = Channel.Phone }] }),
            30,
            [Channel.Phone]),
        new(
            "subscription",
            "subscription-upgrade",
            new("単品リピーターを定期便へ", "Move repeat single-item buyers to a subscription"),
            new("2 回以上購入・定期便なし", "2+ orders, no subscription"),
            Segment("repeat-single-buyers", "2 回以上購入・定期便なし", new AndRule { Rules = [new FrequencyRule { Min = 2 }, new SubscriptionRule { Subscriber = false }] }),
            30,
            [Channel.Line, Channel.Email]),
    ];

    private static SegmentDefinition Segment(string id, string name, SegmentRule rule) => new() { Id = id, Name = name, Rule = rule };
}
