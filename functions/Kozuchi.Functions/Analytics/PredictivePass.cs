using System.Globalization;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.NextActions;
using Kozuchi.Core.Segments;

namespace Kozuchi.Functions.Analytics;

/// <summary>One customer as the predictive reports read them: the history of counted orders, the profile and the repeat summary as of the day.</summary>
public sealed record PredictiveRow(string CustomerId, CustomerHistory? History, CustomerProfile Profile, IReadOnlyList<RepeatSummary> Repeat);

/// <summary>
/// The shop's own backtest: the split chosen from its history (the rule in <see cref="SplitRule"/>), the result, or why
/// there is none yet.
/// </summary>
public sealed record ShopBacktest(DateOnly AsOf, LocalizedText SplitRule, ClvBacktestResult? Backtest, LocalizedText? Unavailable);

/// <summary>How the day's predictions spread: customers with one, the churn-risk bands, the CLV a customer needs to be in the top 20 %.</summary>
public sealed record PredictionsSummary(int Customers, int Low, int Medium, int High, decimal? Top20ClvFrom, ChurnRiskThresholds Thresholds);

/// <summary>
/// What the report pass computes besides the reports: the shop's backtest, the day's prediction summary and 次の一手's
/// audiences (members now, reachable, the segment's past). The scenario results 次の一手 also reads change without the
/// customer marker, so they are read per request (<c>NextActionService</c>).
/// </summary>
public sealed record PredictiveReport(int SchemaVersion, DateOnly AsOf, string Currency, ShopBacktest Backtest, PredictionsSummary Predictions, IReadOnlyList<ActionAudience> Audiences);

/// <summary>
/// The predictive part of the report pass, from the rows the pass read anyway (pure: no I/O). One fit serves the CLV
/// report and every customer's predictions. Money figures are in the shop's base currency (<c>Kozuchi__Shop__Currency</c>);
/// customers buying in another are left out of them rather than added in another currency.
/// </summary>
public static class PredictivePass
{
    public const int SchemaVersion = 1;

    public sealed record Result(ClvReports.ClvReport Clv, PredictionSet Predictions, PredictiveReport Report);

    /// <param name="rows">Every customer in table order (the fits sum in that order, so the same table gives the same fit).</param>
    /// <param name="currency">The shop's base currency (<c>Kozuchi__Shop__Currency</c>): its customers alone are fitted and counted.</param>
    public static Result Compute(DateOnly day, IReadOnlyList<PredictiveRow> rows, ShopTime shop, ChurnRiskThresholds thresholds, string currency)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(shop);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(currency);
        var inBase = rows.Where(r => r.Profile.Currency == currency).ToList();
        var repeat = inBase.SelectMany(r => r.Repeat).ToList();
        var fit = ClvFit.Of(repeat, ClvReports.FitSampleLimit);
        var clv = ClvReports.Compute(repeat, fit, day, ClvReports.DefaultHorizonDays, ClvReports.MaxTop, currency);
        var predictions = CustomerPredictions.ForDay(day, repeat, fit, thresholds);

        var histories = inBase.Where(r => r.History is not null).Select(r => (History: r.History!, Current: r.Profile)).ToList();
        var backtest = Backtest(day, histories.Select(h => h.History).ToList(), currency);
        var audiences = Audiences(day, histories, predictions, shop, thresholds, currency);
        var bands = predictions.BandCounts();
        var summary = new PredictionsSummary(predictions.Count, bands[ChurnRisk.Low], bands[ChurnRisk.Medium], bands[ChurnRisk.High], predictions.ClvCutFor(20), thresholds);
        return new Result(clv, predictions, new PredictiveReport(SchemaVersion, day, currency, backtest, summary, audiences));
    }

    private static ShopBacktest Backtest(DateOnly day, IReadOnlyList<CustomerHistory> histories, string currency)
    {
        var rule = new LocalizedText(
            "検証期間は、前日までの購買履歴が 2 年以上あれば直近 52 週（12 か月 CLV と同じ長さ）、それ未満なら履歴の後半（週単位）です。その前の期間だけで学習し、検証期間の購買と比べます。",
            "The holdout is the last 52 weeks up to yesterday (the 12-month CLV's horizon) with two years of history, else the later half of the history in whole weeks; the models are fitted on the period before it only.");
        // A customer whose value is in the base currency may have bought in another too: those orders are not counted.
        var first = histories.SelectMany(h => h.Orders).Where(o => o.Net > 0 && o.Currency == currency).Select(o => (DateOnly?)o.Day).Min();
        if (first is not { } start || BacktestSplit.Choose(start, day) is not { } split)
        {
            return new ShopBacktest(day, rule, null, new LocalizedText(
                string.Create(CultureInfo.InvariantCulture, $"購買履歴が {BacktestSplit.MinimumHistoryDays / 7} 週に満たないため、まだ検証できません。"),
                string.Create(CultureInfo.InvariantCulture, $"Less than {BacktestSplit.MinimumHistoryDays / 7} weeks of purchase history: nothing to test the predictions on yet.")));
        }

        var result = ClvBacktest.Run(histories.Select(h => h.Orders.Where(o => o.Currency == currency).Select(o => (o.Day, o.Net))), split.CalibrationEnd, split.HoldoutEnd, ClvReports.DaysPerPeriod, ClvReports.FitSampleLimit, currency);
        return new ShopBacktest(day, rule, result, null);
    }

    private static List<ActionAudience> Audiences(DateOnly day, List<(CustomerHistory History, CustomerProfile Current)> customers, PredictionSet predictions, ShopTime shop, ChurnRiskThresholds thresholds, string currency)
    {
        var candidates = ActionCatalog.All;
        var now = CountNow(candidates, predictions.Attach(customers.Select(c => c.Current)), shop, day, currency);
        var pastPredictions = new Dictionary<DateOnly, PredictionSet>();
        var audiences = new List<ActionAudience>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var since = ActionAudiences.Since(day, candidate.WindowDays);
            PredictionSet? then = null;
            if (candidate.Segment.Rule.ReadsPredictions() && !pastPredictions.TryGetValue(since, out then))
            {
                // The segment as the models saw it then: fitted on the purchases up to that day only.
                var summaries = ActionAudiences.SummariesAsOf(customers.Select(c => c.History), since);
                then = CustomerPredictions.ForDay(since, summaries, ClvFit.Of(summaries, ClvReports.FitSampleLimit), thresholds);
                pastPredictions[since] = then;
            }

            audiences.Add(new ActionAudience(candidate.Id, now[i].Members, now[i].Reachable, ActionAudiences.Measure(candidate, since, customers, shop, then, currency)));
        }

        return audiences;
    }

    private static IReadOnlyList<(int Members, int Reachable)> CountNow(IReadOnlyList<ActionCandidate> candidates, IEnumerable<CustomerProfile> profiles, ShopTime shop, DateOnly day, string currency) =>
        ActionAudiences.CountNow(candidates, profiles, new SegmentContext(Kozuchi.Core.Scenarios.ShopClock.At(shop, day, new TimeOnly(12, 0)), shop) { Currency = currency });
}
