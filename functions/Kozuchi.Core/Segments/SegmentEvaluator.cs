using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;

namespace Kozuchi.Core.Segments;

/// <summary>
/// When a segment is evaluated: the instant, the shop's calendar (days are counted in its zone), its RFM grid and its
/// base currency (what a monetary rule without a currency compares in).
/// </summary>
public sealed record SegmentContext(DateTimeOffset Now, ShopTime Shop, RfmSettings Rfm)
{
    public SegmentContext(DateTimeOffset now, ShopTime shop)
        : this(now, shop, RfmSettings.Default)
    {
    }

    public DateOnly Today { get; } = Shop.Today(Now);

    public string Currency { get; init; } = Currencies.Default;
}

/// <summary>
/// Evaluates rules over customer profiles. Only active customers (not merged, not erased) are ever members.
/// <see cref="Compile"/> turns a rule into a predicate once, so bulk evaluation does no per-customer dispatch on
/// the rule tree's JSON shape and computes "today" once.
/// </summary>
public static class SegmentEvaluator
{
    public static bool Matches(SegmentRule rule, CustomerProfile profile, SegmentContext context) => Compile(rule, context)(profile);

    /// <summary>The ids of the profiles in the segment, in input order.</summary>
    public static IEnumerable<string> Members(SegmentRule rule, IEnumerable<CustomerProfile> profiles, SegmentContext context)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var predicate = Compile(rule, context);
        foreach (var p in profiles)
        {
            if (predicate(p))
            {
                yield return p.CustomerId;
            }
        }
    }

    public static Func<CustomerProfile, bool> Compile(SegmentRule rule, SegmentContext context)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(context);
        var inner = Build(rule, context);
        return p => p.State == CustomerState.Active && inner(p);
    }

    private static Func<CustomerProfile, bool> Build(SegmentRule rule, SegmentContext c) => rule switch
    {
        AndRule and => All([.. and.Rules.Select(r => Build(r, c))]),
        OrRule or => Any([.. or.Rules.Select(r => Build(r, c))]),
        NotRule not => Negate(Build(not.Rule, c)),
        RfmRule rfm => Rfm(rfm, c),
        FrequencyRule f => p => InRange(p.Frequency, f.Min, f.Max),
        MonetaryRule m => Monetary(m, c),
        DaysSinceLastOrderRule d => p => p.LastOrderAt is { } last && InRange(Days(last, c), d.Min, d.Max),
        DaysSinceFirstOrderRule d => p => p.FirstOrderAt is { } first && InRange(Days(first, c), d.Min, d.Max),
        EntryProductRule e => EntryProduct(e),
        BoughtRule b => Bought(b),
        SubscriptionRule s => p => p.IsSubscriber == s.Subscriber,
        ReachableRule r => p => p.Reachability.CanReach(r.Channel),
        ConsentRule r => p => p.Reachability.HasConsent(r.Channel),
        PredictedRule pr => Predicted(pr),
        ChurnRiskRule risk => InBands(risk),
        ClvTopRule top => p => p.Prediction?.ClvTopPercent is { } rank && rank < top.Percent,
        TagRule tag => Tagged(tag),
        _ => throw new NotSupportedException($"Segment rule {rule.GetType().Name} has no evaluator."),
    };

    private static Func<CustomerProfile, bool> Monetary(MonetaryRule rule, SegmentContext c)
    {
        var currency = Currencies.Normalize(rule.Currency) ?? c.Currency;
        return p => p.MonetaryIn(currency) is { } m && InRange(m, rule.Min, rule.Max);
    }

    private static Func<CustomerProfile, bool> All(Func<CustomerProfile, bool>[] parts) => p =>
    {
        foreach (var part in parts)
        {
            if (!part(p))
            {
                return false;
            }
        }

        return true;
    };

    private static Func<CustomerProfile, bool> Any(Func<CustomerProfile, bool>[] parts) => p =>
    {
        foreach (var part in parts)
        {
            if (part(p))
            {
                return true;
            }
        }

        return false;
    };

    private static Func<CustomerProfile, bool> Negate(Func<CustomerProfile, bool> inner) => p => !inner(p);

    private static Func<CustomerProfile, bool> Rfm(RfmRule rule, SegmentContext c)
    {
        var r = rule.R is { } rs ? new HashSet<int>(rs) : null;
        var f = rule.F is { } fs ? new HashSet<int>(fs) : null;
        var cells = rule.Cells is { } cs ? new HashSet<string>(cs, StringComparer.Ordinal) : null;
        return p => RfmGrid.Score(p, c.Today, c.Shop.Zone, c.Rfm) is { } cell
            && (r is null || r.Contains(cell.R))
            && (f is null || f.Contains(cell.F))
            && (cells is null || cells.Contains(cell.Name.Code));
    }

    private static Func<CustomerProfile, bool> EntryProduct(EntryProductRule rule)
    {
        var wanted = new HashSet<string>(rule.Products, StringComparer.Ordinal);
        return p => p.EntryProducts.Any(wanted.Contains);
    }

    private static Func<CustomerProfile, bool> Bought(BoughtRule rule)
    {
        var wanted = rule.Products.Distinct(StringComparer.Ordinal).ToArray();
        return rule.Match == ProductMatch.All
            ? p => Array.TrueForAll(wanted, p.BoughtProducts.Contains)
            : p => Array.Exists(wanted, p.BoughtProducts.Contains);
    }

    private static Func<CustomerProfile, bool> Tagged(TagRule rule)
    {
        var wanted = rule.Tags.Select(CustomerTags.Normalize).Distinct(StringComparer.Ordinal).ToArray();
        return rule.Match == ProductMatch.All
            ? p => Array.TrueForAll(wanted, p.Tags.Contains)
            : p => Array.Exists(wanted, p.Tags.Contains);
    }

    private static Func<CustomerProfile, bool> Predicted(PredictedRule rule) => rule.Measure switch
    {
        PredictedMeasure.ProbabilityAlive => p => p.Prediction is { } v && InRange(v.ProbabilityAlive, rule.Min, rule.Max),
        PredictedMeasure.ExpectedOrders90Days => p => p.Prediction is { } v && InRange(v.ExpectedOrders90Days, rule.Min, rule.Max),
        PredictedMeasure.ExpectedOrders365Days => p => p.Prediction is { } v && InRange(v.ExpectedOrders365Days, rule.Min, rule.Max),
        PredictedMeasure.ExpectedValue => p => p.Prediction?.Clv12Months is { } v && InRange((double)v, rule.Min, rule.Max),
        _ => _ => false,
    };

    private static Func<CustomerProfile, bool> InBands(ChurnRiskRule rule)
    {
        var bands = rule.Bands.Distinct().ToArray();
        return p => p.Prediction?.ChurnRisk is { } band && Array.IndexOf(bands, band) >= 0;
    }

    private static int Days(DateTimeOffset instant, SegmentContext c) => c.Today.DayNumber - c.Shop.Today(instant).DayNumber;

    private static bool InRange<T>(T value, T? min, T? max)
        where T : struct, IComparable<T> =>
        (min is not { } lo || value.CompareTo(lo) >= 0) && (max is not { } hi || value.CompareTo(hi) <= 0);
}
