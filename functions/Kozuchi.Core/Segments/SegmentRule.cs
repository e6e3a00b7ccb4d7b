using System.Text.Json.Serialization;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;

namespace Kozuchi.Core.Segments;

/// <summary>
/// A condition on one customer, written as JSON with a <c>type</c> discriminator. Ranges are inclusive and either
/// bound may be left out. A customer without the measured value (no order yet, no model fit) never matches a
/// range, so <c>not</c> of a range does match them. docs/SCENARIOS.md lists every type with examples.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AndRule), "and")]
[JsonDerivedType(typeof(OrRule), "or")]
[JsonDerivedType(typeof(NotRule), "not")]
[JsonDerivedType(typeof(RfmRule), "rfm")]
[JsonDerivedType(typeof(FrequencyRule), "frequency")]
[JsonDerivedType(typeof(MonetaryRule), "monetary")]
[JsonDerivedType(typeof(DaysSinceLastOrderRule), "daysSinceLastOrder")]
[JsonDerivedType(typeof(DaysSinceFirstOrderRule), "daysSinceFirstOrder")]
[JsonDerivedType(typeof(EntryProductRule), "entryProduct")]
[JsonDerivedType(typeof(BoughtRule), "bought")]
[JsonDerivedType(typeof(SubscriptionRule), "subscription")]
[JsonDerivedType(typeof(ReachableRule), "reachable")]
[JsonDerivedType(typeof(ConsentRule), "consent")]
[JsonDerivedType(typeof(PredictedRule), "predicted")]
[JsonDerivedType(typeof(ChurnRiskRule), "churnRisk")]
[JsonDerivedType(typeof(ClvTopRule), "clvTop")]
[JsonDerivedType(typeof(TagRule), "tag")]
public abstract record SegmentRule
{
    /// <summary>The discriminators, for validators that read JSON before it is bound.</summary>
    public static IReadOnlySet<string> TypeNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "and", "or", "not", "rfm", "frequency", "monetary", "daysSinceLastOrder", "daysSinceFirstOrder",
        "entryProduct", "bought", "subscription", "reachable", "consent", "predicted", "churnRisk", "clvTop", "tag",
    };
}

/// <summary>Every rule holds (an empty list is rejected by validation).</summary>
public sealed record AndRule : SegmentRule
{
    public required IReadOnlyList<SegmentRule> Rules { get; init; }
}

/// <summary>At least one rule holds.</summary>
public sealed record OrRule : SegmentRule
{
    public required IReadOnlyList<SegmentRule> Rules { get; init; }
}

public sealed record NotRule : SegmentRule
{
    public required SegmentRule Rule { get; init; }
}

/// <summary>
/// The customer's RFM cell (scores 1–5 of the shop's grid) is among the listed R and F scores, and, when
/// <see cref="Cells"/> is given, its named cell is one of those codes (e.g. <c>loyal</c>, <c>dormant_repeat</c>).
/// </summary>
public sealed record RfmRule : SegmentRule
{
    public IReadOnlyList<int>? R { get; init; }
    public IReadOnlyList<int>? F { get; init; }
    public IReadOnlyList<string>? Cells { get; init; }
}

/// <summary>F: orders not cancelled.</summary>
public sealed record FrequencyRule : SegmentRule
{
    public int? Min { get; init; }
    public int? Max { get; init; }
}

/// <summary>
/// M: revenue net of refunds in <see cref="Currency"/> (the shop's base currency when not given). A customer without
/// an order in that currency is not matched: an amount in another currency is never compared with it.
/// </summary>
public sealed record MonetaryRule : SegmentRule
{
    public decimal? Min { get; init; }
    public decimal? Max { get; init; }
    public string? Currency { get; init; }
}

/// <summary>Whole days in the shop's time zone between the last order's day and today.</summary>
public sealed record DaysSinceLastOrderRule : SegmentRule
{
    public int? Min { get; init; }
    public int? Max { get; init; }
}

public sealed record DaysSinceFirstOrderRule : SegmentRule
{
    public int? Min { get; init; }
    public int? Max { get; init; }
}

/// <summary>The first order (入口商品) contained any of the product keys (SKU, else product name).</summary>
public sealed record EntryProductRule : SegmentRule
{
    public required IReadOnlyList<string> Products { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ProductMatch>))]
public enum ProductMatch
{
    [JsonStringEnumMemberName("any")]
    Any,

    [JsonStringEnumMemberName("all")]
    All,
}

/// <summary>The customer ever bought any (or all) of the product keys in an order not cancelled.</summary>
public sealed record BoughtRule : SegmentRule
{
    public required IReadOnlyList<string> Products { get; init; }
    public ProductMatch Match { get; init; } = ProductMatch.Any;
}

/// <summary>Has (or, with <c>subscriber: false</c>, has not) a live subscription (定期).</summary>
public sealed record SubscriptionRule : SegmentRule
{
    public bool Subscriber { get; init; } = true;
}

/// <summary>An address for the channel and the consent it needs (what a send would use).</summary>
public sealed record ReachableRule : SegmentRule
{
    public required Channel Channel { get; init; }
}

/// <summary>The consent alone: opted in to email, LINE friend, not on the do-not-call list.</summary>
public sealed record ConsentRule : SegmentRule
{
    public required Channel Channel { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<PredictedMeasure>))]
public enum PredictedMeasure
{
    /// <summary>BG/NBD probability the customer is still active, 0–1.</summary>
    [JsonStringEnumMemberName("probabilityAlive")]
    ProbabilityAlive,

    /// <summary>Expected orders in the next 90 days.</summary>
    [JsonStringEnumMemberName("expectedOrders90Days")]
    ExpectedOrders90Days,

    /// <summary>Expected orders in the next 365 days.</summary>
    [JsonStringEnumMemberName("expectedOrders365Days")]
    ExpectedOrders365Days,

    /// <summary>Predicted 12-month CLV (BG/NBD expected orders in 365 days × Gamma-Gamma value), in the shop's base currency.</summary>
    [JsonStringEnumMemberName("expectedValue")]
    ExpectedValue,
}

/// <summary>A model output within a range; customers without a fit do not match.</summary>
public sealed record PredictedRule : SegmentRule
{
    public required PredictedMeasure Measure { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
}

/// <summary>
/// The customer's churn-risk band (P(alive) cut at the shop's thresholds) is one of <see cref="Bands"/>. Customers
/// without a band — no fit yet, or no repeat purchase, which BG/NBD cannot judge — never match.
/// </summary>
public sealed record ChurnRiskRule : SegmentRule
{
    public required IReadOnlyList<ChurnRisk> Bands { get; init; }
}

/// <summary>
/// The customer is in the top <see cref="Percent"/> % of predicted 12-month CLV: fewer than that share of customers have
/// a strictly higher one (ties are all in or all out). Customers without a CLV never match.
/// </summary>
public sealed record ClvTopRule : SegmentRule
{
    public required double Percent { get; init; }
}

/// <summary>The operator tagged the customer with any (or all) of <see cref="Tags"/> (compared in NFKC form, see <c>CustomerTags</c>).</summary>
public sealed record TagRule : SegmentRule
{
    public required IReadOnlyList<string> Tags { get; init; }
    public ProductMatch Match { get; init; } = ProductMatch.Any;
}

/// <summary>A named segment as stored and exchanged; <see cref="SchemaVersion"/> versions the JSON shape.</summary>
public sealed record SegmentDefinition
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Id { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public required SegmentRule Rule { get; init; }
}

public static class SegmentRules
{
    /// <summary>
    /// Whether the rule reads a model output (<c>predicted</c>, <c>churnRisk</c>, <c>clvTop</c>): whoever evaluates it
    /// must first attach the day's predictions to the profiles, since profiles do not carry them.
    /// </summary>
    public static bool ReadsPredictions(this SegmentRule rule) => rule switch
    {
        AndRule and => and.Rules.Any(ReadsPredictions),
        OrRule or => or.Rules.Any(ReadsPredictions),
        NotRule not => not.Rule.ReadsPredictions(),
        PredictedRule or ChurnRiskRule or ClvTopRule => true,
        _ => false,
    };

    /// <summary>Whether the rule reads the operator's tags: whoever evaluates it must first attach them to the profiles.</summary>
    public static bool ReadsTags(this SegmentRule rule) => rule switch
    {
        AndRule and => and.Rules.Any(ReadsTags),
        OrRule or => or.Rules.Any(ReadsTags),
        NotRule not => not.Rule.ReadsTags(),
        TagRule => true,
        _ => false,
    };
}
