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
}
