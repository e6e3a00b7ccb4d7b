using System.Globalization;
using Kozuchi.Core.Analytics.Clv;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>The holdout backtest: on the public CDNOW sample (figures pinned) and on a history small enough to count by hand.</summary>
public sealed class ClvBacktestTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "cdnow");

    private static List<Purchase> Cdnow() =>
        [.. File.ReadLines(Path.Combine(Data, "CDNOW_sample.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 5)
            .Select(f => new Purchase(f[1], DateOnly.ParseExact(f[2], "yyyyMMdd", CultureInfo.InvariantCulture), decimal.Parse(f[4], CultureInfo.InvariantCulture)))];

    [Fact]
    public void Cdnow_backtest_fitted_to_september_1997_forecasts_the_holdout_to_june_1998()
    {
        var result = ClvBacktest.Run(Cdnow(), new DateOnly(1997, 9, 30), new DateOnly(1998, 6, 30));

        // 2,357 customers in the sample; 8 of them made a single $0.00 purchase, which is no purchase here (value > 0).
        Assert.Equal(2349, result.Customers);
        Assert.Equal(1882, result.ActualHoldoutPurchases);
        Assert.Equal(70976.39m, result.ActualHoldoutRevenue);
        Assert.Equal(39, result.HoldoutWeeks, 9);
        Assert.Equal(0, result.BornInHoldout);

        // The fit on the calibration period is the published one (r 0.2426, α 4.4135, a 0.7929, b 2.4258) up to the
        // eight $0 customers; Gamma-Gamma on its 946 repeaters, as published (p 6.25, q 3.74, v 15.45).
        var model = result.Model!;
        Assert.InRange(model.R, 0.2426 * 0.99, 0.2426 * 1.01);
        Assert.InRange(model.A, 0.7929 * 0.99, 0.7929 * 1.01);
        Assert.Equal(946, model.SpendCustomers);

        // Measured: 1,653.4 predicted for 1,882 actual (−12.1 %), the BG/NBD's known under-forecast of CDNOW's holdout,
        // which is not within the 10 % the issue hoped for: the figure is pinned as measured, not tuned to a target.
        Assert.InRange(result.PredictedHoldoutPurchases!.Value, 1653.4 - 1, 1653.4 + 1);
        Assert.InRange(result.PurchaseError!.Value, -0.125, -0.115);
        Assert.InRange(result.PredictedHoldoutRevenue!.Value, 59930.5 - 5, 59930.5 + 5);

        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7+"], result.ByFrequency.Select(b => b.Label));
        Assert.Equal([1403, 439, 214, 100, 62, 38, 29, 64], result.ByFrequency.Select(b => b.Customers));
        Assert.Equal([334, 306, 298, 156, 157, 112, 112, 407], result.ByFrequency.Select(b => b.Actual));
        double[] predicted = [317.5, 229.7, 223.5, 152.0, 134.2, 100.9, 101.6, 394.1];
        for (var x = 0; x < predicted.Length; x++)
        {
            Assert.InRange(result.ByFrequency[x].Predicted, predicted[x] - 0.1, predicted[x] + 0.1);
        }

        Assert.Equal(result.PredictedHoldoutPurchases!.Value, result.ByFrequency.Sum(b => b.Predicted), 6);
        Assert.Equal(result.ActualHoldoutPurchases, result.ByFrequency.Sum(b => b.Actual));
    }

    [Fact]
    public void Cdnow_backtest_with_the_pareto_nbd_beside_the_bg_nbd()
    {
        var result = ClvBacktest.Run(Cdnow(), new DateOnly(1997, 9, 30), new DateOnly(1998, 6, 30), forecast: RepeatPurchaseModel.ParetoNbd, compare: true);

        Assert.Equal("pareto-nbd", result.ForecastModel);
        Assert.Equal(["bg-nbd", "pareto-nbd"], result.Models!.Select(m => m.Name));
        var (bg, pareto) = (result.Models![0], result.Models![1]);

        // The calibration fit is the published Pareto/NBD (r 0.5533, α 10.5764, s 0.6061, β 11.6670) up to the eight $0 customers.
        Assert.InRange(pareto.Parameters["r"], 0.5533 * 0.99, 0.5533 * 1.01);
        Assert.InRange(pareto.Parameters["alpha"], 10.5764 * 0.99, 10.5764 * 1.01);
        Assert.InRange(pareto.Parameters["s"], 0.6061 * 0.99, 0.6061 * 1.01);
        Assert.InRange(pareto.Parameters["beta"], 11.667 * 0.99, 11.667 * 1.01);
        Assert.True(pareto.Converged);

        // Measured: 1,665.1 for 1,882 (−11.5 %), no nearer the 10 % than the BG/NBD's 1,653.4 (−12.1 %). It expects
        // less of the one-time buyers (whom it lets lapse, the BG/NBD does not) and more of the repeaters.
        Assert.InRange(pareto.PredictedHoldoutPurchases, 1665.1 - 1, 1665.1 + 1);
        Assert.InRange(pareto.PurchaseError!.Value, -0.12, -0.11);
        Assert.InRange(pareto.PredictedHoldoutRevenue!.Value, 60434.3 - 5, 60434.3 + 5);
        double[] byFrequency = [195.1, 263.4, 255.9, 171.4, 148.7, 110.4, 110.7, 409.6];
        for (var x = 0; x < byFrequency.Length; x++)
        {
            Assert.InRange(pareto.PredictedByFrequency[x], byFrequency[x] - 0.1, byFrequency[x] + 0.1);
        }

        // The top-level figures are the forecasting model's; the BG/NBD's are unchanged beside them.
        Assert.Equal(pareto.PredictedHoldoutPurchases, result.PredictedHoldoutPurchases);
        Assert.Equal(pareto.PredictedByFrequency, result.ByFrequency.Select(b => b.Predicted));
        Assert.Equal(pareto.PurchaseError, result.PurchaseError);
        Assert.InRange(bg.PredictedHoldoutPurchases, 1653.4 - 1, 1653.4 + 1);
        Assert.InRange(result.Model!.A, 0.7929 * 0.99, 0.7929 * 1.01);
    }

    [Fact]
    public void By_default_the_bg_nbd_forecasts_alone()
    {
        var result = ClvBacktest.Run(Cdnow(), new DateOnly(1997, 9, 30), new DateOnly(1998, 6, 30));

        Assert.Equal("bg-nbd", result.ForecastModel);
        var only = Assert.Single(result.Models!);
        Assert.Equal("bg-nbd", only.Name);
        Assert.Equal(result.PredictedHoldoutPurchases, only.PredictedHoldoutPurchases);
        Assert.Equal(result.PredictedHoldoutRevenue, only.PredictedHoldoutRevenue);
        Assert.Equal(result.RevenueError, only.RevenueError);
    }

    [Fact]
    public void Purchases_are_positive_customer_days_and_customers_are_born_at_their_first()
    {
        var cal = new DateOnly(2026, 3, 31);
        var end = new DateOnly(2026, 6, 30);
        Purchase P(string c, int month, int day, decimal value) => new(c, new DateOnly(2026, month, day), value);
        Purchase[] purchases =
        [
            // a: born 1 Jan; 10 Feb twice (one occasion of 300), a refunded order (0) on 1 Mar is no purchase; holdout: 2 days.
            P("a", 1, 1, 100), P("a", 2, 10, 100), P("a", 2, 10, 200), P("a", 3, 1, 0), P("a", 4, 5, 50), P("a", 6, 30, 70),
            // b: born 15 Mar, no repeat; an order after the holdout end does not count.
            P("b", 3, 15, 500), P("b", 7, 1, 500),
            // c: born in the holdout: predicted by nobody, so left out of both sides.
            P("c", 4, 2, 900), P("c", 5, 2, 900),
            // d: only a zero-value order: not a customer.
            P("d", 2, 2, 0),
            // e: born 1 Jan, repeats on 1 Feb, 1 Mar and 31 Mar (the calibration end is inside the calibration), one holdout day.
            P("e", 1, 1, 10), P("e", 2, 1, 20), P("e", 3, 1, 30), P("e", 3, 31, 40), P("e", 4, 1, 5),
        ];

        var result = ClvBacktest.Run(purchases, cal, end);

        Assert.Equal(3, result.Customers);
        Assert.Equal(1, result.BornInHoldout);
        Assert.Equal(2, result.RepeatCustomers);
        Assert.Equal(3, result.ActualHoldoutPurchases);
        Assert.Equal(125m, result.ActualHoldoutRevenue);
        Assert.Equal(13, result.HoldoutWeeks, 9);
        Assert.Equal(89 / 7.0, result.CalibrationWeeks, 9);

        // x: a → 1, b → 0, e → 3.
        Assert.Equal([1, 1, 0, 1, 0, 0, 0, 0], result.ByFrequency.Select(b => b.Customers));
        Assert.Equal([0, 2, 0, 1, 0, 0, 0, 0], result.ByFrequency.Select(b => b.Actual));

        // The prediction is each customer's conditional expectation under the fitted parameters, summed.
        var model = result.Model!;
        var p = new BgNbdParameters(model.R, model.Alpha, model.A, model.B);
        var horizon = 91 / 7.0;
        double[] expected =
        [
            BgNbd.ExpectedPurchases(p, horizon, 1, 40 / 7.0, 89 / 7.0),
            BgNbd.ExpectedPurchases(p, horizon, 0, 0, 16 / 7.0),
            BgNbd.ExpectedPurchases(p, horizon, 3, 89 / 7.0, 89 / 7.0),
        ];
        Assert.Equal(expected.Sum(), result.PredictedHoldoutPurchases!.Value, 9);
        Assert.Equal(expected[0], result.ByFrequency[1].Predicted, 9);
    }

    [Fact]
    public void Without_repeat_purchases_in_the_calibration_period_nothing_is_predicted()
    {
        Purchase[] purchases = [new("a", new DateOnly(2026, 1, 5), 100), new("a", new DateOnly(2026, 5, 5), 100), new("b", new DateOnly(2026, 2, 5), 100)];

        var result = ClvBacktest.Run(purchases, new DateOnly(2026, 3, 31), new DateOnly(2026, 6, 30));

        Assert.Equal(2, result.Customers);
        Assert.Null(result.Model);
        Assert.Null(result.PredictedHoldoutPurchases);
        Assert.Null(result.PredictedHoldoutRevenue);
        Assert.Null(result.PurchaseError);
        Assert.Equal(1, result.ActualHoldoutPurchases);
    }

    [Fact]
    public void A_holdout_that_does_not_follow_the_calibration_period_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ClvBacktest.Run(Array.Empty<Purchase>(), new DateOnly(2026, 3, 31), new DateOnly(2026, 3, 31)));
    }

    private static ClvBacktestResult Result(int customers, double? predicted, int actual) =>
        new(customers, new DateOnly(2025, 6, 30), new DateOnly(2026, 6, 29), predicted, actual, null, 0, [], 52, 52, customers / 3, 0, null);

    [Theory]
    [InlineData(5000, 1050.0, 1000, TrustLevel.Good, "目安として信頼できます")]
    [InlineData(5000, 800.0, 1000, TrustLevel.Fair, "予測は少なめに出ています")]
    [InlineData(5000, 1300.0, 1000, TrustLevel.Poor, "判断の根拠にしないでください")]
    [InlineData(50, 10.0, 9, TrustLevel.Insufficient, "検証に足る購買履歴がまだありません")]
    [InlineData(5000, null, 1000, TrustLevel.Insufficient, "検証に足る購買履歴がまだありません")]
    public void Trust_is_worded_from_the_holdout_error(int customers, double? predicted, int actual, TrustLevel level, string japanese)
    {
        var trust = ClvTrust.Assess(Result(customers, predicted, actual));

        Assert.Equal(level, trust.Level);
        Assert.Contains(japanese, trust.Statement.Japanese, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[\p{IsHiragana}\p{IsKatakana}]", trust.Statement.English);
        if (predicted is { } p && level != TrustLevel.Insufficient)
        {
            Assert.Contains(p.ToString("N0", CultureInfo.InvariantCulture), trust.Statement.Japanese, StringComparison.Ordinal);
            Assert.Contains("2025-07-01〜2026-06-29", trust.Statement.Japanese, StringComparison.Ordinal);
        }
    }

    // 52 weeks (364 days) with two years of history; 180 days of history are 25 whole weeks: 12 held out.
    [Theory]
    [InlineData("2026-06-30", "2024-01-01", "2025-06-30", "2026-06-29")]
    [InlineData("2026-06-30", "2026-01-01", "2026-04-06", "2026-06-29")]
    [InlineData("2026-06-30", "2026-04-01", null, null)]
    public void The_shops_split_holds_out_a_year_with_two_years_of_history_else_half(string asOf, string first, string? calibrationEnd, string? holdoutEnd)
    {
        var split = BacktestSplit.Choose(DateOnly.Parse(first, CultureInfo.InvariantCulture), DateOnly.Parse(asOf, CultureInfo.InvariantCulture));

        Assert.Equal(calibrationEnd, split?.CalibrationEnd.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(holdoutEnd, split?.HoldoutEnd.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }
}
