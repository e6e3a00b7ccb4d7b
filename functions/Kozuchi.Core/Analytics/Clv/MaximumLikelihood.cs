using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>How a fit ended: the parameters, the log-likelihood there, and whether the optimiser converged.</summary>
public sealed record FitQuality(double LogLikelihood, int Evaluations, bool Converged);

/// <summary>Maximum-likelihood fits of positive parameters.</summary>
internal static class MaximumLikelihood
{
    /// <summary>
    /// Maximises <paramref name="logLikelihood"/> over positive parameters by Nelder–Mead on their logarithms (so no
    /// bounds are needed), restarting from the best point until a restart no longer improves: a single simplex run
    /// can stall on the likelihood's long flat ridges (a and b of BG/NBD move together).
    /// </summary>
    public static (double[] Parameters, FitQuality Quality) FitPositive(Func<double[], double> logLikelihood, double[] start)
    {
        var evaluations = 0;
        var seenBest = double.MaxValue;
        Vector<double>? seenAt = null;
        double Objective(Vector<double> logs)
        {
            evaluations++;
            var ll = logLikelihood([.. logs.Select(l => Math.Exp(l))]);
            var value = double.IsFinite(ll) ? -ll : double.MaxValue;
            if (value < seenBest)
            {
                // Kept so a run that ends on its iteration limit (walking a ridge towards infinity) still leaves its best point.
                seenBest = value;
                seenAt = logs.Clone();
            }

            return value;
        }

        var point = Vector<double>.Build.DenseOfEnumerable(start.Select(s => Math.Log(s)));
        var best = Objective(point);
        var converged = false;
        for (var restart = 0; restart < 20; restart++)
        {
            var solver = new NelderMeadSimplex(1e-12, 20_000);
            MinimizationResult result;
            try
            {
                result = solver.FindMinimum(ObjectiveFunction.Value(Objective), point);
            }
            catch (MaximumIterationsException)
            {
                if (seenAt is not null && seenBest < best)
                {
                    point = seenAt;
                    best = seenBest;
                }

                break;
            }

            var improvement = best - result.FunctionInfoAtMinimum.Value;
            point = result.MinimizingPoint;
            best = Math.Min(best, result.FunctionInfoAtMinimum.Value);
            if (improvement < 1e-9)
            {
                converged = true;
                break;
            }
        }

        return ([.. point.Select(l => Math.Exp(l))], new FitQuality(-best, evaluations, converged));
    }
}
