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
        return new Command("clv", "Predictive customer lifetime value (BG/NBD, Gamma-Gamma).") { fit, Backtest(json) };
    }

    /// <summary><c>kozuchi clv backtest</c>: fits on the calibration period of a transaction file and compares the holdout forecast with what happened.</summary>
    private static Command Backtest(Option<bool> json)
    {
        var transactions = new Option<FileInfo>("--transactions") { Description = "Transactions: the Kozuchi order CSV (--format kozuchi) or the CDNOW sample's layout (--format cdnow)", Required = true };
        var format = new Option<string>("--format") { Description = "kozuchi (default) or cdnow", DefaultValueFactory = _ => "kozuchi" };
        format.AcceptOnlyFromAmong("kozuchi", "cdnow");
        var calibrationEnd = new Option<DateOnly>("--calibration-end") { Description = "Last day of the calibration period (YYYY-MM-DD); the models are fitted on purchases up to and including it", Required = true };
        var holdoutEnd = new Option<DateOnly>("--holdout-end") { Description = "Last day of the holdout period (YYYY-MM-DD), included", Required = true };
        var currency = new Option<string?>("--currency") { Description = "Kozuchi format: keep the orders in this currency (required when the file has several)" };
        var zone = new Option<string>("--time-zone") { Description = "Kozuchi format: the shop's time zone, which decides each order's day", DefaultValueFactory = _ => "Asia/Tokyo" };
        var model = new Option<string>("--model") { Description = "The purchase model whose forecast the top-level figures are: bg-nbd (default, the shop's live model) or pareto-nbd; both are listed under models", DefaultValueFactory = _ => ClvBacktest.BgNbdName };
        model.AcceptOnlyFromAmong(ClvBacktest.BgNbdName, ClvBacktest.ParetoNbdName);
        var command = new Command("backtest", "Fit BG/NBD, Pareto/NBD and Gamma-Gamma on the calibration period only and compare their holdout forecasts with the purchases made.")
        {
            transactions, format, calibrationEnd, holdoutEnd, currency, zone, model, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var file = parse.GetValue(transactions)!;
            var calibration = parse.GetValue(calibrationEnd);
            var holdout = parse.GetValue(holdoutEnd);
            if (!file.Exists)
            {
                await error.WriteLineAsync($"No such file: {file.FullName}");
                return 2;
            }

            if (holdout <= calibration)
            {
                await error.WriteLineAsync($"--holdout-end ({holdout:yyyy-MM-dd}) must come after --calibration-end ({calibration:yyyy-MM-dd}).");
                return 2;
            }

            TimeZoneInfo timeZone;
            try
            {
                timeZone = TimeZoneInfo.FindSystemTimeZoneById(parse.GetValue(zone)!);
            }
            catch (TimeZoneNotFoundException)
            {
                await error.WriteLineAsync($"Unknown time zone: {parse.GetValue(zone)}");
                return 2;
            }

            PurchaseFile read;
            using (var reader = new StreamReader(file.FullName))
            {
                read = parse.GetValue(format) == "cdnow" ? PurchaseFiles.ReadCdnow(reader) : PurchaseFiles.ReadOrders(reader, timeZone, parse.GetValue(currency));
            }

            if (!read.Ok)
            {
                await error.WriteLineAsync(read.Error);
                return 2;
            }

            if (read.Skipped > 0)
            {
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{read.Skipped:N0} orders left out (rejected rows, no customer identifier, or another currency than {read.Currency})."));
            }

            var forecast = parse.GetValue(model) == ClvBacktest.ParetoNbdName ? RepeatPurchaseModel.ParetoNbd : RepeatPurchaseModel.BgNbd;
            var report = ClvBacktest.Run(read.Purchases, calibration, holdout, ClvReports.DaysPerPeriod, currency: read.Currency, forecast: forecast, compare: true);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(report, Json));
                return 0;
            }

            await WriteBacktestAsync(output, report);
            return 0;
        });
        return command;
    }

    private static async Task WriteBacktestAsync(TextWriter output, ClvBacktestResult r)
    {
        var c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(c, $"Calibration to {r.CalibrationEnd:yyyy-MM-dd} ({r.CalibrationWeeks:0.#} weeks), holdout to {r.HoldoutEnd:yyyy-MM-dd} ({r.HoldoutWeeks:0.#} weeks): {r.Customers:N0} customers, {r.RepeatCustomers:N0} with repeat purchases"));
        await output.WriteLineAsync($"forecast by {r.ForecastModel}");
        await output.WriteLineAsync(string.Create(c, $"holdout purchases  predicted {r.PredictedHoldoutPurchases,12:N1}  actual {r.ActualHoldoutPurchases,10:N0}  ({r.PurchaseError,6:P1})"));
        await output.WriteLineAsync(string.Create(c, $"holdout revenue    predicted {r.PredictedHoldoutRevenue,12:N0}  actual {r.ActualHoldoutRevenue,10:N0}  ({r.RevenueError,6:P1}) {r.Currency}"));
        await output.WriteLineAsync("repeats in calibration  customers  predicted  actual");
        foreach (var b in r.ByFrequency)
        {
            await output.WriteLineAsync(string.Create(c, $"{b.Label,22}  {b.Customers,9:N0}  {b.Predicted,9:N1}  {b.Actual,6:N0}"));
        }

        foreach (var m in r.Models ?? [])
        {
            var parameters = string.Join(", ", m.Parameters.Select(p => string.Create(c, $"{p.Key} {p.Value:0.####}")));
            await output.WriteLineAsync(string.Create(c, $"{m.Name,-10}  predicted {m.PredictedHoldoutPurchases,10:N1} ({m.PurchaseError,6:P1})  revenue {m.PredictedHoldoutRevenue,10:N0} ({m.RevenueError,6:P1})  {parameters}"));
        }

        await output.WriteLineAsync(r.Trust.Statement.English);
    }
}
