using Kozuchi.Core.Common;

namespace Kozuchi.Core.Scenarios.Stats;

/// <summary>
/// One enrollment as effect measurement sees it: its arm, how many of its sends reached a provider (or the sandbox),
/// whether and for how much it converted (in <see cref="Currency"/>, the converting order's; null when recorded before
/// currencies were kept), and what its sends cost (per-channel unit costs in the shop's currency of what a provider
/// accepted: a postcard, a LINE message, a call). <see cref="Tally"/> says what became of every send.
/// </summary>
public sealed record EnrollmentOutcome(string? Arm, bool HeldOut, int Sends, bool Converted, decimal Revenue, decimal Cost = 0, string? Currency = null)
{
    public SendTally Tally { get; init; } = new() { Sent = Sends };

    /// <summary>The enrollment has not completed yet (waiting, or its goal window open).</summary>
    public bool Running { get; init; }
}

/// <summary>An arm compared with the control arm (the first arm of the first split): conversion by z-test, revenue per customer by Welch.</summary>
public sealed record ArmComparison(string Control, Difference Conversion, Difference? RevenuePerCustomer);

/// <param name="Recipients">Customers with at least one send a provider (or the sandbox) accepted.</param>
/// <param name="Sent">Sends a provider accepted; sandbox, failed, suppressed and pending ones are in <see cref="Tally"/>.</param>
/// <param name="ConversionRate">Converted among everyone entered (intention to treat: what A/B comparisons use).</param>
public sealed record ArmResult(
    string Arm,
    bool Holdout,
    long Entered,
    long Recipients,
    long Sent,
    long Converted,
    double ConversionRate,
    decimal Revenue,
    double RevenuePerCustomer,
    double RevenuePerRecipient,
    ArmComparison? VersusControl,
    decimal Cost,
    double? Roas,
    IReadOnlyList<CurrencyTotal> OtherRevenue)
{
    /// <summary>Converted among the recipients only: a customer whose sends all failed was not reached.</summary>
    public double RecipientConversionRate { get; init; }

    public SendTally Tally { get; init; } = SendTally.Empty;
}

/// <summary>
/// Treatment against the holdout. The treated are the arms' <em>recipients</em> (customers a send reached a provider
/// or the sandbox for): a customer whose sends all failed or were suppressed received nothing and is no evidence of
/// what the scenario does. <see cref="IncrementalRoas"/> is the incremental revenue (over what the holdout's rate would
/// have brought the treated customers) per yen spent on the treated customers' accepted sends.
/// </summary>
public sealed record HoldoutUplift(string Treatment, Uplift Uplift, decimal Cost, double? IncrementalRoas);

/// <summary>
/// The arm to keep, once every arm has <see cref="MinSamplePerArm"/> customers and the best arm's conversion differs
/// from every other arm's significantly; otherwise <see cref="Arm"/> is null and <see cref="Reason"/> says why.
/// A recommendation: the shop (or a later automatic step) moves the split's weight to it.
/// </summary>
public sealed record WinnerRecommendation(string? Arm, string Reason, int MinSamplePerArm);

/// <summary>
/// A scenario's results. Revenue, revenue per customer, uplift and ROAS are in <see cref="Currency"/> (the shop's,
/// which send costs are in too); conversions by orders in another currency count as conversions, and their revenue is
/// listed apart in <see cref="OtherRevenue"/> rather than added (a converted customer then adds nothing to the revenue
/// in <see cref="Currency"/>).
/// </summary>
/// <param name="Sent">Sends a provider accepted (not sandbox, failed, suppressed or pending: those are in <see cref="Tally"/>).</param>
public sealed record ScenarioResults(
    long Entered,
    long Sent,
    long Converted,
    decimal Revenue,
    IReadOnlyList<ArmResult> Arms,
    IReadOnlyList<HoldoutUplift> Uplift,
    decimal Cost,
    WinnerRecommendation? Winner,
    string Currency,
    IReadOnlyList<CurrencyTotal> OtherRevenue)
{
    /// <summary>What became of every send of the scenario: sent, delivered, sandbox, failed, suppressed by reason, pending.</summary>
    public SendTally Tally { get; init; } = SendTally.Empty;

    /// <summary>Enrollments not completed yet: a broadcast whose enrollments have all completed is finished (完了).</summary>
    public long Running { get; init; }

    /// <summary>The arm of an enrollment that passed no split.</summary>
    public const string NoSplit = "(all)";

    /// <summary>The <see cref="HoldoutUplift.Treatment"/> of every arm together against the holdout.</summary>
    public const string AllArms = "all arms";

    /// <summary>
    /// Folds enrollments into per-arm results. Revenue per customer counts every entered customer (zeros included),
    /// which is what makes arms and holdout comparable; per recipient divides by those actually sent something.
    /// </summary>
    public static ScenarioResults Compute(IEnumerable<EnrollmentOutcome> enrollments, IReadOnlyList<string>? armOrder = null, double confidence = 0.95, int minSamplePerArm = 200, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(enrollments);

        // Revenue in another currency is taken out of every figure and listed apart; enrollments converted before
        // currencies were kept are in the shop's currency, the only one their amounts could be added in then.
        var given = enrollments.ToList();
        var all = given.Select(e => IsOther(e, currency) ? e with { Revenue = 0 } : e).ToList();
        var groups = all.GroupBy(e => e.HeldOut ? SplitStep.HoldoutArm : e.Arm ?? NoSplit).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var order = (armOrder ?? []).Where(groups.ContainsKey).Concat(groups.Keys.Order(StringComparer.Ordinal)).Distinct().ToList();
        var control = order.FirstOrDefault(a => a != SplitStep.HoldoutArm);

        var arms = new List<ArmResult>();
        foreach (var arm in order)
        {
            var rows = groups[arm];
            ArmComparison? versus = null;
            if (control is not null && arm != control && arm != SplitStep.HoldoutArm)
            {
                var c = groups[control];
                var conversion = AbTests.TwoProportions(rows.Count(r => r.Converted), rows.Count, c.Count(r => r.Converted), c.Count, confidence);
                var revenue = rows.Count >= 2 && c.Count >= 2 ? AbTests.Welch(RevenueOf(rows), RevenueOf(c), confidence).Difference : null;
                versus = new ArmComparison(control, conversion, revenue);
            }

            arms.Add(Summarise(arm, rows, versus, Others(given.Where(e => (e.HeldOut ? SplitStep.HoldoutArm : e.Arm ?? NoSplit) == arm), currency)));
        }

        var uplift = new List<HoldoutUplift>();
        if (groups.TryGetValue(SplitStep.HoldoutArm, out var holdout) && holdout.Count >= 2)
        {
            var treated = all.Where(e => !e.HeldOut && e.Sends > 0).ToList();
            if (treated.Count >= 2)
            {
                uplift.Add(Incremental(AllArms, treated, holdout, confidence));
            }

            foreach (var arm in order.Where(a => a != SplitStep.HoldoutArm))
            {
                var recipients = groups[arm].Where(e => e.Sends > 0).ToList();
                if (recipients.Count >= 2)
                {
                    uplift.Add(Incremental(arm, recipients, holdout, confidence));
                }
            }
        }

        return new ScenarioResults(all.Count, all.Sum(e => e.Tally.Sent), all.Count(e => e.Converted), all.Sum(e => e.Revenue), arms, uplift, all.Sum(e => e.Cost),
            Recommend(groups, order, confidence, minSamplePerArm), currency, Others(given, currency))
        {
            Tally = SendTally.Sum(all.Select(e => e.Tally)),
            Running = all.Count(e => e.Running),
        };
    }

    private static bool IsOther(EnrollmentOutcome e, string currency) => e.Currency is { } c && c != currency;

    private static IReadOnlyList<CurrencyTotal> Others(IEnumerable<EnrollmentOutcome> rows, string currency) =>
        Currencies.Totals(rows.Where(e => e.Converted && IsOther(e, currency)).Select(e => (e.Currency!, e.Revenue, 1)));

    private static HoldoutUplift Incremental(string treatment, List<EnrollmentOutcome> rows, List<EnrollmentOutcome> holdout, double confidence)
    {
        var uplift = Stats.Uplift.Of(rows.Count(r => r.Converted), RevenueOf(rows), holdout.Count(r => r.Converted), RevenueOf(holdout), confidence);
        var cost = rows.Sum(r => r.Cost);
        return new HoldoutUplift(treatment, uplift, cost, cost > 0 ? uplift.IncrementalRevenue / (double)cost : null);
    }

    /// <summary>
    /// Every pair of arms is compared (two-proportion z-test on conversion); the best arm wins only if it beats each
    /// other arm significantly. Comparing the best with each rival, not only with the control, keeps a three-way split
    /// from crowning an arm that merely beat the weakest one.
    /// </summary>
    private static WinnerRecommendation? Recommend(Dictionary<string, List<EnrollmentOutcome>> groups, List<string> order, double confidence, int minSample)
    {
        var arms = order.Where(a => a != SplitStep.HoldoutArm && a != NoSplit).ToList();
        if (arms.Count < 2)
        {
            return null;
        }

        var small = arms.Where(a => groups[a].Count < minSample).ToList();
        if (small.Count > 0)
        {
            return new WinnerRecommendation(null, $"Not enough customers yet: {string.Join(", ", small.Select(a => $"{a} {groups[a].Count}"))} of {minSample} per arm.", minSample);
        }

        double Rate(string a) => (double)groups[a].Count(r => r.Converted) / groups[a].Count;
        var best = arms.OrderByDescending(Rate).ThenBy(a => order.IndexOf(a)).First();
        foreach (var rival in arms.Where(a => a != best))
        {
            var b = groups[best];
            var r = groups[rival];
            var test = AbTests.TwoProportions(b.Count(x => x.Converted), b.Count, r.Count(x => x.Converted), r.Count, confidence);
            if (!test.Significant || test.Estimate <= 0)
            {
                return new WinnerRecommendation(null, $"{best} is not yet significantly ahead of {rival} (p = {test.PValue.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}).", minSample);
            }
        }

        return new WinnerRecommendation(best, $"{best} converts significantly better than every other arm at {confidence.ToString("P0", System.Globalization.CultureInfo.InvariantCulture)} confidence.", minSample);
    }

    private static ArmResult Summarise(string arm, List<EnrollmentOutcome> rows, ArmComparison? versus, IReadOnlyList<CurrencyTotal> otherRevenue)
    {
        var entered = rows.Count;
        var recipients = rows.Count(r => r.Sends > 0);
        var converted = rows.Count(r => r.Converted);
        var recipientsConverted = rows.Count(r => r.Sends > 0 && r.Converted);
        var revenue = rows.Sum(r => r.Revenue);
        var cost = rows.Sum(r => r.Cost);
        return new ArmResult(
            arm,
            arm == SplitStep.HoldoutArm,
            entered,
            recipients,
            rows.Sum(r => r.Tally.Sent),
            converted,
            entered == 0 ? 0 : (double)converted / entered,
            revenue,
            entered == 0 ? 0 : (double)revenue / entered,
            recipients == 0 ? 0 : (double)revenue / recipients,
            versus,
            cost,
            cost > 0 ? (double)(revenue / cost) : null,
            otherRevenue)
        {
            RecipientConversionRate = recipients == 0 ? 0 : (double)recipientsConverted / recipients,
            Tally = SendTally.Sum(rows.Select(r => r.Tally)),
        };
    }

    private static SampleSummary RevenueOf(List<EnrollmentOutcome> rows) =>
        SampleSummary.FromSums(rows.Count, rows.Sum(r => (double)r.Revenue), rows.Sum(r => (double)r.Revenue * (double)r.Revenue));
}
