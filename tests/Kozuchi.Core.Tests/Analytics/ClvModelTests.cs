using System.Globalization;
using Kozuchi.Core.Analytics.Clv;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>BG/NBD and Gamma-Gamma against the public CDNOW sample and its published maximum-likelihood fits.</summary>
public sealed class ClvModelTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "cdnow");
    private static readonly DateOnly CalibrationEnd = new(1997, 9, 30);

    private static IReadOnlyList<RepeatSummary> ReadSummary(string file)
    {
        using var reader = new StreamReader(Path.Combine(Data, file));
        var read = RepeatSummaryCsv.Read(reader);
        Assert.True(read.Ok, read.Error);
        return read.Customers;
    }

    private static List<Purchase> RawPurchases() =>
        [.. File.ReadLines(Path.Combine(Data, "CDNOW_sample.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 5)
            .Select(f => new Purchase(
                int.Parse(f[1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
                DateOnly.ParseExact(f[2], "yyyyMMdd", CultureInfo.InvariantCulture),
                decimal.Parse(f[4], CultureInfo.InvariantCulture)))];

    private static void WithinOnePercent(double expected, double actual, string name) =>
        Assert.True(Math.Abs(actual - expected) <= 0.01 * Math.Abs(expected), $"{name}: expected {expected} ± 1%, got {actual}");

    [Fact]
    public void Bg_nbd_fit_on_the_cdnow_summary_reproduces_the_published_parameters()
    {
        var customers = ReadSummary("cdnow_customers_summary.csv");
        Assert.Equal(2357, customers.Count);

        var fit = BgNbd.Fit(customers);

        WithinOnePercent(0.2426, fit.Parameters.R, "r");
        WithinOnePercent(4.4135, fit.Parameters.Alpha, "alpha");
        WithinOnePercent(0.7929, fit.Parameters.A, "a");
        WithinOnePercent(2.4258, fit.Parameters.B, "b");
        Assert.True(fit.Quality.Converged);
        // The paper reports LL = −9582.4 at the optimum.
        Assert.InRange(fit.Quality.LogLikelihood, -9583, -9582);
    }

    [Fact]
    public void Gamma_gamma_fit_on_the_946_cdnow_repeaters_reproduces_the_published_parameters()
    {
        var customers = ReadSummary("cdnow_customers_summary_with_transactions.csv");

        var fit = GammaGamma.Fit(customers);

        Assert.Equal(946, fit.Customers);
        WithinOnePercent(6.25, fit.Parameters.P, "p");
        WithinOnePercent(3.74, fit.Parameters.Q, "q");
        WithinOnePercent(15.45, fit.Parameters.V, "v");
    }

    [Fact]
    public void Summary_computed_from_the_raw_cdnow_transactions_matches_the_published_summary_files()
    {
        var computed = RepeatSummaries.FromPurchases(RawPurchases(), CalibrationEnd).ToDictionary(s => s.CustomerId, StringComparer.Ordinal);
        var published = ReadSummary("cdnow_customers_summary.csv");
        var withValues = ReadSummary("cdnow_customers_summary_with_transactions.csv").ToDictionary(s => s.CustomerId, StringComparer.Ordinal);

        Assert.Equal(published.Count, computed.Count);
        foreach (var p in published)
        {
            var c = computed[p.CustomerId];
            Assert.Equal(p.Frequency, c.Frequency);
            // The files round weeks and dollars to two decimals, half away from zero.
            Assert.Equal(p.Recency, Math.Round(c.Recency, 2, MidpointRounding.AwayFromZero));
            Assert.Equal(p.T, Math.Round(c.T, 2, MidpointRounding.AwayFromZero));
            Assert.Equal((decimal)withValues[p.CustomerId].MonetaryValue, Math.Round((decimal)c.MonetaryValue, 2, MidpointRounding.AwayFromZero));
        }
    }

    [Fact]
    public void Fitted_model_forecasts_the_holdout_repeat_purchases_of_weeks_40_to_78_within_fifteen_percent()
    {
        var purchases = RawPurchases();
        var calibration = RepeatSummaries.FromPurchases(purchases, CalibrationEnd);
        var fit = BgNbd.Fit(calibration);
        var holdoutEnd = CalibrationEnd.AddDays(39 * 7);
        // Purchase occasions (customer-days) in the holdout weeks, counted independently of the summaries.
        var actual = purchases.Where(p => p.Day > CalibrationEnd && p.Day <= holdoutEnd).Select(p => (p.CustomerId, p.Day)).Distinct().Count();

        var forecast = ClvPredictions.Predict(fit.Parameters, null, calibration, 39).Sum(p => p.ExpectedOrders);

        // Measured: 1,653 forecast for 1,882 actual occasions (−12%); the model is known to run slightly under on
        // CDNOW's holdout. The bound catches a broken conditional expectation, not the model's own error.
        Assert.InRange(forecast, actual * 0.85, actual * 1.15);
    }

    [Fact]
    public void Customer_without_repeat_purchases_is_alive_and_one_long_silent_is_less_alive_than_one_recently_seen()
    {
        var p = new BgNbdParameters(0.2426, 4.4135, 0.7929, 2.4258);

        Assert.Equal(1, BgNbd.ProbabilityAlive(p, 0, 0, 38.86));
        var recent = BgNbd.ProbabilityAlive(p, 2, 38, 38.86);
        var silent = BgNbd.ProbabilityAlive(p, 2, 5, 38.86);
        Assert.True(silent < recent, $"{silent} < {recent}");
        Assert.InRange(silent, 0, 1);
        // A recently seen frequent buyer is expected to buy more than the silent one.
        Assert.True(BgNbd.ExpectedPurchases(p, 39, 2, 38, 38.86) > BgNbd.ExpectedPurchases(p, 39, 2, 5, 38.86));
    }

    [Fact]
    public void Conditional_expectation_and_p_alive_of_cdnow_customer_1_match_the_papers_worked_example()
    {
        var p = new BgNbdParameters(0.242593, 4.413532, 0.792886, 2.425752);

        // Fader, Hardie & Lee's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in weeks 40–78.
        Assert.Equal(1.226, BgNbd.ExpectedPurchases(p, 39, 2, 30.43, 38.86), 3);
        // P(alive) = 1/(1 + a/(b+x−1)·((α+T)/(α+t_x))^(r+x)) = 1/(1 + 0.2314·1.2419^2.2426) = 1/(1 + 0.2314·1.6257) ≈ 0.727.
        Assert.Equal(0.727, BgNbd.ProbabilityAlive(p, 2, 30.43, 38.86), 3);
    }

    [Fact]
    public void Conditional_expectation_of_a_customer_with_no_history_at_age_zero_is_the_unconditional_one()
    {
        var p = new BgNbdParameters(0.2426, 4.4135, 0.7929, 2.4258);

        Assert.Equal(BgNbd.ExpectedPurchasesOfNewCustomer(p, 39), BgNbd.ExpectedPurchases(p, 39, 0, 0, 0), 12);
        Assert.Equal(0, BgNbd.ExpectedPurchases(p, 0, 3, 10, 20));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.9)]
    public void Hypergeometric_series_matches_closed_forms(double z)
    {
        // ₂F₁(1,1;2;z) = −ln(1−z)/z and ₂F₁(a,b;b;z) = (1−z)^−a.
        Assert.Equal(-Math.Log(1 - z) / z, Hypergeometric.Gauss2F1(1, 1, 2, z), 12);
        Assert.Equal(Math.Pow(1 - z, -2.5), Hypergeometric.Gauss2F1(2.5, 1.7, 1.7, z), 10);
    }

    [Fact]
    public void Expected_average_value_shrinks_a_customers_mean_towards_the_population_mean()
    {
        var g = new GammaGammaParameters(6, 4, 15);

        // p(v + x·m)/(px + q − 1) = 6·(15 + 2·20)/(12 + 3) = 330/15 = 22; population mean pv/(q−1) = 90/3 = 30.
        Assert.Equal(22, GammaGamma.ExpectedAverageValue(g, 2, 20), 12);
        Assert.Equal(30, GammaGamma.ExpectedAverageValue(g, 0, 0), 12);
        // With many repeats the customer's own mean dominates.
        Assert.InRange(GammaGamma.ExpectedAverageValue(g, 1000, 20), 20, 20.02);
    }

    [Fact]
    public void Prediction_combines_expected_orders_and_expected_order_value()
    {
        var model = new BgNbdParameters(0.2426, 4.4135, 0.7929, 2.4258);
        var spend = new GammaGammaParameters(6.25, 3.74, 15.45);
        var customer = new RepeatSummary("c1", 2, 30.43, 38.86, 22.35);

        var prediction = ClvPredictions.Predict(model, spend, customer, 52);

        Assert.Equal(BgNbd.ExpectedPurchases(model, 52, 2, 30.43, 38.86), prediction.ExpectedOrders, 12);
        Assert.Equal(prediction.ExpectedOrders * prediction.ExpectedAverageValue!.Value, prediction.ExpectedValue!.Value, 9);
        Assert.InRange(prediction.ProbabilityAlive, 0.5, 1);
    }

    [Theory]
    [InlineData("frequency,recency\n1,2\n", "required")]
    [InlineData("frequency,recency,T\n1,5,4\n", "Line 2")]
    [InlineData("frequency,recency,T\n0,1,4\n", "Line 2")]
    [InlineData("frequency,recency,T,monetary_value\n1,2,4,abc\n", "monetary_value")]
    [InlineData("frequency,recency,T\n", "no customers")]
    public void Summary_file_with_missing_columns_or_impossible_rows_is_refused(string csv, string message)
    {
        var read = RepeatSummaryCsv.Read(new StringReader(csv));

        Assert.False(read.Ok);
        Assert.Contains(message, read.Error, StringComparison.Ordinal);
    }
}
