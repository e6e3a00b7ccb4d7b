using static MathNet.Numerics.SpecialFunctions;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// Gamma-Gamma parameters: a customer's transaction values are Gamma(<see cref="P"/>, ν) with ν itself
/// Gamma(<see cref="Q"/>, <see cref="V"/>) across customers.
/// </summary>
public sealed record GammaGammaParameters(double P, double Q, double V)
{
    /// <summary>The population's mean transaction value, E[Z] = pγ/(q−1) (finite when q &gt; 1).</summary>
    public double PopulationMean => Q > 1 ? P * V / (Q - 1) : double.PositiveInfinity;
}

public sealed record GammaGammaFit(GammaGammaParameters Parameters, int Customers, FitQuality Quality);

/// <summary>
/// The Gamma-Gamma spend model (Fader, Hardie &amp; Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base
/// Analysis"; Fader &amp; Hardie's note "The Gamma-Gamma Model of Monetary Value"), fitted on customers with repeat purchases.
/// </summary>
public static class GammaGamma
{
    /// <summary>Log-density of a mean value <paramref name="meanValue"/> over <paramref name="x"/> transactions.</summary>
    public static double LogLikelihood(GammaGammaParameters g, int x, double meanValue)
    {
        ArgumentNullException.ThrowIfNull(g);
        var px = g.P * x;
        return GammaLn(px + g.Q) - GammaLn(px) - GammaLn(g.Q)
            + (g.Q * Math.Log(g.V))
            + ((px - 1) * Math.Log(meanValue))
            + (px * Math.Log(x))
            - ((px + g.Q) * Math.Log(g.V + (x * meanValue)));
    }

    /// <summary>Fits on the customers with at least one repeat purchase and a positive mean value; the others carry no spend information.</summary>
    public static GammaGammaFit Fit(IEnumerable<RepeatSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var repeaters = customers.Where(c => c.Frequency > 0 && c.MonetaryValue > 0).Select(c => (c.Frequency, c.MonetaryValue)).ToArray();
        if (repeaters.Length == 0)
        {
            throw new ArgumentException("Gamma-Gamma needs customers with repeat purchases and a monetary value.", nameof(customers));
        }

        var (parameters, quality) = MaximumLikelihood.FitPositive(
            v => repeaters.Sum(c => LogLikelihood(new GammaGammaParameters(v[0], v[1], v[2]), c.Frequency, c.MonetaryValue)),
            [1, 1, 1]);
        return new GammaGammaFit(new GammaGammaParameters(parameters[0], parameters[1], parameters[2]), repeaters.Length, quality);
    }

    /// <summary>
    /// E[Z | x, m_x]: the customer's expected transaction value, a weighted mean of the population mean and their own
    /// observed mean (the weight on their own grows with x). Without repeats it is the population mean.
    /// </summary>
    public static double ExpectedAverageValue(GammaGammaParameters g, int x, double meanValue)
    {
        ArgumentNullException.ThrowIfNull(g);
        return x == 0 ? g.PopulationMean : g.P * (g.V + (x * meanValue)) / ((g.P * x) + g.Q - 1);
    }
}
