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

        var likelihood = new RepeaterLikelihood(repeaters);
        var (parameters, quality) = MaximumLikelihood.FitPositive(v => likelihood.Evaluate(new GammaGammaParameters(v[0], v[1], v[2])), [1, 1, 1]);
        return new GammaGammaFit(new GammaGammaParameters(parameters[0], parameters[1], parameters[2]), repeaters.Length, quality);
    }

    /// <summary>
    /// The repeaters' log-likelihood as the optimiser evaluates it: the log-gamma parts depend on x alone and are
    /// computed once per distinct x, the customers' logarithms once for all evaluations. Equal to the sum of
    /// <see cref="LogLikelihood(GammaGammaParameters, int, double)"/> up to rounding.
    /// </summary>
    public sealed class RepeaterLikelihood
    {
        private readonly int[] _x;
        private readonly double[] _m;
        private readonly double[] _logM;
        private readonly double[] _logX;
        private readonly int _maxX;

        public RepeaterLikelihood(IReadOnlyList<(int Frequency, double MonetaryValue)> repeaters)
        {
            ArgumentNullException.ThrowIfNull(repeaters);
            _x = [.. repeaters.Select(r => r.Frequency)];
            _m = [.. repeaters.Select(r => r.MonetaryValue)];
            _logM = [.. _m.Select(m => Math.Log(m))];
            _logX = [.. _x.Select(x => Math.Log(x))];
            _maxX = _x.Length == 0 ? 0 : _x.Max();
        }

        public double Evaluate(GammaGammaParameters g)
        {
            ArgumentNullException.ThrowIfNull(g);
            var byX = new double[_maxX + 1];
            var common = (g.Q * Math.Log(g.V)) - GammaLn(g.Q);
            for (var x = 1; x <= _maxX; x++)
            {
                var px = g.P * x;
                byX[x] = common + GammaLn(px + g.Q) - GammaLn(px);
            }

            var sum = 0.0;
            for (var i = 0; i < _x.Length; i++)
            {
                var px = g.P * _x[i];
                sum += byX[_x[i]] + ((px - 1) * _logM[i]) + (px * _logX[i]) - ((px + g.Q) * Math.Log(g.V + (_x[i] * _m[i])));
            }

            return sum;
        }
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
