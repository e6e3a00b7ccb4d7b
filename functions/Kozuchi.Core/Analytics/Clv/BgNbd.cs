using static MathNet.Numerics.SpecialFunctions;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// BG/NBD parameters: purchase rates are Gamma(<see cref="R"/>, <see cref="Alpha"/>) across customers, and the chance
/// of dropping out after each purchase is Beta(<see cref="A"/>, <see cref="B"/>).
/// </summary>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B);

public sealed record BgNbdFit(BgNbdParameters Parameters, FitQuality Quality);

/// <summary>
/// The beta-geometric/NBD model (Fader, Hardie &amp; Lee 2005, "Counting Your Customers the Easy Way"): likelihood,
/// maximum-likelihood fit, and per customer the probability of being alive and the expected purchases ahead.
/// </summary>
public static class BgNbd
{
    /// <summary>One customer's log-likelihood (equation 6 of the paper, written with log-gamma to stay finite).</summary>
    public static double LogLikelihood(BgNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        var a1 = GammaLn(p.R + x) - GammaLn(p.R) + (p.R * Math.Log(p.Alpha));
        var a2 = GammaLn(p.A + p.B) + GammaLn(p.B + x) - GammaLn(p.B) - GammaLn(p.A + p.B + x);
        var a3 = -(p.R + x) * Math.Log(p.Alpha + t);
        if (x == 0)
        {
            return a1 + a2 + a3;
        }

        var a4 = Math.Log(p.A) - Math.Log(p.B + x - 1) - ((p.R + x) * Math.Log(p.Alpha + tx));
        var max = Math.Max(a3, a4);
        return a1 + a2 + max + Math.Log(Math.Exp(a3 - max) + Math.Exp(a4 - max));
    }

    public static double LogLikelihood(BgNbdParameters p, IEnumerable<RepeatSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return customers.Sum(c => LogLikelihood(p, c.Frequency, c.Recency, c.T));
    }

    public static BgNbdFit Fit(IReadOnlyCollection<RepeatSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        if (customers.Count == 0)
        {
            throw new ArgumentException("BG/NBD needs at least one customer.", nameof(customers));
        }

        var likelihood = new GroupedLikelihood(customers);
        var (parameters, quality) = MaximumLikelihood.FitPositive(v => likelihood.Evaluate(new BgNbdParameters(v[0], v[1], v[2], v[3])), [1, 1, 1, 1]);
        return new BgNbdFit(new BgNbdParameters(parameters[0], parameters[1], parameters[2], parameters[3]), quality);
    }

    /// <summary>
    /// The sample's log-likelihood as the optimiser evaluates it thousands of times: customers with the same
    /// (x, t_x, T) share a term (weighted by their count), and the log-gamma parts, which depend on x alone, are
    /// computed once per distinct x per evaluation — leaving a few logarithms per distinct triple. Equal to the sum of
    /// <see cref="LogLikelihood(BgNbdParameters, int, double, double)"/> over the customers up to rounding.
    /// </summary>
    public sealed class GroupedLikelihood
    {
        private readonly int[] _x;
        private readonly double[] _tx;
        private readonly double[] _t;
        private readonly double[] _count;
        private readonly int _maxX;

        public GroupedLikelihood(IEnumerable<RepeatSummary> customers)
        {
            ArgumentNullException.ThrowIfNull(customers);
            var groups = customers.GroupBy(c => (c.Frequency, c.Recency, c.T)).Select(g => (g.Key, Count: g.Count())).ToArray();
            _x = [.. groups.Select(g => g.Key.Frequency)];
            _tx = [.. groups.Select(g => g.Key.Recency)];
            _t = [.. groups.Select(g => g.Key.T)];
            _count = [.. groups.Select(g => (double)g.Count)];
            _maxX = _x.Length == 0 ? 0 : _x.Max();
        }

        /// <summary>Distinct (x, t_x, T) triples: the terms one evaluation sums.</summary>
        public int Terms => _x.Length;

        public double Evaluate(BgNbdParameters p)
        {
            ArgumentNullException.ThrowIfNull(p);
            var common = GammaLn(p.A + p.B) - GammaLn(p.R) - GammaLn(p.B) + (p.R * Math.Log(p.Alpha));
            var byX = new double[_maxX + 1];
            var dropout = new double[_maxX + 1];
            for (var x = 0; x <= _maxX; x++)
            {
                byX[x] = common + GammaLn(p.R + x) + GammaLn(p.B + x) - GammaLn(p.A + p.B + x);
                dropout[x] = x == 0 ? 0 : Math.Log(p.A) - Math.Log(p.B + x - 1);
            }

            var sum = 0.0;
            for (var i = 0; i < _x.Length; i++)
            {
                var x = _x[i];
                var a3 = -(p.R + x) * Math.Log(p.Alpha + _t[i]);
                double term;
                if (x == 0)
                {
                    term = byX[0] + a3;
                }
                else
                {
                    var a4 = dropout[x] - ((p.R + x) * Math.Log(p.Alpha + _tx[i]));
                    var max = Math.Max(a3, a4);
                    term = byX[x] + max + Math.Log(Math.Exp(a3 - max) + Math.Exp(a4 - max));
                }

                sum += _count[i] * term;
            }

            return sum;
        }
    }

    /// <summary>P(alive | x, t_x, T) (equation 11 of Fader, Hardie &amp; Lee's note on computing P(alive)).</summary>
    public static double ProbabilityAlive(BgNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        return x == 0 ? 1 : 1 / (1 + (p.A / (p.B + x - 1) * Math.Exp((p.R + x) * Math.Log((p.Alpha + t) / (p.Alpha + tx)))));
    }

    /// <summary>Expected purchases in the next <paramref name="horizon"/> periods of a customer with history (x, t_x, T) (equation 10).</summary>
    public static double ExpectedPurchases(BgNbdParameters p, double horizon, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        if (horizon == 0)
        {
            return 0;
        }

        var ratio = Math.Exp((p.R + x) * Math.Log((p.Alpha + t) / (p.Alpha + t + horizon)));
        var hyper = Hypergeometric.Gauss2F1(p.R + x, p.B + x, p.A + p.B + x - 1, horizon / (p.Alpha + t + horizon));
        var numerator = (p.A + p.B + x - 1) / (p.A - 1) * (1 - (ratio * hyper));
        var denominator = x == 0 ? 1 : 1 + (p.A / (p.B + x - 1) * Math.Exp((p.R + x) * Math.Log((p.Alpha + t) / (p.Alpha + tx))));
        return numerator / denominator;
    }

    /// <summary>Expected purchases by a new customer in their first <paramref name="horizon"/> periods (equation 9): a sanity check of a fit against the data.</summary>
    public static double ExpectedPurchasesOfNewCustomer(BgNbdParameters p, double horizon)
    {
        ArgumentNullException.ThrowIfNull(p);
        var hyper = Hypergeometric.Gauss2F1(p.R, p.B, p.A + p.B - 1, horizon / (p.Alpha + horizon));
        return (p.A + p.B - 1) / (p.A - 1) * (1 - (Math.Exp(p.R * Math.Log(p.Alpha / (p.Alpha + horizon))) * hyper));
    }
}
