using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// Every customer's prediction for one day, from one fit, sorted by customer id (ordinal). Segment evaluation attaches
/// them to the profiles it reads (<see cref="Attach"/>), since profiles are folded from orders and carry none.
/// </summary>
public sealed class PredictionSet
{
    private readonly string[] _ids;
    private readonly CustomerPrediction[] _predictions;

    public PredictionSet(DateOnly asOf, ChurnRiskThresholds thresholds, IEnumerable<(string CustomerId, CustomerPrediction Prediction)> predictions)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(predictions);
        AsOf = asOf;
        Thresholds = thresholds;
        var sorted = predictions.ToArray();
        if (!IsSorted(sorted))
        {
            Array.Sort(sorted, (x, y) => string.CompareOrdinal(x.CustomerId, y.CustomerId));
        }

        _ids = [.. sorted.Select(p => p.CustomerId)];
        _predictions = [.. sorted.Select(p => p.Prediction)];
    }

    private static bool IsSorted((string CustomerId, CustomerPrediction Prediction)[] rows)
    {
        for (var i = 1; i < rows.Length; i++)
        {
            if (string.CompareOrdinal(rows[i - 1].CustomerId, rows[i].CustomerId) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An empty set: no fit was possible (nobody has a repeat purchase yet).</summary>
    public static PredictionSet Empty(DateOnly asOf, ChurnRiskThresholds thresholds) => new(asOf, thresholds, []);

    /// <summary>The day the predictions are for (their "today").</summary>
    public DateOnly AsOf { get; }

    public ChurnRiskThresholds Thresholds { get; }

    public int Count => _ids.Length;

    public IEnumerable<(string CustomerId, CustomerPrediction Prediction)> All => _ids.Zip(_predictions);

    public CustomerPrediction? Find(string customerId)
    {
        var i = Array.BinarySearch(_ids, customerId, StringComparer.Ordinal);
        return i >= 0 ? _predictions[i] : null;
    }

    /// <summary>
    /// The profiles with their prediction attached (null for customers without one), in input order. Profiles come
    /// sorted by id from the snapshot, so the lookup walks forward and falls back to a binary search out of order.
    /// </summary>
    public IEnumerable<CustomerProfile> Attach(IEnumerable<CustomerProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var cursor = 0;
        string? previous = null;
        foreach (var profile in profiles)
        {
            var id = profile.CustomerId;
            int found;
            if (previous is null || string.CompareOrdinal(previous, id) <= 0)
            {
                while (cursor < _ids.Length && string.CompareOrdinal(_ids[cursor], id) < 0)
                {
                    cursor++;
                }

                found = cursor < _ids.Length && _ids[cursor] == id ? cursor : -1;
            }
            else
            {
                var i = Array.BinarySearch(_ids, id, StringComparer.Ordinal);
                found = i >= 0 ? i : -1;
                cursor = i >= 0 ? i : ~i;
            }

            previous = id;
            yield return profile with { Prediction = found >= 0 ? _predictions[found] : null };
        }
    }

    /// <summary>
    /// The predicted 12-month CLV a customer needs to be in the top <paramref name="percent"/> % (the lowest CLV among
    /// them), for a builder to show what "top 20 %" means in money; null without CLVs.
    /// </summary>
    public decimal? ClvCutFor(double percent)
    {
        decimal? cut = null;
        foreach (var p in _predictions)
        {
            if (p is { ClvTopPercent: { } rank, Clv12Months: { } clv } && rank < percent && (cut is null || clv < cut))
            {
                cut = clv;
            }
        }

        return cut;
    }

    /// <summary>How many customers are in each churn-risk band (customers without a band are not counted).</summary>
    public IReadOnlyDictionary<ChurnRisk, int> BandCounts() =>
        Enum.GetValues<ChurnRisk>().ToDictionary(b => b, b => _predictions.Count(p => p.ChurnRisk == b));
}
