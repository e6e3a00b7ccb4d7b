using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Scenarios.Stats;

namespace Kozuchi.Core.Tests.Scenarios.Stats;

/// <summary>What a scenario earned per yen it spent, and when the results may name a winning arm.</summary>
public sealed class RoasAndWinnerTests
{
    private static IEnumerable<EnrollmentOutcome> Arm(string arm, int customers, int converted, decimal revenueEach, decimal costEach) =>
        Enumerable.Range(0, customers).Select(i => new EnrollmentOutcome(arm, false, 1, i < converted, i < converted ? revenueEach : 0, costEach));

    private static IEnumerable<EnrollmentOutcome> Holdout(int customers, int converted, decimal revenueEach) =>
        Enumerable.Range(0, customers).Select(i => new EnrollmentOutcome(SplitStep.HoldoutArm, true, 0, i < converted, i < converted ? revenueEach : 0));

    [Fact]
    public void Roas_divides_revenue_by_send_cost_and_incremental_roas_uses_only_the_revenue_over_the_holdout()
    {
        // Arm: 100 postcards at ¥100 = ¥10,000; 10 orders of ¥5,000 = ¥50,000 → ROAS 5.0.
        // Holdout: 100 customers, 5 orders of ¥5,000 → ¥250 per customer against the arm's ¥500:
        // incremental revenue (500 − 250) × 100 = ¥25,000 → incremental ROAS 2.5.
        var results = ScenarioResults.Compute([.. Arm("dm", 100, 10, 5000m, 100m), .. Holdout(100, 5, 5000m)], ["dm"]);

        var arm = results.Arms.Single(a => a.Arm == "dm");
        Assert.Equal(10_000m, arm.Cost);
        Assert.Equal(5.0, arm.Roas!.Value, 9);
        Assert.Null(results.Arms.Single(a => a.Holdout).Roas);
        Assert.Equal(10_000m, results.Cost);

        var uplift = results.Uplift.Single(u => u.Treatment == "dm");
        Assert.Equal(25_000, uplift.Uplift.IncrementalRevenue, 6);
        Assert.Equal(10_000m, uplift.Cost);
        Assert.Equal(2.5, uplift.IncrementalRoas!.Value, 9);
    }

    [Fact]
    public void No_winner_is_named_before_every_arm_has_its_sample()
    {
        var results = ScenarioResults.Compute([.. Arm("a", 150, 60, 1000m, 3m), .. Arm("b", 300, 30, 1000m, 3m)], ["a", "b"], minSamplePerArm: 200);

        Assert.Null(results.Winner!.Arm);
        Assert.Contains("a 150", results.Winner.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_best_arm_wins_only_when_it_beats_every_other_arm_significantly()
    {
        // a 40/400 (10%), b 80/400 (20%), c 76/400 (19%): b leads, but not significantly over c.
        var close = ScenarioResults.Compute([.. Arm("a", 400, 40, 1000m, 3m), .. Arm("b", 400, 80, 1000m, 3m), .. Arm("c", 400, 76, 1000m, 3m)], ["a", "b", "c"]);
        Assert.Null(close.Winner!.Arm);
        Assert.Contains("not yet significantly ahead of c", close.Winner.Reason, StringComparison.Ordinal);

        // c at 40/400: b beats both (z ≈ 3.9 against each).
        var clear = ScenarioResults.Compute([.. Arm("a", 400, 40, 1000m, 3m), .. Arm("b", 400, 80, 1000m, 3m), .. Arm("c", 400, 40, 1000m, 3m)], ["a", "b", "c"]);
        Assert.Equal("b", clear.Winner!.Arm);
    }

    [Fact]
    public void A_scenario_without_a_split_has_no_winner_to_name()
    {
        var results = ScenarioResults.Compute(Enumerable.Range(0, 500).Select(i => new EnrollmentOutcome(null, false, 1, i < 50, i < 50 ? 1000m : 0, 0.1m)));

        Assert.Null(results.Winner);
    }
}
