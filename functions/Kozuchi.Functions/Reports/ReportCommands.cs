using System.CommandLine;
using System.Text.Json;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Cli;

namespace Kozuchi.Functions.Reports;

/// <summary><c>kozuchi report summary|rfm|precompute</c>: the same reports as the API, for scripts and analysts.</summary>
public static class ReportCommands
{
    // Japanese cell names print as text, not \u escapes: this output is read by people and scripts, not embedded in HTML.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var summary = new Command("summary", "Customers, orders and revenue.") { json };
        summary.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var result = await host.Services.GetRequiredService<ReportService>().SummaryAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(result, Json)
                : $"customers {result.Customers:N0}  orders {result.Orders:N0}  revenue {Currencies.Display(result.Revenue, result.Currency)}  repeat rate {result.RepeatRate:P1}"
                    + string.Concat(result.OtherCurrencies.Select(o => $"\n  also {Currencies.Display(o.Revenue, o.Currency)} in {o.Orders:N0} orders (not added)")));
            return 0;
        });

        var asOf = new Option<string?>("--as-of") { Description = "Day the grid is computed for (YYYY-MM-DD; default today in the shop's zone)" };
        var rfmJson = new Option<bool>("--json") { Description = "Print JSON" };
        var rfm = new Command("rfm", "The RFM grid: customers and revenue per cell.") { asOf, rfmJson };
        rfm.SetAction(async (parse, ct) =>
        {
            if (!ReportService.TryDay(parse.GetValue(asOf), out var day))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("--as-of must be a date YYYY-MM-DD.");
                return 2;
            }

            using var host = await CliHost.StartAsync(ct);
            var grid = await host.Services.GetRequiredService<ReportService>().RfmAsync(day, ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(rfmJson))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(grid, Json));
                return 0;
            }

            await output.WriteLineAsync($"RFM as of {grid.AsOf:yyyy-MM-dd}: {grid.Customers:N0} customers");
            await output.WriteLineAsync("      F1      F2      F3-5    F6-10   F11+");
            foreach (var row in grid.Cells.GroupBy(c => c.R))
            {
                await output.WriteLineAsync($"R{row.Key}  " + string.Concat(row.Select(c => $"{c.Customers,8:N0}")));
            }

            return 0;
        });
        var precompute = new Command("precompute", "Computes today's report set now (unless the stored one is still current) and prints when it was computed.");
        precompute.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var sets = host.Services.GetRequiredService<ReportSets>();
            var set = await sets.CurrentAsync(sets.Today, ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"report set {set.AsOf:yyyy-MM-dd}: {set.Rfm.Customers:N0} customers, computed at {set.ComputedAt:u} in {set.ComputeSeconds:N1} s");
            return 0;
        });
        return new Command("report", "Reports over customers and orders.") { summary, rfm, precompute };
    }
}
