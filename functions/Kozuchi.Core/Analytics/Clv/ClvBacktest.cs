namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// Customers who made <see cref="X"/> repeat purchases in the calibration period (the last row, <see cref="Label"/>
/// "7+", holds every x ≥ 7): how many they are, the purchases the model expected of them in the holdout and how many
/// they made.
/// </summary>
public sealed record BacktestBucket(int X, string Label, int Customers, double Predicted, int Actual);

/// <summary>
/// The BG/NBD and Gamma-Gamma parameters the backtest fitted on the calibration period (Gamma-Gamma's are null when it
/// could not be fitted): the shop's live models. Every model's own parameters are in <see cref="ClvBacktestResult.Models"/>.
/// </summary>
public sealed record BacktestModel(double R, double Alpha, double A, double B, double LogLikelihood, bool Converged, double? P, double? Q, double? V, int? SpendCustomers);

/// <summary>The repeat-purchase models a backtest can forecast with, by the names the CLI and the JSON use.</summary>
public enum RepeatPurchaseModel
{
    /// <summary>"bg-nbd": <see cref="Clv.BgNbd"/>, the model the shop's predictions use.</summary>
    BgNbd,

    /// <summary>"pareto-nbd": <see cref="Clv.ParetoNbd"/>.</summary>
    ParetoNbd,
}

/// <summary>
/// One model's holdout forecast: its parameters and fit, the purchases it predicted (in all and for x = 0 … 6, 7+ as
/// in <see cref="ClvBacktestResult.ByFrequency"/>) and revenue (its expected purchases × Gamma-Gamma's expected value).
/// </summary>
public sealed record BacktestForecast(
    string Name,
    IReadOnlyDictionary<string, double> Parameters,
    double LogLikelihood,
    bool Converged,
    double PredictedHoldoutPurchases,
    double? PredictedHoldoutRevenue,
    double? PurchaseError,
    double? RevenueError,
    IReadOnlyList<double> PredictedByFrequency);

/// <summary>
/// A holdout test of the repeat-purchase models: fitted on the purchases up to <see cref="CalibrationEnd"/>, their
/// prediction for the purchases after it up to and including <see cref="HoldoutEnd"/> next to what happened.
/// <see cref="Customers"/> are the customers whose first purchase falls in the calibration period (the only ones the
/// model predicts); customers born in the holdout are left out of both sides and counted in <see cref="BornInHoldout"/>.
/// Predicted figures are null when the calibration period has no repeat purchase to fit on; predicted revenue is null
/// without a usable spend model. Revenue is in <see cref="Currency"/>, the one currency the purchases were in. The
/// predicted figures are <see cref="ForecastModel"/>'s; <see cref="Models"/> holds each fitted model's forecast side by side.
/// </summary>
public sealed record ClvBacktestResult(
    int Customers,
    DateOnly CalibrationEnd,
    DateOnly HoldoutEnd,
    double? PredictedHoldoutPurchases,
    int ActualHoldoutPurchases,
    double? PredictedHoldoutRevenue,
    decimal ActualHoldoutRevenue,
    IReadOnlyList<BacktestBucket> ByFrequency,
    double CalibrationWeeks,
    double HoldoutWeeks,
    int RepeatCustomers,
    int BornInHoldout,
    BacktestModel? Model,
    string Currency = "JPY",
    string ForecastModel = ClvBacktest.BgNbdName,
    IReadOnlyList<BacktestForecast>? Models = null)
{
    /// <summary>How far to trust the predictions, from this result (levels and wording in <see cref="ClvTrust"/>).</summary>
    public ClvTrust Trust => ClvTrust.Assess(this);

    /// <summary>(predicted − actual) / actual for the purchase count; null without a prediction or without actual purchases.</summary>
    public double? PurchaseError => PredictedHoldoutPurchases is { } p && ActualHoldoutPurchases > 0 ? (p - ActualHoldoutPurchases) / ActualHoldoutPurchases : null;

    /// <summary>(predicted − actual) / actual for revenue.</summary>
    public double? RevenueError => PredictedHoldoutRevenue is { } p && ActualHoldoutRevenue > 0 ? (p - (double)ActualHoldoutRevenue) / (double)ActualHoldoutRevenue : null;
}

/// <summary>
/// The backtest the shop reads to know how far to trust the predictions: BG/NBD and Gamma-Gamma fitted on the
/// calibration period only, each customer's conditional expectation for the holdout (Fader, Hardie &amp; Lee 2005,
/// equation 10) summed and compared with the purchases made. A purchase is a distinct (customer, day) with a value
/// above zero — several orders on one day are one buying occasion, a refunded or free order is none — and each
/// customer is born at their first purchase: the models count the repeat purchases after it, in weeks.
/// </summary>
public static class ClvBacktest
{
    /// <summary>Rows of <see cref="ClvBacktestResult.ByFrequency"/>: x = 0 … 6 and 7+.</summary>
    public const int OpenBucket = 7;

    public const string BgNbdName = "bg-nbd";
    public const string ParetoNbdName = "pareto-nbd";

    public static string NameOf(RepeatPurchaseModel model) => model == RepeatPurchaseModel.ParetoNbd ? ParetoNbdName : BgNbdName;

    /// <summary>Groups flat purchases by customer and runs the backtest.</summary>
    public static ClvBacktestResult Run(IEnumerable<Purchase> purchases, DateOnly calibrationEnd, DateOnly holdoutEnd, double daysPerPeriod = 7, int fitSampleLimit = int.MaxValue, string currency = "JPY", RepeatPurchaseModel forecast = RepeatPurchaseModel.BgNbd, bool compare = false)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        return Run(purchases.GroupBy(p => p.CustomerId, StringComparer.Ordinal).Select(g => g.Select(p => (p.Day, p.Value))), calibrationEnd, holdoutEnd, daysPerPeriod, fitSampleLimit, currency, forecast, compare);
    }

    /// <summary>
    /// The backtest over customers given one by one (each enumerable is one customer's purchases, any order), so a caller
    /// that already holds each customer's orders does not build one list of every purchase. The predicted figures are
    /// <paramref name="forecast"/>'s; BG/NBD (the shop's live model) is always fitted, the Pareto/NBD — whose
    /// likelihood costs several times more — when it forecasts or when <paramref name="compare"/> asks for both.
    /// </summary>
    public static ClvBacktestResult Run(IEnumerable<IEnumerable<(DateOnly Day, decimal Value)>> customers, DateOnly calibrationEnd, DateOnly holdoutEnd, double daysPerPeriod = 7, int fitSampleLimit = int.MaxValue, string currency = "JPY", RepeatPurchaseModel forecast = RepeatPurchaseModel.BgNbd, bool compare = false)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(daysPerPeriod);
        if (holdoutEnd <= calibrationEnd)
        {
            throw new ArgumentException($"The holdout end ({holdoutEnd:yyyy-MM-dd}) must come after the calibration end ({calibrationEnd:yyyy-MM-dd}).", nameof(holdoutEnd));
        }

        var calibration = new List<RepeatSummary>();
        var holdoutCounts = new List<int>();
        var actualRevenue = 0m;
        var bornInHoldout = 0;
        DateOnly? earliest = null;
        var index = 0;
        foreach (var customer in customers)
        {
            var days = new SortedDictionary<DateOnly, decimal>();
            foreach (var (day, value) in customer)
            {
                if (value > 0 && day <= holdoutEnd)
                {
                    days[day] = days.GetValueOrDefault(day) + value;
                }
            }

            if (days.Count == 0)
            {
                continue;
            }

            var first = days.Keys.First();
            if (first > calibrationEnd)
            {
                bornInHoldout++;
                continue;
            }

            earliest = earliest is { } e && e <= first ? e : first;
            int repeats = 0, holdout = 0;
            DateOnly last = first;
            decimal repeatValue = 0;
            foreach (var (day, value) in days)
            {
                if (day > calibrationEnd)
                {
                    holdout++;
                    actualRevenue += value;
                }
                else if (day != first)
                {
                    repeats++;
                    repeatValue += value;
                    last = day;
                }
            }

            // Ids only need to be distinct here: the fit sample is drawn by their hash, so a stable per-run index will do.
            calibration.Add(new RepeatSummary(
                index++.ToString(System.Globalization.CultureInfo.InvariantCulture),
                repeats,
                (last.DayNumber - first.DayNumber) / daysPerPeriod,
                (calibrationEnd.DayNumber - first.DayNumber) / daysPerPeriod,
                repeats == 0 ? 0 : (double)(repeatValue / repeats)));
            holdoutCounts.Add(holdout);
        }

        var horizon = (holdoutEnd.DayNumber - calibrationEnd.DayNumber) / daysPerPeriod;
        var calibrationWeeks = earliest is { } start ? (calibrationEnd.DayNumber - start.DayNumber) / 7.0 : 0;
        var fit = calibration.Count == 0 ? null : ClvFit.Of(calibration, fitSampleLimit);

        var spend = fit?.UsableSpend;
        var forecasters = new List<Forecaster>();
        if (fit is not null)
        {
            var bg = fit.Model.Parameters;
            forecasters.Add(new Forecaster(
                BgNbdName,
                new Dictionary<string, double> { ["r"] = bg.R, ["alpha"] = bg.Alpha, ["a"] = bg.A, ["b"] = bg.B },
                fit.Model.Quality,
                s => BgNbd.ExpectedPurchases(bg, horizon, s.Frequency, s.Recency, s.T)));
            if (forecast == RepeatPurchaseModel.ParetoNbd || compare)
            {
                var pareto = ParetoNbd.Fit(RepeatSummaries.FitSample(calibration, fitSampleLimit));
                var pn = pareto.Parameters;
                forecasters.Add(new Forecaster(
                    ParetoNbdName,
                    new Dictionary<string, double> { ["r"] = pn.R, ["alpha"] = pn.Alpha, ["s"] = pn.S, ["beta"] = pn.Beta },
                    pareto.Quality,
                    s => ParetoNbd.ExpectedPurchases(pn, horizon, s.Frequency, s.Recency, s.T)));
            }
        }

        var actualByBucket = new int[OpenBucket + 1];
        var customersByBucket = new int[OpenBucket + 1];
        for (var i = 0; i < calibration.Count; i++)
        {
            var s = calibration[i];
            var bucket = Math.Min(s.Frequency, OpenBucket);
            customersByBucket[bucket]++;
            actualByBucket[bucket] += holdoutCounts[i];
            double? value = spend is null ? null : GammaGamma.ExpectedAverageValue(spend, s.Frequency, s.MonetaryValue);
            foreach (var f in forecasters)
            {
                f.Add(bucket, f.Expect(s), value);
            }
        }

        var actual = holdoutCounts.Sum();
        var forecasts = forecasters.Select(f => f.Result(actual, actualRevenue, spend is not null)).ToList();
        var chosen = forecasts.Find(f => f.Name == NameOf(forecast));
        var buckets = Enumerable.Range(0, OpenBucket + 1)
            .Select(x => new BacktestBucket(x, x == OpenBucket ? $"{OpenBucket}+" : x.ToString(System.Globalization.CultureInfo.InvariantCulture), customersByBucket[x], chosen?.PredictedByFrequency[x] ?? 0, actualByBucket[x]))
            .ToList();
        var model = fit is null ? null : Describe(fit);
        return new ClvBacktestResult(
            calibration.Count,
            calibrationEnd,
            holdoutEnd,
            chosen?.PredictedHoldoutPurchases,
            actual,
            chosen?.PredictedHoldoutRevenue,
            actualRevenue,
            buckets,
            calibrationWeeks,
            horizon * daysPerPeriod / 7,
            calibration.Count(s => s.Frequency > 0),
            bornInHoldout,
            model,
            currency,
            NameOf(forecast),
            forecasts);
    }

    /// <summary>One model's running sums over the customers.</summary>
    private sealed class Forecaster(string name, IReadOnlyDictionary<string, double> parameters, FitQuality quality, Func<RepeatSummary, double> expect)
    {
        private readonly double[] _byBucket = new double[OpenBucket + 1];
        private double _purchases;
        private double _revenue;

        public Func<RepeatSummary, double> Expect { get; } = expect;

        public void Add(int bucket, double expected, double? value)
        {
            _purchases += expected;
            _byBucket[bucket] += expected;
            _revenue += expected * (value ?? 0);
        }

        public BacktestForecast Result(int actualPurchases, decimal actualRevenue, bool withRevenue)
        {
            double? revenue = withRevenue ? _revenue : null;
            return new BacktestForecast(
                name,
                parameters,
                quality.LogLikelihood,
                quality.Converged,
                _purchases,
                revenue,
                actualPurchases > 0 ? (_purchases - actualPurchases) / actualPurchases : null,
                revenue is { } r && actualRevenue > 0 ? (r - (double)actualRevenue) / (double)actualRevenue : null,
                [.. _byBucket]);
        }
    }

    private static BacktestModel Describe(ClvFit fit)
    {
        var m = fit.Model.Parameters;
        var s = fit.Spend?.Parameters;
        return new BacktestModel(m.R, m.Alpha, m.A, m.B, fit.Model.Quality.LogLikelihood, fit.Model.Quality.Converged, s?.P, s?.Q, s?.V, fit.Spend?.Customers);
    }
}

/// <summary>The calibration and holdout periods chosen for a shop's own backtest.</summary>
public sealed record BacktestSplit(DateOnly CalibrationEnd, DateOnly HoldoutEnd)
{
    /// <summary>Less history than this (16 weeks) leaves too little on either side to judge the models.</summary>
    public const int MinimumHistoryDays = 16 * 7;

    /// <summary>
    /// The split for a shop whose first purchase was on <paramref name="firstPurchase"/>, as of <paramref name="asOf"/>:
    /// the holdout ends on the last complete day (the day before <paramref name="asOf"/>) and lasts 52 weeks when there
    /// are two years of history — the horizon of the 12-month CLV, so the test checks the figure the shop uses — else
    /// half the history in whole weeks, the other half calibrating (as the CDNOW study's 39 + 39 weeks). Null with less
    /// than <see cref="MinimumHistoryDays"/> of history.
    /// </summary>
    public static BacktestSplit? Choose(DateOnly firstPurchase, DateOnly asOf)
    {
        var holdoutEnd = asOf.AddDays(-1);
        var history = holdoutEnd.DayNumber - firstPurchase.DayNumber + 1;
        if (history < MinimumHistoryDays)
        {
            return null;
        }

        var weeks = history / 7;
        var holdoutWeeks = weeks >= 104 ? 52 : weeks / 2;
        return new BacktestSplit(holdoutEnd.AddDays(-7 * holdoutWeeks), holdoutEnd);
    }
}
