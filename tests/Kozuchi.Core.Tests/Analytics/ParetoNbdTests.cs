using Kozuchi.Core.Analytics.Clv;
using static MathNet.Numerics.SpecialFunctions;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>
/// The Pareto/NBD against the CDNOW sample's published fit, and its closed forms against the model's definition
/// integrated numerically over the purchase and dropout rates.
/// </summary>
public sealed class ParetoNbdTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "cdnow");

    // The published maximum-likelihood fit on CDNOW's calibration weeks (Fader, Hardie & Lee 2005; lifetimes and BTYD
    // pin the same: 0.553, 10.578, 0.606, 11.669).
    private static readonly ParetoNbdParameters Published = new(0.5533, 10.5764, 0.6061, 11.6670);

    private static IReadOnlyList<RepeatSummary> CdnowSummary()
    {
        using var reader = new StreamReader(Path.Combine(Data, "cdnow_customers_summary.csv"));
        var read = RepeatSummaryCsv.Read(reader);
        Assert.True(read.Ok, read.Error);
        return read.Customers;
    }

    private static void WithinOnePercent(double expected, double actual, string name) =>
        Assert.True(Math.Abs(actual - expected) <= 0.01 * Math.Abs(expected), $"{name}: expected {expected} ± 1%, got {actual}");

    [Fact]
    public void Fit_on_the_cdnow_summary_reproduces_the_published_parameters()
    {
        var customers = CdnowSummary();

        var fit = ParetoNbd.Fit(customers);

        WithinOnePercent(Published.R, fit.Parameters.R, "r");
        WithinOnePercent(Published.Alpha, fit.Parameters.Alpha, "alpha");
        WithinOnePercent(Published.S, fit.Parameters.S, "s");
        WithinOnePercent(Published.Beta, fit.Parameters.Beta, "beta");
        Assert.True(fit.Quality.Converged);
        // The optimum is at least as likely as the published parameters, and no more than rounding apart.
        var atPublished = ParetoNbd.LogLikelihood(Published, customers);
        Assert.InRange(fit.Quality.LogLikelihood - atPublished, 0, 0.05);
        Assert.InRange(fit.Quality.LogLikelihood, -9596, -9594);
    }

    [Fact]
    public void Grouped_likelihood_equals_the_sum_over_customers()
    {
        var customers = CdnowSummary();
        var grouped = new ParetoNbd.GroupedLikelihood(customers);

        Assert.True(grouped.Terms < customers.Count);
        foreach (var p in new[] { Published, new ParetoNbdParameters(1.3, 2.0, 0.4, 30), new ParetoNbdParameters(0.7, 40, 2.5, 3) })
        {
            Assert.Equal(ParetoNbd.LogLikelihood(p, customers), grouped.Evaluate(p), 6);
        }
    }

    // Customers on both sides of α = β (the likelihood's two forms), with and without repeat purchases.
    public static TheoryData<double, double, double, double, int, double, double> Histories => new()
    {
        { 0.5533, 10.5764, 0.6061, 11.667, 2, 30.43, 38.86 },
        { 0.5533, 10.5764, 0.6061, 11.667, 0, 0, 38.86 },
        { 1.3, 2.0, 0.4, 30, 5, 12.5, 20 },
        { 0.7, 40, 2.5, 3, 1, 3, 52 },
        { 0.9, 6, 0.8, 6, 3, 10, 10 },
    };

    [Theory]
    [MemberData(nameof(Histories))]
    public void Closed_forms_equal_the_model_integrated_over_purchase_and_dropout_rates(double r, double alpha, double s, double beta, int x, double tx, double t)
    {
        var p = new ParetoNbdParameters(r, alpha, s, beta);
        const double horizon = 39;
        var (likelihood, alive, expected) = Integrate(p, x, tx, t, horizon);

        Assert.Equal(Math.Log(likelihood), ParetoNbd.LogLikelihood(p, x, tx, t), 6);
        Assert.Equal(alive / likelihood, ParetoNbd.ProbabilityAlive(p, x, tx, t), 6);
        Assert.Equal(expected / likelihood, ParetoNbd.ExpectedPurchases(p, horizon, x, tx, t), 6);
    }

    [Fact]
    public void A_customer_seen_just_now_expects_what_a_new_customer_does()
    {
        var p = Published;

        Assert.Equal(1, ParetoNbd.ProbabilityAlive(p, 0, 0, 0));
        Assert.Equal(ParetoNbd.ExpectedPurchasesOfNewCustomer(p, 39), ParetoNbd.ExpectedPurchases(p, 39, 0, 0, 0), 12);
        // s = 1 is the limit of the general form, not a division by zero.
        var one = new ParetoNbdParameters(0.5, 10, 1, 12);
        Assert.Equal(ParetoNbd.ExpectedPurchasesOfNewCustomer(one with { S = 1 + 1e-7 }, 39), ParetoNbd.ExpectedPurchasesOfNewCustomer(one, 39), 6);
    }

    [Fact]
    public void A_one_time_buyer_can_lapse_unlike_under_the_bg_nbd()
    {
        var recent = ParetoNbd.ProbabilityAlive(Published, 0, 0, 4);
        var old = ParetoNbd.ProbabilityAlive(Published, 0, 0, 38);

        Assert.InRange(old, 0.01, recent - 0.05);
        Assert.Equal(1, ParetoNbd.ProbabilityAlive(Published, 4, 20, 20));
    }

    [Fact]
    public void A_frequent_buyer_stays_finite_where_the_plain_series_would_overflow()
    {
        // α far below β: the direct ₂F₁ grows like ((β+t)/(α+t))^(r+x), beyond a double at x = 700.
        var p = new ParetoNbdParameters(2, 0.5, 1.5, 400);

        var ll = ParetoNbd.LogLikelihood(p, 700, 100, 104);
        var alive = ParetoNbd.ProbabilityAlive(p, 700, 100, 104);

        Assert.True(double.IsFinite(ll), $"log-likelihood {ll}");
        Assert.InRange(alive, 0.0, 1.0);
        Assert.True(double.IsFinite(ParetoNbd.ExpectedPurchases(p, 52, 700, 100, 104)));
    }

    /// <summary>
    /// The individual-level likelihood λ^x e^(−(λ+μ)T) (alive at T) + λ^x μ/(λ+μ)(e^(−(λ+μ)t_x) − e^(−(λ+μ)T)) (dropped
    /// out unseen between t_x and T), mixed over λ ~ Gamma(r, α) and μ ~ Gamma(s, β) by the trapezoid rule on ln λ and ln μ (exponentially
    /// accurate for these smooth, fast-decaying integrands): the likelihood, its alive part, and the alive part times
    /// the purchases an alive customer makes over the horizon, (λ/μ)(1 − e^(−μt)).
    /// </summary>
    private static (double Likelihood, double Alive, double Expected) Integrate(ParetoNbdParameters p, int x, double tx, double t, double horizon)
    {
        const double low = -60, high = 8, step = 0.02;
        var n = (int)((high - low) / step) + 1;
        var ys = Enumerable.Range(0, n).Select(i => low + (i * step)).ToArray();
        double Weight(double shape, double rate, double y) => Math.Exp((shape * Math.Log(rate)) - GammaLn(shape) + (shape * y) - (rate * Math.Exp(y))) * step;
        var lambdaWeights = ys.Select(y => Weight(p.R, p.Alpha, y)).ToArray();
        var muWeights = ys.Select(y => Weight(p.S, p.Beta, y)).ToArray();
        double likelihood = 0, alive = 0, expected = 0;
        for (var i = 0; i < n; i++)
        {
            var lambda = Math.Exp(ys[i]);
            var lx = Math.Pow(lambda, x);
            for (var j = 0; j < n; j++)
            {
                var w = lambdaWeights[i] * muWeights[j];
                if (w == 0)
                {
                    continue;
                }

                var mu = Math.Exp(ys[j]);
                var aliveTerm = lx * Math.Exp(-(lambda + mu) * t);
                var droppedTerm = lx * mu / (lambda + mu) * (Math.Exp(-(lambda + mu) * tx) - Math.Exp(-(lambda + mu) * t));
                likelihood += w * (aliveTerm + droppedTerm);
                alive += w * aliveTerm;
                expected += w * aliveTerm * lambda / mu * -Expm1(-mu * horizon);
            }
        }

        return (likelihood, alive, expected);
    }
}
