using MathNet.Numerics.Distributions;

namespace Kozuchi.Core.Scenarios.Stats;

/// <summary>A difference between two groups (treatment − control) with its interval and two-sided p-value.</summary>
public sealed record Difference(double Estimate, double Lower, double Upper, double Statistic, double PValue, double Confidence)
{
    public bool Significant => PValue < 1 - Confidence;
}

/// <summary>Size, mean and sample variance of a group; built from values or from running sums (what the engine accumulates).</summary>
public sealed record SampleSummary(long Count, double Mean, double Variance)
{
    public static SampleSummary Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n == 0)
        {
            return new SampleSummary(0, 0, 0);
        }

        var mean = values.Average();
        var variance = n > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (n - 1) : 0;
        return new SampleSummary(n, mean, variance);
    }

    /// <summary>From n, Σx and Σx² (customers with no revenue count as zeros in both sums' n).</summary>
    public static SampleSummary FromSums(long count, double sum, double sumOfSquares)
    {
        if (count == 0)
        {
            return new SampleSummary(0, 0, 0);
        }

        var mean = sum / count;
        var variance = count > 1 ? Math.Max(0, (sumOfSquares - (count * mean * mean)) / (count - 1)) : 0;
        return new SampleSummary(count, mean, variance);
    }
}

/// <summary>
/// The tests the effect screens report: conversion rates by two-proportion z-test, revenue per customer by
/// Welch's t-test, and uplift over a holdout (treatment − holdout) with both.
/// </summary>
public static class AbTests
{
    /// <summary>
    /// Two-proportion z-test of p₁ − p₂: the statistic uses the pooled rate (the null hypothesis p₁ = p₂), the
    /// interval the unpooled (Wald) standard error, as textbooks and most A/B tools do.
    /// </summary>
    public static Difference TwoProportions(long conversions1, long n1, long conversions2, long n2, double confidence = 0.95)
    {
        if (n1 <= 0 || n2 <= 0 || conversions1 < 0 || conversions2 < 0 || conversions1 > n1 || conversions2 > n2)
        {
            throw new ArgumentOutOfRangeException(nameof(n1), "Counts must be 0 ≤ conversions ≤ n with n > 0.");
        }

        double p1 = (double)conversions1 / n1, p2 = (double)conversions2 / n2;
        var pooled = (double)(conversions1 + conversions2) / (n1 + n2);
        var sePooled = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / n1) + (1.0 / n2)));
        var seUnpooled = Math.Sqrt((p1 * (1 - p1) / n1) + (p2 * (1 - p2) / n2));
        var diff = p1 - p2;
        var z = sePooled == 0 ? 0 : diff / sePooled;
        var p = sePooled == 0 ? 1 : 2 * Normal.CDF(0, 1, -Math.Abs(z));
        var critical = Normal.InvCDF(0, 1, 1 - ((1 - confidence) / 2));
        return new Difference(diff, diff - (critical * seUnpooled), diff + (critical * seUnpooled), z, p, confidence);
    }

    /// <summary>Welch's t-test of mean₁ − mean₂ (unequal variances), Welch–Satterthwaite degrees of freedom.</summary>
    public static (Difference Difference, double DegreesOfFreedom) Welch(SampleSummary a, SampleSummary b, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count < 2 || b.Count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(a), "Welch's test needs at least two observations per group.");
        }

        double va = a.Variance / a.Count, vb = b.Variance / b.Count;
        var se = Math.Sqrt(va + vb);
        var diff = a.Mean - b.Mean;
        if (se == 0)
        {
            return (new Difference(diff, diff, diff, 0, diff == 0 ? 1 : 0, confidence), a.Count + b.Count - 2);
        }

        var df = ((va + vb) * (va + vb)) / ((va * va / (a.Count - 1)) + (vb * vb / (b.Count - 1)));
        var t = diff / se;
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        var critical = StudentT.InvCDF(0, 1, df, 1 - ((1 - confidence) / 2));
        return (new Difference(diff, diff - (critical * se), diff + (critical * se), t, p, confidence), df);
    }
}

/// <summary>What a scenario added over doing nothing: treatment minus holdout, for conversion and revenue per customer.</summary>
public sealed record Uplift(
    double TreatmentRate,
    double HoldoutRate,
    Difference ConversionUplift,
    Difference RevenuePerCustomerUplift,
    double IncrementalConversions,
    double IncrementalRevenue)
{
    /// <param name="treatmentRevenue">Revenue per treated customer (zeros included), as a summary.</param>
    /// <param name="holdoutRevenue">Revenue per held-out customer (zeros included).</param>
    public static Uplift Of(long treatmentConversions, SampleSummary treatmentRevenue, long holdoutConversions, SampleSummary holdoutRevenue, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(treatmentRevenue);
        ArgumentNullException.ThrowIfNull(holdoutRevenue);
        var conversion = AbTests.TwoProportions(treatmentConversions, treatmentRevenue.Count, holdoutConversions, holdoutRevenue.Count, confidence);
        var revenue = AbTests.Welch(treatmentRevenue, holdoutRevenue, confidence).Difference;
        return new Uplift(
            (double)treatmentConversions / treatmentRevenue.Count,
            (double)holdoutConversions / holdoutRevenue.Count,
            conversion,
            revenue,
            conversion.Estimate * treatmentRevenue.Count,
            revenue.Estimate * treatmentRevenue.Count);
    }
}
