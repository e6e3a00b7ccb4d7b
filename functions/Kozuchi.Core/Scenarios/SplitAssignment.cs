using System.Text;

namespace Kozuchi.Core.Scenarios;

/// <summary>
/// Deterministic A/B/n assignment: a customer's arm is a function of scenario id, split step id and customer id
/// only, so re-evaluating (a retried message, a re-entry, a rebuilt state) always gives the same arm and no
/// assignment needs storing before it is used.
/// </summary>
public static class SplitAssignment
{
    /// <summary>Buckets per 100 %: weights are whole percent, so 10,000 buckets leave rounding far below any test's power.</summary>
    public const int Buckets = 10_000;

    /// <summary>The arm name (or <see cref="SplitStep.HoldoutArm"/>) for the customer.</summary>
    public static string Assign(SplitStep split, string scenarioId, string customerId)
    {
        ArgumentNullException.ThrowIfNull(split);
        var bucket = Bucket(scenarioId, split.Id, customerId);
        var upper = 0;
        foreach (var arm in split.Arms)
        {
            upper += arm.Weight * (Buckets / 100);
            if (bucket < upper)
            {
                return arm.Name;
            }
        }

        // Weights are validated to sum to 100; any remainder (holdout, or rounding in an invalid definition) is held out.
        return split.Holdout is not null || split.Arms.Count == 0 ? SplitStep.HoldoutArm : split.Arms[^1].Name;
    }

    /// <summary>A uniform bucket in [0, <see cref="Buckets"/>): FNV-1a over the UTF-8 key, then a 64-bit finaliser so nearby ids spread.</summary>
    public static int Bucket(string scenarioId, string splitId, string customerId)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes($"{scenarioId}\u001f{splitId}\u001f{customerId}"))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (int)(hash % Buckets);
    }
}
