using System.Diagnostics;
using System.Globalization;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Analytics;

namespace Kozuchi.Bench;

/// <summary>
/// The CLV report as <c>GET /api/reports/clv</c> computes it (BG/NBD and Gamma-Gamma fitted by maximum likelihood,
/// then every customer's outlook) over <c>--customers</c> generated customers (the reports bench's generator), beside
/// the cost of one log-likelihood evaluation over the same customers (what each optimiser step pays).
/// </summary>
internal static class ClvBench
{
    public static void Run(int customers)
    {
        var shop = ShopTime.Tokyo;
        var today = shop.Today(TimeProvider.System.GetUtcNow());
        Console.WriteLine($"# clv: {customers:N0} customers, as of {today:yyyy-MM-dd} (Tokyo)");
        var summaries = new List<RepeatSummary>(customers);
        foreach (var record in ReportsBench.Customers(customers, today))
        {
            summaries.AddRange(RepeatSummaries.FromCustomers([record], today, shop, ClvReports.DaysPerPeriod));
        }

        var distinct = summaries.Select(s => (s.Frequency, s.Recency, s.T)).Distinct().Count();
        var clock = Stopwatch.StartNew();
        var one = BgNbd.LogLikelihood(new BgNbdParameters(0.5, 5, 0.8, 2.5), summaries);
        var evaluation = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var report = ClvReports.Compute(summaries, today, ClvReports.DefaultHorizonDays, ClvReports.MaxTop);
        var seconds = clock.Elapsed.TotalSeconds;
        var fit = report.BgNbd;
        Report.Line("CLV report (BG/NBD + Gamma-Gamma fits, every customer's outlook)", seconds, "s",
            string.Create(CultureInfo.InvariantCulture, $"{report.Customers:N0} customers, {distinct:N0} distinct (x, t_x, T); r {fit?.R:G4} α {fit?.Alpha:G4} a {fit?.A:G4} b {fit?.B:G4}, converged {fit?.Converged}; at risk {report.AtRisk:N0}"));
        Report.Line("reference: one BG/NBD log-likelihood evaluation over every customer", evaluation, "s", string.Create(CultureInfo.InvariantCulture, $"LL {one:G6}"));
        Report.Line("peak working set", Report.PeakMegabytes(), "MiB");
    }
}
