namespace Kozuchi.Core.Scenarios.Stats;

/// <summary>One enrollment as effect measurement sees it: its arm, what it was sent, whether and for how much it converted.</summary>
public sealed record EnrollmentOutcome(string? Arm, bool HeldOut, int Sends, bool Converted, decimal Revenue);

/// <summary>An arm compared with the control arm (the first arm of the first split): conversion by z-test, revenue per customer by Welch.</summary>
public sealed record ArmComparison(string Control, Difference Conversion, Difference? RevenuePerCustomer);

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
    ArmComparison? VersusControl);

/// <summary>Treatment (every arm but the holdout) against the holdout.</summary>
public sealed record HoldoutUplift(string Treatment, Uplift Uplift);

public sealed record ScenarioResults(
    long Entered,
    long Sent,
    long Converted,
    decimal Revenue,
    IReadOnlyList<ArmResult> Arms,
    IReadOnlyList<HoldoutUplift> Uplift)
{
    /// <summary>The arm of an enrollment that passed no split.</summary>
    public const string NoSplit = "(all)";

    /// <summary>
    /// Folds enrollments into per-arm results. Revenue per customer counts every entered customer (zeros included),
    /// which is what makes arms and holdout comparable; per recipient divides by those actually sent something.
    /// </summary>
    public static ScenarioResults Compute(IEnumerable<EnrollmentOutcome> enrollments, IReadOnlyList<string>? armOrder = null, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(enrollments);
        var all = enrollments.ToList();
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

            arms.Add(Summarise(arm, rows, versus));
        }

        var uplift = new List<HoldoutUplift>();
        if (groups.TryGetValue(SplitStep.HoldoutArm, out var holdout) && holdout.Count >= 2)
        {
            var treated = all.Where(e => !e.HeldOut).ToList();
            if (treated.Count >= 2)
            {
                uplift.Add(new HoldoutUplift("all arms", Stats.Uplift.Of(treated.Count(r => r.Converted), RevenueOf(treated), holdout.Count(r => r.Converted), RevenueOf(holdout), confidence)));
            }

            foreach (var arm in order.Where(a => a != SplitStep.HoldoutArm && groups[a].Count >= 2))
            {
                var rows = groups[arm];
                uplift.Add(new HoldoutUplift(arm, Stats.Uplift.Of(rows.Count(r => r.Converted), RevenueOf(rows), holdout.Count(r => r.Converted), RevenueOf(holdout), confidence)));
            }
        }

        return new ScenarioResults(all.Count, all.Sum(e => (long)e.Sends), all.Count(e => e.Converted), all.Sum(e => e.Revenue), arms, uplift);
    }

    private static ArmResult Summarise(string arm, List<EnrollmentOutcome> rows, ArmComparison? versus)
    {
        var entered = rows.Count;
        var recipients = rows.Count(r => r.Sends > 0);
        var converted = rows.Count(r => r.Converted);
        var revenue = rows.Sum(r => r.Revenue);
        return new ArmResult(
            arm,
            arm == SplitStep.HoldoutArm,
            entered,
            recipients,
            rows.Sum(r => (long)r.Sends),
            converted,
            entered == 0 ? 0 : (double)converted / entered,
            revenue,
            entered == 0 ? 0 : (double)revenue / entered,
            recipients == 0 ? 0 : (double)revenue / recipients,
            versus);
    }

    private static SampleSummary RevenueOf(List<EnrollmentOutcome> rows) =>
        SampleSummary.FromSums(rows.Count, rows.Sum(r => (double)r.Revenue), rows.Sum(r => (double)r.Revenue * (double)r.Revenue));
}
