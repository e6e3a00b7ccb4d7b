using static MathNet.Numerics.SpecialFunctions;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// Pareto/NBD parameters: purchase rates λ are Gamma(<see cref="R"/>, <see cref="Alpha"/>) across customers and
/// dropout rates μ are Gamma(<see cref="S"/>, <see cref="Beta"/>), independently.
/// </summary>
public sealed record ParetoNbdParameters(double R, double Alpha, double S, double Beta);

public sealed record ParetoNbdFit(ParetoNbdParameters Parameters, FitQuality Quality);

/// <summary>
/// The Pareto/NBD model (Schmittlein, Morrison &amp; Colombo 1987), in the form of Fader &amp; Hardie's "A Note on
/// Deriving the Pareto/NBD Model and Related Expressions" (2005): likelihood, maximum-likelihood fit, P(alive) and the
/// conditional expectation. Unlike the BG/NBD, a customer may drop out at any moment — also before a first repeat
/// purchase — so a one-time buyer's P(alive) falls with time.
/// </summary>
public static class ParetoNbd
{
    /// <summary>One customer's log-likelihood (the note's equations 22–23, see <see cref="LogA0"/>).</summary>
    public static double LogLikelihood(ParetoNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        var common = GammaLn(p.R + x) - GammaLn(p.R) + (p.R * Math.Log(p.Alpha)) + (p.S * Math.Log(p.Beta));
        return common + LogBracket(p, x, LogTail(p, x, tx), LogTail(p, x, t), t);
    }

    public static double LogLikelihood(ParetoNbdParameters p, IEnumerable<RepeatSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return customers.Sum(c => LogLikelihood(p, c.Frequency, c.Recency, c.T));
    }

    public static ParetoNbdFit Fit(IReadOnlyCollection<RepeatSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        if (customers.Count == 0)
        {
            throw new ArgumentException("Pareto/NBD needs at least one customer.", nameof(customers));
        }

        var likelihood = new GroupedLikelihood(customers);
        var (parameters, quality) = MaximumLikelihood.FitPositive(v => likelihood.Evaluate(new ParetoNbdParameters(v[0], v[1], v[2], v[3])), [1, 1, 1, 1]);
        return new ParetoNbdFit(new ParetoNbdParameters(parameters[0], parameters[1], parameters[2], parameters[3]), quality);
    }

    /// <summary>
    /// The sample's log-likelihood as the optimiser evaluates it: customers with the same (x, t_x, T) share a term, and
    /// the hypergeometric part — the heavy one, which depends on (x, t) for t = t_x and t = T separately — is computed
    /// once per distinct (x, t) per evaluation. Equal to the sum of
    /// <see cref="LogLikelihood(ParetoNbdParameters, int, double, double)"/> over the customers up to rounding.
    /// </summary>
    public sealed class GroupedLikelihood
    {
        private readonly int[] _x;
        private readonly double[] _t;
        private readonly int[] _txPoint;
        private readonly int[] _tPoint;
        private readonly double[] _count;
        private readonly int[] _pointX;
        private readonly double[] _pointTime;
        private readonly int _maxX;

        public GroupedLikelihood(IEnumerable<RepeatSummary> customers)
        {
            ArgumentNullException.ThrowIfNull(customers);
            var groups = customers.GroupBy(c => (c.Frequency, c.Recency, c.T)).Select(g => (g.Key, Count: g.Count())).ToArray();
            var points = new Dictionary<(int X, double Time), int>();
            int Point(int x, double time)
            {
                if (!points.TryGetValue((x, time), out var i))
                {
                    i = points.Count;
                    points.Add((x, time), i);
                }

                return i;
            }

            _x = [.. groups.Select(g => g.Key.Frequency)];
            _t = [.. groups.Select(g => g.Key.T)];
            _txPoint = [.. groups.Select(g => Point(g.Key.Frequency, g.Key.Recency))];
            _tPoint = [.. groups.Select(g => Point(g.Key.Frequency, g.Key.T))];
            _count = [.. groups.Select(g => (double)g.Count)];
            _pointX = [.. points.OrderBy(kv => kv.Value).Select(kv => kv.Key.X)];
            _pointTime = [.. points.OrderBy(kv => kv.Value).Select(kv => kv.Key.Time)];
            _maxX = _x.Length == 0 ? 0 : _x.Max();
        }

        /// <summary>Distinct (x, t_x, T) triples: the terms one evaluation sums.</summary>
        public int Terms => _x.Length;

        /// <summary>Distinct (x, t) pairs: the hypergeometric functions one evaluation computes.</summary>
        public int HypergeometricTerms => _pointX.Length;

        public double Evaluate(ParetoNbdParameters p)
        {
            ArgumentNullException.ThrowIfNull(p);
            var common = -GammaLn(p.R) + (p.R * Math.Log(p.Alpha)) + (p.S * Math.Log(p.Beta));
            var byX = new double[_maxX + 1];
            for (var x = 0; x <= _maxX; x++)
            {
                byX[x] = common + GammaLn(p.R + x);
            }

            var tails = new double[_pointX.Length];
            for (var i = 0; i < tails.Length; i++)
            {
                tails[i] = LogTail(p, _pointX[i], _pointTime[i]);
            }

            var sum = 0.0;
            for (var i = 0; i < _x.Length; i++)
            {
                sum += _count[i] * (byX[_x[i]] + LogBracket(p, _x[i], tails[_txPoint[i]], tails[_tPoint[i]], _t[i]));
            }

            return sum;
        }
    }

    /// <summary>P(alive | x, t_x, T) (in the note): the chance the customer's unobserved dropout comes after T.</summary>
    public static double ProbabilityAlive(ParetoNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        var logA0 = LogA0(LogTail(p, x, tx), LogTail(p, x, t));
        if (double.IsNegativeInfinity(logA0))
        {
            return 1;
        }

        var ratio = Math.Log(p.S / (p.R + p.S + x)) + ((p.R + x) * Math.Log(p.Alpha + t)) + (p.S * Math.Log(p.Beta + t)) + logA0;
        return 1 / (1 + Math.Exp(ratio));
    }

    /// <summary>
    /// E[Y(<paramref name="horizon"/>) | x, t_x, T], the purchases expected in the next <paramref name="horizon"/>
    /// periods (in the note): the purchases of a customer still alive at T, times P(alive).
    /// </summary>
    public static double ExpectedPurchases(ParetoNbdParameters p, double horizon, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        if (horizon == 0)
        {
            return 0;
        }

        var ifAlive = (p.R + x) * (p.Beta + t) / (p.Alpha + t) * Lifetime(p.S, Math.Log((p.Beta + t) / (p.Beta + t + horizon)));
        return ifAlive * ProbabilityAlive(p, x, tx, t);
    }

    /// <summary>E[X(t)], the repeat purchases of a new customer in their first <paramref name="horizon"/> periods (in the note).</summary>
    public static double ExpectedPurchasesOfNewCustomer(ParetoNbdParameters p, double horizon)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        return p.R * p.Beta / p.Alpha * Lifetime(p.S, Math.Log(p.Beta / (p.Beta + horizon)));
    }

    /// <summary>
    /// (1 − ((β+T)/(β+T+t))^(s−1)) / (s − 1), given logRatio = ln((β+T)/(β+T+t)) — the expected lifetime part of the
    /// expectations — written with expm1 so s near 1 (where it tends to −logRatio) loses no precision.
    /// </summary>
    private static double Lifetime(double s, double logRatio) =>
        Math.Abs(s - 1) < 1e-10 ? -logRatio : -Expm1((s - 1) * logRatio) / (s - 1);

    /// <summary>
    /// ln of the likelihood's bracket, 1/((α+T)^(r+x)(β+T)^s) + s/(r+s+x)·A₀, from the two tails of A₀. The first term
    /// is the customer alive at T, the second the customer who dropped out between t_x and T.
    /// </summary>
    private static double LogBracket(ParetoNbdParameters p, int x, double tailTx, double tailT, double t)
    {
        var alive = (-(p.R + x) * Math.Log(p.Alpha + t)) - (p.S * Math.Log(p.Beta + t));
        var logA0 = LogA0(tailTx, tailT);
        if (double.IsNegativeInfinity(logA0))
        {
            return alive;
        }

        var dropped = Math.Log(p.S / (p.R + p.S + x)) + logA0;
        var max = Math.Max(alive, dropped);
        return max + Math.Log(Math.Exp(alive - max) + Math.Exp(dropped - max));
    }

    /// <summary>ln A₀ = ln(tail(t_x) − tail(T)); −∞ when T = t_x (no time to drop out unseen).</summary>
    private static double LogA0(double tailTx, double tailT) =>
        tailT >= tailTx ? double.NegativeInfinity : tailTx + Math.Log(-Expm1(tailT - tailTx));

    /// <summary>
    /// ln of one of A₀'s two terms, ₂F₁(r+s+x, b; r+s+x+1; z(t)) / (m+t)^(r+s+x) with m = max(α, β),
    /// z(t) = |α−β|/(m+t) and b = s+1 when α ≥ β, else r+x (the note's equations 22–23, so z stays in [0, 1)). The
    /// function is taken through Euler's transformation, ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z), whose
    /// series has positive terms shrinking at least as fast as zⁿ and stays small: the direct series grows like
    /// (1−z)^(−r−x), which overflows for frequent buyers.
    /// </summary>
    private static double LogTail(ParetoNbdParameters p, int x, double time)
    {
        var a = p.R + p.S + x;
        var alphaLarger = p.Alpha >= p.Beta;
        var m = alphaLarger ? p.Alpha : p.Beta;
        var z = Math.Abs(p.Alpha - p.Beta) / (m + time);
        var b = alphaLarger ? p.S + 1 : p.R + x;
        var hyper = z == 0 ? 0 : ((1 - b) * Log1p(-z)) + Math.Log(Hypergeometric.Gauss2F1(1, a + 1 - b, a + 1, z));
        return hyper - (a * Math.Log(m + time));
    }
}
