using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kozuchi.Core.Analytics.Clv;

namespace Kozuchi.Functions.Analytics;

/// <summary><c>kozuchi clv fit</c>: BG/NBD (and Gamma-Gamma with monetary values) on an analyst's summary file; no storage needed.</summary>
public static class ClvCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The fitted parameters under the names the papers and the <c>lifetimes</c> package use.</summary>
    public sealed record FitOutput(double R, double Alpha, double A, double B, double? P, double? Q, double? V);

    public static Command Create()
    {
        var summary = new Option<FileInfo>("--summary") { Description = "CSV with columns frequency, recency, T (periods) and optionally monetary_value", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var fit = new Command("fit", "Fit BG/NBD (and Gamma-Gamma when monetary_value is given) by maximum likelihood.") { summary, json };
        fit.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var file = parse.GetValue(summary)!;
            if (!file.Exists)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No such file: {file.FullName}");
                return 2;
            }

            RepeatSummaryFile read;
            using (var reader = new StreamReader(file.FullName))
            {
                read = RepeatSummaryCsv.Read(reader);
            }

            if (!read.Ok)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(read.Error);
                return 2;
            }

            var model = BgNbd.Fit(read.Customers);
            GammaGammaFit? spend = null;
            if (read.HasMonetaryValue && read.Customers.Any(c => c.Frequency > 0 && c.MonetaryValue > 0))
            {
                spend = GammaGamma.Fit(read.Customers);
            }

            var m = model.Parameters;
            var s = spend?.Parameters;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new FitOutput(m.R, m.Alpha, m.A, m.B, s?.P, s?.Q, s?.V), Json));
                return 0;
            }

            var c = CultureInfo.InvariantCulture;
            await output.WriteLineAsync(string.Create(c, $"BG/NBD on {read.Customers.Count:N0} customers (log-likelihood {model.Quality.LogLikelihood:F2}{(model.Quality.Converged ? string.Empty : ", NOT converged")})"));
            await output.WriteLineAsync("parameter      value");
            foreach (var (name, value) in new[] { ("r", m.R), ("alpha", m.Alpha), ("a", m.A), ("b", m.B) })
            {
                await output.WriteLineAsync(string.Create(c, $"{name,-9}{value,11:F4}"));
            }

            if (spend is not null)
            {
                await output.WriteLineAsync(string.Create(c, $"Gamma-Gamma on {spend.Customers:N0} customers with repeat purchases (log-likelihood {spend.Quality.LogLikelihood:F2})"));
                foreach (var (name, value) in new[] { ("p", s!.P), ("q", s.Q), ("v", s.V) })
                {
                    await output.WriteLineAsync(string.Create(c, $"{name,-9}{value,11:F4}"));
                }
            }

            return 0;
        });
        return new Command("clv", "Predictive customer lifetime value (BG/NBD, Gamma-Gamma).") { fit };
    }
}
