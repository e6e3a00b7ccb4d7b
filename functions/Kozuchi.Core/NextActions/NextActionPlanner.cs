using System.Globalization;
using System.Text.Json.Serialization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios.Stats;
using Kozuchi.Core.Segments;
using MathNet.Numerics.Distributions;

namespace Kozuchi.Core.NextActions;

/// <summary>What an action's expected revenue rests on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BasisKind>))]
public enum BasisKind
{
    /// <summary>A scenario from the preset ran in this shop with a holdout: its measured uplift per customer.</summary>
    [JsonStringEnumMemberName("holdoutUplift")]
    HoldoutUplift,

    /// <summary>No such scenario: what the segment bought in the shop's past without it (a baseline, not an effect).</summary>
    [JsonStringEnumMemberName("historicalConversion")]
    HistoricalConversion,

    /// <summary>Neither: no figure is given.</summary>
    [JsonStringEnumMemberName("none")]
    None,
}

/// <summary>
/// A scenario's measured uplift over its holdout (treatment − holdout), from its results: <see cref="Treated"/> are the
/// arms' recipients (customers a send reached), as the results compare them with the held-out customers.
/// </summary>
public sealed record MeasuredUplift(string ScenarioId, long Treated, long Holdout, Difference RevenuePerCustomer, Difference Conversion)
{
    /// <summary>
    /// The uplift of all arms over the holdout, or null when the results have none (no holdout, or fewer than two on a
    /// side) or nobody on either side has converted yet: a scenario started today, or too small to have had a buyer,
    /// measures ￥0 with the interval ￥0〜￥0 — a certainty its sample does not have, which would outrank every card.
    /// </summary>
    public static MeasuredUplift? From(string scenarioId, ScenarioResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var all = results.Uplift.FirstOrDefault(u => u.Treatment == ScenarioResults.AllArms);
        var holdout = results.Arms.FirstOrDefault(a => a.Holdout);
        return all is null || holdout is null || (all.Uplift.TreatmentRate == 0 && all.Uplift.HoldoutRate == 0)
            ? null
            : new MeasuredUplift(scenarioId, results.Arms.Where(a => !a.Holdout).Sum(a => a.Recipients), holdout.Entered, all.Uplift.RevenuePerCustomerUplift, all.Uplift.ConversionUplift);
    }

    /// <summary>
    /// The preset a scenario was made from: its id is the preset's, or the preset's followed by <c>-</c> and a suffix
    /// (the builder names copies so); the longest matching preset id wins. Null for a scenario of the shop's own.
    /// </summary>
    public static string? PresetOf(string scenarioId, IEnumerable<string> presetIds)
    {
        ArgumentNullException.ThrowIfNull(scenarioId);
        ArgumentNullException.ThrowIfNull(presetIds);
        return presetIds
            .Where(p => scenarioId == p || scenarioId.StartsWith(p + "-", StringComparison.Ordinal))
            .OrderByDescending(p => p.Length)
            .FirstOrDefault();
    }

    /// <summary>Of several measured scenarios from one preset, the one with the largest holdout (the narrowest interval).</summary>
    public static IReadOnlyDictionary<string, MeasuredUplift> ByPreset(IEnumerable<(string PresetId, MeasuredUplift Uplift)> measured) =>
        (measured ?? throw new ArgumentNullException(nameof(measured)))
            .GroupBy(m => m.PresetId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(m => m.Uplift.Holdout).ThenBy(m => m.Uplift.ScenarioId, StringComparer.Ordinal).First().Uplift, StringComparer.Ordinal);
}

/// <summary>An amount with its 95 % interval.</summary>
public sealed record MoneyRange(double Estimate, double Lower, double Upper);

/// <summary>What the scenario builder is opened with: the preset and the segment (saved first with <c>POST /api/segments</c>).</summary>
public sealed record ScenarioDraft(string PresetId, SegmentDefinition Segment, string DashboardPath);

/// <summary>
/// One card of 次の一手: who (the segment, its members and those reachable), which preset, why (the measured basis,
/// said as what it is), and the expected revenue with its interval — null when nothing measured supports a figure.
/// <see cref="ExpectedIsIncremental"/> says whether the revenue is what the action adds (holdout uplift) or what the
/// segment buys anyway (history).
/// </summary>
public sealed record NextAction(
    int Rank,
    string Id,
    string PresetId,
    LocalizedText Title,
    LocalizedText SegmentName,
    SegmentDefinition Segment,
    int Members,
    int Reachable,
    BasisKind Basis,
    LocalizedText Why,
    MoneyRange? ExpectedRevenue,
    bool ExpectedIsIncremental,
    LocalizedText ExpectedText,
    string Currency,
    MeasuredUplift? Uplift,
    HistoricalConversion? History,
    ScenarioDraft Draft)
{
    /// <summary>The basis as a card's badge says it.</summary>
    public LocalizedText BasisLabel => Basis switch
    {
        BasisKind.HoldoutUplift => new("この店舗での実測（ホールドアウト比較）", "Measured here against a holdout"),
        BasisKind.HistoricalConversion => new("過去の購買実績（施策なし）", "Past purchases, without the scenario"),
        _ => new("根拠なし", "No measured basis"),
    };
}

/// <summary>Ranks the candidate actions on the shop's own figures and words each card (pure).</summary>
public static class NextActionPlanner
{
    public const int MaxActions = 5;

    public const double Confidence = 0.95;

    /// <summary>
    /// Up to <paramref name="max"/> actions: segments with no member are left out; actions backed by a measured holdout
    /// uplift come first, then those backed by the segment's history, then those with no basis; within each, by
    /// expected revenue, then by members. <paramref name="uplifts"/> are keyed by preset id.
    /// </summary>
    public static IReadOnlyList<NextAction> Plan(
        IReadOnlyList<(ActionCandidate Candidate, ActionAudience Audience)> audiences,
        IReadOnlyDictionary<string, MeasuredUplift> uplifts,
        string currency,
        int max = MaxActions)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentNullException.ThrowIfNull(uplifts);
        return [.. audiences
            .Where(a => a.Audience.Members > 0)
            .Select(a => Card(a.Candidate, a.Audience, uplifts.GetValueOrDefault(a.Candidate.PresetId), currency))
            .OrderBy(c => c.Basis)
            .ThenByDescending(c => c.ExpectedRevenue?.Estimate ?? double.MinValue)
            .ThenByDescending(c => c.Members)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .Take(max)
            .Select((c, i) => c with { Rank = i + 1 })];
    }

    private static NextAction Card(ActionCandidate c, ActionAudience a, MeasuredUplift? uplift, string currency)
    {
        var draft = new ScenarioDraft(c.PresetId, c.Segment, $"#/scenarios/new?preset={Uri.EscapeDataString(c.PresetId)}&segment={Uri.EscapeDataString(c.Segment.Id)}");
        if (uplift is not null)
        {
            var per = uplift.RevenuePerCustomer;
            var expected = new MoneyRange(a.Reachable * per.Estimate, a.Reachable * per.Lower, a.Reachable * per.Upper);
            return new NextAction(0, c.Id, c.PresetId, c.Title, c.SegmentName, c.Segment, a.Members, a.Reachable, BasisKind.HoldoutUplift,
                WhyUplift(uplift, currency), expected, true, ExpectedText(expected, a.Reachable, true, currency), currency, uplift, a.History, draft);
        }

        if (a.History is { Members: >= 2, Converted: 0 } none)
        {
            // Nobody bought: the revenue's interval collapses to zero, which would claim a certainty the sample does not
            // have. The rate gets the rule of three's 95 % upper bound instead, and no amount is given.
            var inv = CultureInfo.InvariantCulture;
            var upper = (3.0 / none.Members * 100).ToString("0.0", inv);
            return new NextAction(0, c.Id, c.PresetId, c.Title, c.SegmentName, c.Segment, a.Members, a.Reachable, BasisKind.HistoricalConversion,
                new LocalizedText(
                    string.Create(inv, $"この条件の過去の購買実績（施策なし）: {none.Since:yyyy-MM-dd} 時点で当てはまった {none.Members:N0} 人は、{none.WindowDays} 日以内に誰も購入しませんでした（購入率の 95% 上限 {upper}%）。このプリセットのシナリオはまだこの店舗で測られていません。"),
                    string.Create(inv, $"This segment's past purchases, without the scenario: none of the {none.Members:N0} customers who matched on {none.Since:yyyy-MM-dd} bought within {none.WindowDays} days (95 % upper bound of the rate: {upper} %). This preset has not been measured in this shop yet.")),
                null, false,
                new LocalizedText("購入の実績がないため、見込み額は示しません。", "No past purchase to base an amount on: none is given."),
                currency, null, none, draft);
        }

        if (a.History is { Members: >= 2 } history)
        {
            var expected = Scale(PerMember(history), a.Reachable);
            return new NextAction(0, c.Id, c.PresetId, c.Title, c.SegmentName, c.Segment, a.Members, a.Reachable, BasisKind.HistoricalConversion,
                WhyHistory(history, currency), expected, false, ExpectedText(expected, a.Reachable, false, currency), currency, null, history, draft);
        }

        var since = a.History?.Since.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var why = new LocalizedText(
            "根拠となる実績がありません: この店舗でこのプリセットのシナリオをホールドアウト付きで実施した記録がなく、"
                + (since is null ? "比べられる過去の購買履歴もまだありません。" : $"{since} 時点でこの条件に当てはまった顧客も 2 人未満でした。"),
            "No measured basis: no scenario from this preset has run here with a holdout, and "
                + (since is null ? "there is no purchase history to compare with yet." : $"fewer than two customers matched this segment on {since}."));
        return new NextAction(0, c.Id, c.PresetId, c.Title, c.SegmentName, c.Segment, a.Members, a.Reachable, BasisKind.None,
            why, null, false, new LocalizedText("見込み額は示しません（根拠がないため）。", "No expected revenue is given (nothing measured to base it on)."), currency, null, a.History, draft);
    }

    /// <summary>The mean revenue per matched customer with its t-interval (revenue is never negative, so neither is the lower bound).</summary>
    public static MoneyRange PerMember(HistoricalConversion history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var n = history.Members;
        var mean = history.RevenuePerMember;
        var variance = n < 2 ? 0 : Math.Max(0, (history.RevenueSumOfSquares - (n * mean * mean)) / (n - 1));
        var half = n < 2 ? 0 : StudentT.InvCDF(0, 1, n - 1, 1 - ((1 - Confidence) / 2)) * Math.Sqrt(variance / n);
        return new MoneyRange(mean, Math.Max(0, mean - half), mean + half);
    }

    private static MoneyRange Scale(MoneyRange r, int customers) => new(r.Estimate * customers, r.Lower * customers, r.Upper * customers);

    private static LocalizedText WhyUplift(MeasuredUplift u, string currency)
    {
        var c = CultureInfo.InvariantCulture;
        var r = u.RevenuePerCustomer;
        var conversion = (u.Conversion.Estimate * 100).ToString("+0.0;−0.0", c);
        var ja = string.Create(c, $"この店舗での実測: シナリオ「{u.ScenarioId}」のホールドアウト比較（対象 {u.Treated:N0} 人・ホールドアウト {u.Holdout:N0} 人）で、1 人あたり売上の上乗せは {Money.Format(r.Estimate, currency)}（95% 区間 {Money.Format(r.Lower, currency)}〜{Money.Format(r.Upper, currency)}）、購入率は {conversion} ポイントでした。");
        var en = string.Create(c, $"Measured in this shop: scenario '{u.ScenarioId}' against its holdout ({u.Treated:N0} treated, {u.Holdout:N0} held out) added {Money.Format(r.Estimate, currency)} per customer (95 % interval {Money.Format(r.Lower, currency)} to {Money.Format(r.Upper, currency)}) and {conversion} points of conversion.");
        if (r.Lower <= 0)
        {
            ja += "区間が 0 をまたぐため、効果があるとはまだ言えません。";
            en += " The interval includes zero, so the effect is not yet established.";
        }

        return new LocalizedText(ja, en);
    }

    private static LocalizedText WhyHistory(HistoricalConversion h, string currency)
    {
        var c = CultureInfo.InvariantCulture;
        var per = PerMember(h);
        var rate = (h.Rate * 100).ToString("0.0", c);
        return new LocalizedText(
            string.Create(c, $"この条件の過去の購買実績（施策なし）: {h.Since:yyyy-MM-dd} 時点で当てはまった {h.Members:N0} 人のうち {h.Converted:N0} 人（{rate}%）が {h.WindowDays} 日以内に購入し、1 人あたりの購入額は {Money.Format(per.Estimate, currency)}（95% 区間 {Money.Format(per.Lower, currency)}〜{Money.Format(per.Upper, currency)}）でした。シナリオによる上乗せではなく、何もしなくても見込まれる水準です。このプリセットのシナリオはまだこの店舗で測られていません。"),
            string.Create(c, $"This segment's past purchases, without the scenario: of the {h.Members:N0} customers who matched on {h.Since:yyyy-MM-dd}, {h.Converted:N0} ({rate} %) bought within {h.WindowDays} days, {Money.Format(per.Estimate, currency)} per customer (95 % interval {Money.Format(per.Lower, currency)} to {Money.Format(per.Upper, currency)}). That is what the segment buys anyway, not what the scenario adds; this preset has not been measured in this shop yet."));
    }

    private static LocalizedText ExpectedText(MoneyRange r, int reachable, bool incremental, string currency)
    {
        var c = CultureInfo.InvariantCulture;
        var range = (Ja: $"{Money.Format(r.Estimate, currency)}（95% 区間 {Money.Format(r.Lower, currency)}〜{Money.Format(r.Upper, currency)}）", En: $"{Money.Format(r.Estimate, currency)} (95 % interval {Money.Format(r.Lower, currency)} to {Money.Format(r.Upper, currency)})");
        return incremental
            ? new LocalizedText(string.Create(c, $"届く {reachable:N0} 人に実施した場合の上乗せ売上の見込み: {range.Ja}"), string.Create(c, $"Expected added revenue from the {reachable:N0} reachable customers: {range.En}"))
            : new LocalizedText(string.Create(c, $"届く {reachable:N0} 人の購入額の見込み（施策なしの水準）: {range.Ja}"), string.Create(c, $"Expected purchases of the {reachable:N0} reachable customers at the no-scenario level: {range.En}"));
    }
}

/// <summary>Amounts as a person reads them: yen as ￥ with commas and no decimals, other currencies with their code.</summary>
public static class Money
{
    public static string Format(double amount, string currency)
    {
        var c = CultureInfo.InvariantCulture;
        var sign = amount < 0 ? "−" : string.Empty;
        var abs = Math.Abs(amount);
        return currency == "JPY" ? sign + "￥" + abs.ToString("N0", c) : sign + abs.ToString("N2", c) + " " + currency;
    }
}
