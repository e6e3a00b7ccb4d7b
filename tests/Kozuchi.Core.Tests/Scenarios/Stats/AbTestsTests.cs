using Kozuchi.Core.Scenarios.Stats;

namespace Kozuchi.Core.Tests.Scenarios.Stats;

public sealed class AbTestsTests
{
    // Wikipedia, "Welch's t-test", example 1: t = −2.46, ν ≈ 24.9 (24.99 unrounded), p = 0.021.
    private static readonly double[] A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    private static readonly double[] A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

    [Fact]
    public void Welch_matches_the_published_example()
    {
        var (d, df) = AbTests.Welch(SampleSummary.Of(A1), SampleSummary.Of(A2));
        Assert.Equal(-2.455, d.Statistic, 0.001);
        Assert.Equal(24.99, df, 0.01);
        Assert.Equal(0.021, d.PValue, 0.0006);
        Assert.Equal(-2.1667, d.Estimate, 0.0001);
        // Half-width over the standard error is the 97.5 % t quantile at ~25 df: 2.060 in the tables.
        Assert.Equal(2.060, (d.Upper - d.Lower) / 2 / (d.Estimate / d.Statistic), 0.001);
        Assert.True(d.Significant);
    }

    [Fact]
    public void Summaries_from_sums_equal_summaries_from_values()
    {
        var fromValues = SampleSummary.Of(A1);
        var fromSums = SampleSummary.FromSums(A1.Length, A1.Sum(), A1.Sum(v => v * v));
        Assert.Equal(fromValues.Mean, fromSums.Mean, 1e-9);
        Assert.Equal(fromValues.Variance, fromSums.Variance, 1e-9);
    }

    [Fact]
    public void Two_proportions_give_the_pooled_z_and_the_wald_interval()
    {
        // 200/1000 vs 150/1000: pooled p = 0.175, z = 0.05 / √(0.175·0.825·0.002) = 2.9424, p = erfc(z/√2) = 0.003256;
        // Wald 95 % interval 0.05 ± 1.95996·√(0.2·0.8/1000 + 0.15·0.85/1000) = [0.01677, 0.08323].
        var d = AbTests.TwoProportions(200, 1000, 150, 1000);
        Assert.Equal(0.05, d.Estimate, 1e-12);
        Assert.Equal(2.9424, d.Statistic, 0.0001);
        Assert.Equal(0.003256, d.PValue, 0.000001);
        Assert.Equal(0.01677, d.Lower, 0.00001);
        Assert.Equal(0.08323, d.Upper, 0.00001);
    }

    [Fact]
    public void Equal_rates_are_not_significant_and_confidence_widens_the_interval()
    {
        var same = AbTests.TwoProportions(50, 1000, 50, 1000);
        Assert.Equal(1.0, same.PValue, 1e-12);
        Assert.False(same.Significant);
        var d95 = AbTests.TwoProportions(60, 1000, 40, 1000);
        var d99 = AbTests.TwoProportions(60, 1000, 40, 1000, 0.99);
        Assert.True(d99.Upper - d99.Lower > d95.Upper - d95.Lower);
        Assert.Throws<ArgumentOutOfRangeException>(() => AbTests.TwoProportions(5, 4, 1, 10));
    }

    [Fact]
    public void Uplift_is_treatment_minus_holdout_scaled_to_the_treated()
    {
        // 900 treated: 90 bought 5,000 each; 100 held out: 5 bought 5,000 each.
        var treated = SampleSummary.FromSums(900, 90 * 5000.0, 90 * 5000.0 * 5000.0);
        var held = SampleSummary.FromSums(100, 5 * 5000.0, 5 * 5000.0 * 5000.0);
        var uplift = Uplift.Of(90, treated, 5, held);
        Assert.Equal(0.10, uplift.TreatmentRate, 1e-12);
        Assert.Equal(0.05, uplift.HoldoutRate, 1e-12);
        Assert.Equal(0.05, uplift.ConversionUplift.Estimate, 1e-12);
        Assert.Equal(250.0, uplift.RevenuePerCustomerUplift.Estimate, 1e-9);
        Assert.Equal(45.0, uplift.IncrementalConversions, 1e-9);
        Assert.Equal(225_000.0, uplift.IncrementalRevenue, 1e-6);
        Assert.True(uplift.ConversionUplift.Lower < 0.05 && uplift.ConversionUplift.Upper > 0.05);
    }
}
