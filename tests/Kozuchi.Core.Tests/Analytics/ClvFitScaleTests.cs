using Kozuchi.Core.Analytics.Clv;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>What keeps fits affordable at a million customers: grouped likelihoods equal to the per-customer sums, and a fixed fit sample.</summary>
public sealed class ClvFitScaleTests
{
    private static IReadOnlyList<RepeatSummary> Summaries(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var t = random.Next(1, 156);
            var x = random.Next(0, 3) == 0 ? random.Next(1, 15) : 0;
            var tx = x == 0 ? 0 : random.Next(1, t + 1);
            return new RepeatSummary($"c{i:D6}", x, tx, t, x == 0 ? 0 : 1000 + random.Next(0, 9000));
        })];
    }

    [Theory]
    [InlineData(0.24, 4.41, 0.79, 2.43)]
    [InlineData(1.5, 12, 3, 0.4)]
    public void Grouped_bg_nbd_likelihood_equals_the_sum_over_customers(double r, double alpha, double a, double b)
    {
        var customers = Summaries(3000, 7);
        var p = new BgNbdParameters(r, alpha, a, b);

        var grouped = new BgNbd.GroupedLikelihood(customers).Evaluate(p);
        var direct = customers.Sum(c => BgNbd.LogLikelihood(p, c.Frequency, c.Recency, c.T));

        Assert.Equal(direct, grouped, direct * -1e-12);
        Assert.True(new BgNbd.GroupedLikelihood(customers).Terms < customers.Count);
    }

    [Fact]
    public void Repeater_gamma_gamma_likelihood_equals_the_sum_over_customers()
    {
        var repeaters = Summaries(3000, 8).Where(c => c.Frequency > 0).Select(c => (c.Frequency, c.MonetaryValue)).ToList();
        var g = new GammaGammaParameters(6.25, 3.74, 15.45);

        var fast = new GammaGamma.RepeaterLikelihood(repeaters).Evaluate(g);
        var direct = repeaters.Sum(c => GammaGamma.LogLikelihood(g, c.Frequency, c.MonetaryValue));

        Assert.Equal(direct, fast, Math.Abs(direct) * 1e-12);
    }

    [Fact]
    public void The_fit_sample_is_everyone_under_the_limit_and_a_fixed_subset_over_it_whatever_the_order()
    {
        var customers = Summaries(5000, 9);
        var shuffled = customers.Reverse().ToList();

        var sample = RepeatSummaries.FitSample(customers, 1000);
        var again = RepeatSummaries.FitSample(shuffled, 1000);

        Assert.Same(customers, RepeatSummaries.FitSample(customers, 5000));
        Assert.Equal(1000, sample.Count);
        Assert.Equal(sample.Select(s => s.CustomerId).Order(StringComparer.Ordinal), again.Select(s => s.CustomerId).Order(StringComparer.Ordinal));
        Assert.Equal(1000, sample.Select(s => s.CustomerId).Distinct(StringComparer.Ordinal).Count());

        // Spread over the whole list, not its first ids: a fit on it sees the same share of repeat buyers.
        var repeatShare = customers.Count(c => c.Frequency > 0) / (double)customers.Count;
        var sampledShare = sample.Count(c => c.Frequency > 0) / (double)sample.Count;
        Assert.InRange(sampledShare, repeatShare - 0.05, repeatShare + 0.05);
        Assert.Contains(sample, s => string.CompareOrdinal(s.CustomerId, "c004000") > 0);
    }
}
