using Kozuchi.Core.Common;

namespace Kozuchi.Core.Segments;

/// <summary>A field of a rule type as a builder shows it: its JSON name, its kind and its label.</summary>
public sealed record RuleField(string Name, string Kind, LocalizedText Label, IReadOnlyList<RuleChoice>? Choices = null);

/// <summary>One value a field may take (a channel, a measure, a band).</summary>
public sealed record RuleChoice(string Code, LocalizedText Label);

/// <summary>A rule type of the language (<see cref="SegmentRule"/>) with its label, what it means and its fields; <see cref="Predictive"/> types read the day's predictions.</summary>
public sealed record RuleType(string Type, LocalizedText Label, LocalizedText Meaning, IReadOnlyList<RuleField> Fields, bool Predictive);

/// <summary>
/// The rule language described for a segment builder: every rule type, its fields and their choices, in Japanese and
/// English. A test keeps it in step with <see cref="SegmentRule.TypeNames"/>.
/// </summary>
public static class SegmentCatalog
{
    private static RuleField Min(string unit, string english) => new("min", "number", new($"下限（{unit}）", $"at least ({english})"));

    private static RuleField Max(string unit, string english) => new("max", "number", new($"上限（{unit}）", $"at most ({english})"));

    // The predicted measures differ in unit (P(alive) a probability, orders, money): the builder adds the chosen measure's.
    private static readonly RuleField MinOfMeasure = new("min", "number", new("下限", "at least"));

    private static readonly RuleField MaxOfMeasure = new("max", "number", new("上限", "at most"));

    private static readonly RuleChoice[] Channels =
    [
        new("email", new("メール", "E-mail")),
        new("line", new("LINE", "LINE")),
        new("postal", new("郵送 DM", "Postal DM")),
        new("phone", new("電話", "Phone")),
    ];

    public static IReadOnlyList<RuleChoice> ChurnRiskBands { get; } =
    [
        new("low", new("低", "Low")),
        new("medium", new("中", "Medium")),
        new("high", new("高", "High")),
    ];

    public static IReadOnlyList<RuleChoice> PredictedMeasures { get; } =
    [
        new("probabilityAlive", new("購入継続確率 P(alive)", "Probability alive P(alive)")),
        new("expectedOrders90Days", new("90 日の予測購入回数", "Expected orders in 90 days")),
        new("expectedOrders365Days", new("365 日の予測購入回数", "Expected orders in 365 days")),
        new("expectedValue", new("予測 CLV（12 か月）", "Predicted 12-month CLV")),
    ];

    public static IReadOnlyList<RuleType> Types { get; } =
    [
        new("and", new("すべてを満たす", "All of"), new("中のルールをすべて満たす", "every rule inside holds"), [new("rules", "rules", new("ルール", "Rules"))], false),
        new("or", new("いずれかを満たす", "Any of"), new("中のルールのどれかを満たす", "at least one rule inside holds"), [new("rules", "rules", new("ルール", "Rules"))], false),
        new("not", new("満たさない", "Not"), new("中のルールを満たさない（値のない顧客を含む）", "the rule inside does not hold (customers without the value included)"), [new("rule", "rule", new("ルール", "Rule"))], false),
        new("rfm", new("RFM セル", "RFM cell"), new("RFM グリッドの R・F スコアまたはセル名", "the R and F scores or the named cell on the RFM grid"),
            [new("r", "scores", new("R スコア（1〜5）", "R scores (1–5)")), new("f", "scores", new("F スコア（1〜5）", "F scores (1–5)")), new("cells", "cells", new("セル", "Cells"))], false),
        new("frequency", new("購入回数", "Orders"), new("キャンセルを除く注文回数", "orders not cancelled"), [Min("回", "orders"), Max("回", "orders")], false),
        new("monetary", new("累計購入額", "Revenue"), new("返金差引後の累計購入額", "revenue net of refunds"), [Min("円", "amount"), Max("円", "amount")], false),
        new("daysSinceLastOrder", new("最終購入からの日数", "Days since last order"), new("最終購入日から今日までの日数（店舗の暦）", "whole shop days since the last order"), [Min("日", "days"), Max("日", "days")], false),
        new("daysSinceFirstOrder", new("初回購入からの日数", "Days since first order"), new("初回購入日から今日までの日数（店舗の暦）", "whole shop days since the first order"), [Min("日", "days"), Max("日", "days")], false),
        new("entryProduct", new("入口商品", "Entry product"), new("初回注文に含まれた商品", "the first order contained the product"), [new("products", "products", new("商品", "Products"))], false),
        new("bought", new("購入商品", "Bought"), new("これまでに購入した商品（いずれか・すべて）", "ever bought any or all of the products"),
            [new("products", "products", new("商品", "Products")), new("match", "choice", new("一致", "Match"), [new("any", new("いずれか", "Any")), new("all", new("すべて", "All"))])], false),
        new("subscription", new("定期便", "Subscription"), new("定期便の有無", "has (or has not) a live subscription"), [new("subscriber", "boolean", new("定期便あり", "Subscriber"))], false),
        new("reachable", new("連絡可能", "Reachable"), new("連絡先と同意の両方がある（配信で使う条件）", "an address and the consent (what a send needs)"), [new("channel", "choice", new("チャネル", "Channel"), Channels)], false),
        new("consent", new("同意", "Consent"), new("同意のみ（メール許諾・LINE 友だち・架電可）", "the consent alone"), [new("channel", "choice", new("チャネル", "Channel"), Channels)], false),
        new("predicted", new("予測値", "Predicted value"), new("BG/NBD・Gamma-Gamma の予測値が範囲内（予測のない顧客は当てはまらない。1 回だけ購入した顧客の P(alive) はモデル上つねに 100%）", "the model output is in range (customers without a prediction never match; a one-order customer's P(alive) is always 100 % in the model)"),
            [new("measure", "choice", new("指標", "Measure"), PredictedMeasures), MinOfMeasure, MaxOfMeasure], true),
        new("churnRisk", new("離脱リスク", "Churn risk"), new("P(alive) をしきい値で区切った帯（2 回以上購入した顧客のみ）", "P(alive) cut at the shop's thresholds (customers with a repeat purchase only)"),
            [new("bands", "choices", new("帯", "Bands"), ChurnRiskBands)], true),
        new("clvTop", new("予測 CLV 上位", "Top predicted CLV"), new("予測 CLV（12 か月）の上位 N%", "the top N % by predicted 12-month CLV"), [new("percent", "number", new("上位（%）", "Top (%)"))], true),
        new("tag", new("タグ", "Tag"), new("オペレーターが顧客に付けたタグ（いずれか・すべて）", "the operator tagged the customer with any or all of the tags"),
            [new("tags", "tags", new("タグ", "Tags")), new("match", "choice", new("一致", "Match"), [new("any", new("いずれか", "Any")), new("all", new("すべて", "All"))])], false),
    ];
}
