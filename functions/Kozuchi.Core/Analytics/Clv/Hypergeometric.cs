namespace Kozuchi.Core.Analytics.Clv;

/// <summary>Gauss's hypergeometric function, which BG/NBD's conditional expectation needs and MathNet does not provide.</summary>
public static class Hypergeometric
{
    /// <summary>
    /// ₂F₁(a, b; c; z) for 0 ≤ z &lt; 1 by its power series. BG/NBD only evaluates it at z = t/(α+T+t), which stays
    /// below 1 for any finite horizon, so the series converges; it is summed in the log domain of each term's ratio.
    /// </summary>
    public static double Gauss2F1(double a, double b, double c, double z)
    {
        if (z is < 0 or >= 1 || !double.IsFinite(z))
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "The series is used for 0 ≤ z < 1 only.");
        }

        double sum = 1, term = 1;
        for (var n = 0; n < 1_000_000; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (Math.Abs(term) <= 1e-15 * Math.Abs(sum))
            {
                return sum;
            }
        }

        throw new InvalidOperationException("₂F₁ series did not converge.");
    }
}
