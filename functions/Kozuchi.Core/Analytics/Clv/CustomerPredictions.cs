using System.Text.Json.Serialization;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>How likely a customer is to have lapsed, as a band of P(alive) (thresholds in <see cref="ChurnRiskThresholds"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChurnRisk>))]
public enum ChurnRisk
{
    [JsonStringEnumMemberName("low")]
    Low,

    [JsonStringEnumMemberName("medium")]
    Medium,

    [JsonStringEnumMemberName("high")]
    High,
}

/// <summary>
/// Where P(alive) is cut into churn-risk bands: high below <see cref="HighBelow"/>, medium below
/// <see cref="MediumBelow"/>, low from there (settings <c>Kozuchi__Clv__ChurnRiskHighBelow</c> and
/// <c>__ChurnRiskMediumBelow</c>).
/// </summary>
public sealed record ChurnRiskThresholds(double HighBelow = ChurnRiskThresholds.DefaultHighBelow, double MediumBelow = ChurnRiskThresholds.DefaultMediumBelow)
{
    /// <summary>Below 0.3 the model gives the customer less than one chance in three of still buying: more likely lapsed than not, by a margin.</summary>
    public const double DefaultHighBelow = 0.3;

    /// <summary>Below 0.6 the customer is as likely as not to have lapsed, give or take: worth watching.</summary>
    public const double DefaultMediumBelow = 0.6;

    public static ChurnRiskThresholds Default { get; } = new();

    /// <summary>Why the thresholds cannot be used, or null: 0 &lt; high ≤ medium ≤ 1.</summary>
    [JsonIgnore]
    public string? Problem => HighBelow is > 0 and <= 1 && MediumBelow is > 0 and <= 1 && HighBelow <= MediumBelow
        ? null
        : $"Churn-risk thresholds need 0 < ChurnRiskHighBelow ({HighBelow}) ≤ ChurnRiskMediumBelow ({MediumBelow}) ≤ 1.";

    public ChurnRisk Band(double probabilityAlive) =>
        probabilityAlive < HighBelow ? ChurnRisk.High : probabilityAlive < MediumBelow ? ChurnRisk.Medium : ChurnRisk.Low;
}

/// <summary>
/// One customer's predictions as segments read them (all as of one day, from one fit):
/// <list type="bullet">
/// <item><see cref="ProbabilityAlive"/>: BG/NBD P(alive).</item>
/// <item><see cref="ExpectedOrders90Days"/> / <see cref="ExpectedOrders365Days"/>: expected purchase days in the next 90 / 365 days.</item>
/// <item><see cref="Clv12Months"/>: expected purchases in the next 365 days × Gamma-Gamma expected value per purchase, undiscounted, in the shop's base currency; null without a usable spend model.</item>
/// <item><see cref="ChurnRisk"/>: the P(alive) band; null for a customer with no repeat purchase, whom BG/NBD always holds alive (it lets customers drop out only after a repeat purchase), so it cannot say.</item>
/// <item><see cref="ClvTopPercent"/>: the share (%) of customers with a strictly higher <see cref="Clv12Months"/>; "top 20 %" is <c>ClvTopPercent &lt; 20</c>. Null without a CLV.</item>
/// </list>
/// </summary>
public sealed record CustomerPrediction(
    double ProbabilityAlive,
    double ExpectedOrders90Days,
    double ExpectedOrders365Days,
    decimal? Clv12Months,
    ChurnRisk? ChurnRisk,
    double? ClvTopPercent);

/// <summary>Every customer's <see cref="CustomerPrediction"/> from one fit.</summary>
public static class CustomerPredictions
{
    /// <summary>
    /// Predictions in the order of <paramref name="summaries"/> (summaries in weeks, <paramref name="daysPerPeriod"/> days each).
    /// Customers with the same history (x, t_x, T) share one evaluation of the expectations, which a million
    /// customers repeat a lot.
    /// </summary>
    public static IReadOnlyList<CustomerPrediction> Compute(IReadOnlyList<RepeatSummary> summaries, ClvFit fit, ChurnRiskThresholds thresholds, double daysPerPeriod = 7)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(thresholds);
        var model = fit.Model.Parameters;
        var spend = fit.UsableSpend;
        var quarter = 90 / daysPerPeriod;
        var year = 365 / daysPerPeriod;
        var byHistory = new Dictionary<(int, double, double), (double Alive, double Quarter, double Year)>();
        var predictions = new CustomerPrediction[summaries.Count];
        var clv = new decimal?[summaries.Count];
        for (var i = 0; i < summaries.Count; i++)
        {
            var s = summaries[i];
            var key = (s.Frequency, s.Recency, s.T);
            if (!byHistory.TryGetValue(key, out var e))
            {
                e = (BgNbd.ProbabilityAlive(model, s.Frequency, s.Recency, s.T),
                    BgNbd.ExpectedPurchases(model, quarter, s.Frequency, s.Recency, s.T),
                    BgNbd.ExpectedPurchases(model, year, s.Frequency, s.Recency, s.T));
                byHistory[key] = e;
            }

            clv[i] = spend is null ? null : Math.Round((decimal)(e.Year * GammaGamma.ExpectedAverageValue(spend, s.Frequency, s.MonetaryValue)), 2);
            predictions[i] = new CustomerPrediction(e.Alive, e.Quarter, e.Year, clv[i], s.Frequency == 0 ? null : thresholds.Band(e.Alive), null);
        }

        if (spend is not null)
        {
            var sorted = clv.Select(v => v!.Value).ToArray();
            Array.Sort(sorted);
            for (var i = 0; i < predictions.Length; i++)
            {
                // Customers with a strictly higher CLV: those after the last position holding this value in ascending order.
                var higher = sorted.Length - UpperBound(sorted, clv[i]!.Value);
                predictions[i] = predictions[i] with { ClvTopPercent = 100.0 * higher / sorted.Length };
            }
        }

        return predictions;
    }

    /// <summary>
    /// Every customer's prediction as one set for the day from <paramref name="fit"/> (made on the same summaries, see
    /// <see cref="ClvFit.Of"/>); empty when there is no fit (nobody has a repeat purchase yet).
    /// </summary>
    public static PredictionSet ForDay(DateOnly asOf, IReadOnlyList<RepeatSummary> summaries, ClvFit? fit, ChurnRiskThresholds thresholds, double daysPerPeriod = 7)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        if (fit is null)
        {
            return PredictionSet.Empty(asOf, thresholds);
        }

        var predictions = Compute(summaries, fit, thresholds, daysPerPeriod);
        return new PredictionSet(asOf, thresholds, summaries.Select((s, i) => (s.CustomerId, predictions[i])));
    }

    /// <summary>The first index whose value is greater than <paramref name="value"/>.</summary>
    private static int UpperBound(decimal[] sorted, decimal value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
