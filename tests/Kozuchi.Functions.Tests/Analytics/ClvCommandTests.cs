using System.CommandLine;
using System.Text.Json;
using Kozuchi.Functions.Cli;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary><c>kozuchi clv fit</c> run in-process on the public CDNOW summaries.</summary>
public sealed class ClvCommandTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await KozuchiCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private static void WithinOnePercent(double expected, JsonElement json, string name)
    {
        var actual = json.GetProperty(name).GetDouble();
        Assert.True(Math.Abs(actual - expected) <= 0.01 * expected, $"{name}: expected {expected} ± 1%, got {actual}");
    }

    [Fact]
    public async Task Clv_fit_prints_the_published_bg_nbd_parameters_as_json_and_no_spend_parameters_without_monetary_values()
    {
        var (exit, output, error) = await RunAsync("clv", "fit", "--summary", Path.Combine(CdnowSample.DataDirectory, "cdnow_customers_summary.csv"), "--json");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        using var json = JsonDocument.Parse(output);
        WithinOnePercent(0.2426, json.RootElement, "r");
        WithinOnePercent(4.4135, json.RootElement, "alpha");
        WithinOnePercent(0.7929, json.RootElement, "a");
        WithinOnePercent(2.4258, json.RootElement, "b");
        Assert.False(json.RootElement.TryGetProperty("p", out _));
    }

    [Fact]
    public async Task Clv_fit_with_monetary_values_also_prints_the_gamma_gamma_parameters()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cdnow-summary-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.csv");
        // The lifetimes column names: frequency, recency, T, monetary_value (from the papers' x, t_x, T, zbar).
        var lines = File.ReadAllLines(Path.Combine(CdnowSample.DataDirectory, "cdnow_customers_summary_with_transactions.csv"));
        await File.WriteAllLinesAsync(file, ["customer_id,frequency,recency,T,monetary_value", .. lines.Skip(1)], TestContext.Current.CancellationToken);
        try
        {
            var (exit, output, _) = await RunAsync("clv", "fit", "--summary", file, "--json");

            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(output);
            WithinOnePercent(0.2426, json.RootElement, "r");
            WithinOnePercent(6.25, json.RootElement, "p");
            WithinOnePercent(3.74, json.RootElement, "q");
            WithinOnePercent(15.45, json.RootElement, "v");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Clv_fit_without_json_prints_a_table_of_the_parameters()
    {
        var (exit, output, _) = await RunAsync("clv", "fit", "--summary", Path.Combine(CdnowSample.DataDirectory, "cdnow_customers_summary_with_transactions.csv"));

        Assert.Equal(0, exit);
        Assert.Contains("BG/NBD on 2,357 customers", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^alpha\s+4\.4\d{3}\s*$", output);
        Assert.Contains("Gamma-Gamma on 946 customers", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^p\s+6\.2\d{3}\s*$", output);
    }

    [Fact]
    public async Task Clv_fit_refuses_a_file_without_the_required_columns()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-summary-{Environment.ProcessId}.csv");
        await File.WriteAllTextAsync(file, "id,orders\n1,2\n", TestContext.Current.CancellationToken);
        try
        {
            var (exit, output, error) = await RunAsync("clv", "fit", "--summary", file, "--json");

            Assert.Equal(2, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains("frequency, recency and T", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static readonly string[] CdnowSplit = ["--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30", "--json"];

    [Fact]
    public async Task Clv_backtest_on_the_cdnow_sample_prints_the_holdout_forecast_beside_the_1882_purchases_made()
    {
        var (exit, output, error) = await RunAsync(["clv", "backtest", "--transactions", Path.Combine(CdnowSample.DataDirectory, "CDNOW_sample.txt"), "--format", "cdnow", .. CdnowSplit]);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(2349, root.GetProperty("customers").GetInt32());
        Assert.Equal("1997-09-30", root.GetProperty("calibrationEnd").GetString());
        Assert.Equal("1998-06-30", root.GetProperty("holdoutEnd").GetString());
        Assert.Equal(1882, root.GetProperty("actualHoldoutPurchases").GetInt32());
        // Measured 1,653.4 (−12.1 %): see docs/ANALYTICS.md, "Backtest".
        Assert.InRange(root.GetProperty("predictedHoldoutPurchases").GetDouble(), 1652.4, 1654.4);
        Assert.Equal(70976.39m, root.GetProperty("actualHoldoutRevenue").GetDecimal());
        Assert.InRange(root.GetProperty("predictedHoldoutRevenue").GetDouble(), 59925, 59936);
        Assert.Equal("USD", root.GetProperty("currency").GetString());
        var rows = root.GetProperty("byFrequency").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], rows.Select(r => r.GetProperty("x").GetInt32()));
        Assert.Equal("7+", rows[7].GetProperty("label").GetString());
        Assert.Equal([1403, 439, 214, 100, 62, 38, 29, 64], rows.Select(r => r.GetProperty("customers").GetInt32()));
        Assert.Equal([334, 306, 298, 156, 157, 112, 112, 407], rows.Select(r => r.GetProperty("actual").GetInt32()));
        Assert.Equal("fair", root.GetProperty("trust").GetProperty("level").GetString());
        Assert.Contains("1,882", root.GetProperty("trust").GetProperty("statement").GetProperty("japanese").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clv_backtest_lists_both_models_and_forecasts_with_the_one_asked_for()
    {
        var cdnow = Path.Combine(CdnowSample.DataDirectory, "CDNOW_sample.txt");
        var (exit, output, error) = await RunAsync(["clv", "backtest", "--transactions", cdnow, "--format", "cdnow", "--model", "pareto-nbd", .. CdnowSplit]);
        var (defaultExit, byDefault, _) = await RunAsync(["clv", "backtest", "--transactions", cdnow, "--format", "cdnow", .. CdnowSplit]);
        var (badExit, _, badError) = await RunAsync(["clv", "backtest", "--transactions", cdnow, "--format", "cdnow", "--model", "nbd", .. CdnowSplit]);

        Assert.Equal((0, 0), (exit, defaultExit));
        Assert.Equal(string.Empty, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("pareto-nbd", root.GetProperty("forecastModel").GetString());
        // Measured 1,665.1 (−11.5 %) by the Pareto/NBD: see docs/ANALYTICS.md, "Backtest".
        Assert.InRange(root.GetProperty("predictedHoldoutPurchases").GetDouble(), 1664.1, 1666.1);
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(["bg-nbd", "pareto-nbd"], models.Select(m => m.GetProperty("name").GetString()));
        Assert.InRange(models[0].GetProperty("predictedHoldoutPurchases").GetDouble(), 1652.4, 1654.4);
        Assert.InRange(models[1].GetProperty("parameters").GetProperty("beta").GetDouble(), 11.667 * 0.99, 11.667 * 1.01);
        Assert.Equal(8, models[1].GetProperty("predictedByFrequency").GetArrayLength());

        using var defaultJson = JsonDocument.Parse(byDefault);
        Assert.Equal("bg-nbd", defaultJson.RootElement.GetProperty("forecastModel").GetString());
        Assert.InRange(defaultJson.RootElement.GetProperty("predictedHoldoutPurchases").GetDouble(), 1652.4, 1654.4);
        Assert.Equal(2, defaultJson.RootElement.GetProperty("models").GetArrayLength());

        Assert.NotEqual(0, badExit);
        Assert.Contains("nbd", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clv_backtest_reads_the_same_purchases_from_the_kozuchi_order_csv()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cdnow-orders-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, CdnowSample.ToKozuchiCsv(), TestContext.Current.CancellationToken);
        try
        {
            var (cdnowExit, cdnow, _) = await RunAsync(["clv", "backtest", "--transactions", Path.Combine(CdnowSample.DataDirectory, "CDNOW_sample.txt"), "--format", "cdnow", .. CdnowSplit]);
            var (exit, orders, error) = await RunAsync(["clv", "backtest", "--transactions", file, .. CdnowSplit]);

            Assert.Equal(0, cdnowExit);
            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, error);
            Assert.Equal(cdnow, orders);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Clv_backtest_never_adds_two_currencies_and_asks_which_one()
    {
        var file = Path.Combine(Path.GetTempPath(), $"two-currencies-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        var csv = CdnowSample.ToKozuchiCsv();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        // Every tenth order in yen: a file a shop with two storefronts might export.
        var mixed = lines.Select((l, i) => i > 0 && i % 10 == 0 ? l.Replace(",USD,", ",JPY,", StringComparison.Ordinal) : l);
        await File.WriteAllLinesAsync(file, mixed, TestContext.Current.CancellationToken);
        try
        {
            var (exit, output, error) = await RunAsync(["clv", "backtest", "--transactions", file, .. CdnowSplit]);
            Assert.Equal(2, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains("JPY, USD", error, StringComparison.Ordinal);
            Assert.Contains("--currency", error, StringComparison.Ordinal);

            var (usdExit, usd, usdError) = await RunAsync(["clv", "backtest", "--transactions", file, "--currency", "USD", .. CdnowSplit]);
            Assert.Equal(0, usdExit);
            Assert.Contains("691 orders left out", usdError, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(usd);
            Assert.Equal("USD", json.RootElement.GetProperty("currency").GetString());
            Assert.True(json.RootElement.GetProperty("actualHoldoutPurchases").GetInt32() < 1882);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Clv_backtest_refuses_a_holdout_that_ends_before_the_calibration_period()
    {
        var (exit, _, error) = await RunAsync("clv", "backtest", "--transactions", Path.Combine(CdnowSample.DataDirectory, "CDNOW_sample.txt"), "--format", "cdnow", "--calibration-end", "1998-01-01", "--holdout-end", "1997-12-31");

        Assert.Equal(2, exit);
        Assert.Contains("must come after", error, StringComparison.Ordinal);
    }
}
