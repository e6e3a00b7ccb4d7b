using Kozuchi.Core.Analytics.Clv;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>Per-customer predictions as segments read them: expectations, churn-risk bands and the CLV rank.</summary>
public sealed class CustomerPredictionsTests
{
    private static readonly BgNbdParameters Model = new(0.2426, 4.4135, 0.7929, 2.4258);
    private static readonly GammaGammaParameters Spend = new(6.25, 3.74, 15.45);
    private static readonly FitQuality Quality = new(0, 0, true);
    private static readonly ClvFit Fit = new(new BgNbdFit(Model, Quality), new GammaGammaFit(Spend, 946, Quality));

    [Fact]
    public void Expectations_are_the_models_over_90_and_365_days_and_clv_is_a_year_of_orders_times_expected_value()
    {
        var customer = new RepeatSummary("c1", 2, 30.43, 38.86, 22.35);

        var p = Assert.Single(CustomerPredictions.Compute([customer], Fit, ChurnRiskThresholds.Default));

        Assert.Equal(BgNbd.ProbabilityAlive(Model, 2, 30.43, 38.86), p.ProbabilityAlive, 12);
        Assert.Equal(BgNbd.ExpectedPurchases(Model, 90 / 7.0, 2, 30.43, 38.86), p.ExpectedOrders90Days, 12);
        Assert.Equal(BgNbd.ExpectedPurchases(Model, 365 / 7.0, 2, 30.43, 38.86), p.ExpectedOrders365Days, 12);
        var clv = p.ExpectedOrders365Days * GammaGamma.ExpectedAverageValue(Spend, 2, 22.35);
        Assert.Equal(Math.Round((decimal)clv, 2), p.Clv12Months);
        // P(alive) 0.727 (the paper's worked example): low risk under the default thresholds (0.3 / 0.6).
        Assert.Equal(ChurnRisk.Low, p.ChurnRisk);
        Assert.Equal(0, p.ClvTopPercent);
    }

    [Fact]
    public void Churn_risk_bands_cut_p_alive_at_the_thresholds_and_one_time_buyers_get_none()
    {
        // Same frequency, longer and longer silences: P(alive) falls.
        RepeatSummary[] customers =
        [
            new("recent", 3, 50, 52, 30),
            new("quiet", 3, 20, 52, 30),
            new("silent", 3, 5, 52, 30),
            new("one-time", 0, 0, 52, 0),
        ];
        var alive = customers.Select(c => BgNbd.ProbabilityAlive(Model, c.Frequency, c.Recency, c.T)).ToArray();
        var thresholds = new ChurnRiskThresholds(HighBelow: (alive[1] + alive[2]) / 2, MediumBelow: (alive[0] + alive[1]) / 2);

        var p = CustomerPredictions.Compute(customers, Fit, thresholds);

        Assert.Equal([ChurnRisk.Low, ChurnRisk.Medium, ChurnRisk.High, null], p.Select(x => x.ChurnRisk));
        // BG/NBD holds a customer without repeat purchases alive (they can only drop out after one): no band, not "low".
        Assert.Equal(1, p[3].ProbabilityAlive);
    }

    [Fact]
    public void Top_percent_counts_the_customers_with_a_strictly_higher_clv_so_ties_share_a_rank()
    {
        // Five customers: two identical histories tie.
        RepeatSummary[] customers =
        [
            new("low", 1, 2, 40, 10),
            new("best", 8, 39, 40, 80),
            new("tie-1", 4, 30, 40, 40),
            new("tie-2", 4, 30, 40, 40),
            new("new", 0, 0, 1, 0),
        ];

        var p = CustomerPredictions.Compute(customers, Fit, ChurnRiskThresholds.Default);
        var byId = customers.Zip(p).ToDictionary(x => x.First.CustomerId, x => x.Second);

        var ranked = byId.OrderByDescending(x => x.Value.Clv12Months).Select(x => x.Key).ToList();
        Assert.Equal("best", ranked[0]);
        Assert.Equal(0, byId["best"].ClvTopPercent);
        Assert.Equal(20, byId["tie-1"].ClvTopPercent);
        Assert.Equal(20, byId["tie-2"].ClvTopPercent);
        Assert.Equal(60, byId[ranked[3]].ClvTopPercent);
        Assert.Equal(80, byId[ranked[4]].ClvTopPercent);
    }

    [Fact]
    public void Without_a_usable_spend_model_there_is_no_clv_and_no_rank()
    {
        var fit = new ClvFit(new BgNbdFit(Model, Quality), new GammaGammaFit(new GammaGammaParameters(2, 0.8, 10), 3, Quality));

        var p = Assert.Single(CustomerPredictions.Compute([new RepeatSummary("c", 2, 10, 20, 30)], fit, ChurnRiskThresholds.Default));

        Assert.Null(p.Clv12Months);
        Assert.Null(p.ClvTopPercent);
        Assert.NotNull(p.ChurnRisk);
    }

    [Theory]
    [InlineData(0.3, 0.6, true)]
    [InlineData(0.5, 0.5, true)]
    [InlineData(0.7, 0.6, false)]
    [InlineData(0, 0.6, false)]
    [InlineData(0.3, 1.2, false)]
    public void Thresholds_must_be_ordered_probabilities(double high, double medium, bool valid) =>
        Assert.Equal(valid, new ChurnRiskThresholds(high, medium).Problem is null);
}
