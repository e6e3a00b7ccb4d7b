using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;

namespace Kozuchi.Bench;

/// <summary>
/// Bulk segment evaluation over a million customer profiles, beside DuckDB evaluating the same rules as SQL over the
/// same profiles in the same run (member counts and the first and last member must agree): the dormant-reactivation
/// audience, and the 優良顧客の離脱防止 audience (churn risk high and predicted CLV in the top 20 %) over profiles
/// carrying the day's predictions, fitted as the report pass fits them.
/// </summary>
internal static class SegmentBench
{
    private const string Dormant = """
        { "type": "and", "rules": [
            { "type": "daysSinceLastOrder", "min": 120 },
            { "type": "frequency", "min": 2 },
            { "type": "monetary", "min": 10000 },
            { "type": "reachable", "channel": "email" } ] }
        """;

    private const string VipSlipping = """
        { "type": "and", "rules": [
            { "type": "churnRisk", "bands": ["high"] },
            { "type": "clvTop", "percent": 20 } ] }
        """;

    public static void Run(int customers)
    {
        Console.WriteLine($"# segments: {customers:N0} customers; rules: dormant ≥ 120 days, F ≥ 2, M ≥ 10,000, reachable by email; churn risk high and predicted CLV top 20 %");
        var shop = ShopTime.Tokyo;
        var now = new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);
        var context = new SegmentContext(now, shop);
        var profiles = Profiles(customers, now);

        // The predictions as the report pass makes them: one fit (on a fixed 100,000-customer sample), every customer's outlook.
        var clock = Stopwatch.StartNew();
        var summaries = profiles.Select(p => Summary(p, context.Today, shop)).ToList();
        var fit = ClvFit.Of(summaries, ClvFit.DefaultSampleLimit) ?? throw new InvalidOperationException("no repeat buyers");
        var set = CustomerPredictions.ForDay(context.Today, summaries, fit, ChurnRiskThresholds.Default);
        var predicting = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var withPredictions = set.Attach(profiles).ToList();
        var attaching = clock.Elapsed.TotalSeconds;

        var csv = Path.Combine(Path.GetTempPath(), $"kozuchi-segment-{customers}-{Environment.ProcessId}.csv");
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine("customer_id,last_day,frequency,monetary,can_email,churn_risk,clv_top_percent");
            foreach (var p in withPredictions)
            {
                var day = shop.Today(p.LastOrderAt!.Value);
                var band = p.Prediction?.ChurnRisk?.ToString().ToLowerInvariant() ?? string.Empty;
                var rank = p.Prediction?.ClvTopPercent?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.CustomerId},{day:yyyy-MM-dd},{p.Frequency},{p.Monetary},{p.Reachability.CanEmail},{band},{rank}"));
            }
        }

        try
        {
            var dormant = Measure(Dormant, withPredictions, context);
            var vip = Measure(VipSlipping, withPredictions, context);
            var duckDormant = DuckDb(csv, $"date_diff('day', last_day, DATE '{context.Today:yyyy-MM-dd}') >= 120 AND frequency >= 2 AND monetary >= 10000 AND can_email");
            var duckVip = DuckDb(csv, "churn_risk = 'high' AND clv_top_percent < 20");
            Same("dormant", dormant.Members, duckDormant.Members);
            Same("vip-slipping", vip.Members, duckVip.Members);

            Report.Line("segment evaluation, dormant rule, over all profiles (compiled rule), best of 3", dormant.Seconds, "s", $"{dormant.Members.Count:N0} members; target < 2 s");
            Report.Line("reference: DuckDB SQL with the same rule over the same profiles (CSV), best of 3", duckDormant.Seconds, "s", "same members");
            Report.Line("segment evaluation, churn risk high AND predicted CLV top 20 %, over all profiles with predictions, best of 3", vip.Seconds, "s", $"{vip.Members.Count:N0} members; target < 2 s");
            Report.Line("reference: DuckDB SQL with the same rule over the same profiles and predictions (CSV), best of 3", duckVip.Seconds, "s", "same members");
            Report.Line("predictions: BG/NBD + Gamma-Gamma fit (100,000-customer sample) and every customer's P(alive), 90/365-day orders, 12-month CLV, band and rank", predicting, "s",
                string.Create(CultureInfo.InvariantCulture, $"r {fit.Model.Parameters.R:G4} α {fit.Model.Parameters.Alpha:G4} a {fit.Model.Parameters.A:G4} b {fit.Model.Parameters.B:G4}; high {set.BandCounts()[ChurnRisk.High]:N0}, top-20 % CLV from {set.ClvCutFor(20):N0}"));
            Report.Line("attaching the predictions to every profile (what segment evaluation does before a predictive rule)", attaching, "s");
            Report.Line("peak working set", Report.PeakMegabytes(), "MiB");
        }
        finally
        {
            File.Delete(csv);
        }
    }

    private static List<CustomerProfile> Profiles(int customers, DateTimeOffset now)
    {
        var random = new Random(11);
        var profiles = new List<CustomerProfile>(customers);
        for (var i = 0; i < customers; i++)
        {
            var f = random.NextDouble() < 0.55 ? 1 : random.Next(2, 12);
            var first = now.AddDays(-random.Next(400, 1100));
            var last = f == 1 ? first : now.AddDays(-random.Next(0, 400)).AddMinutes(-random.Next(0, 1440));
            profiles.Add(new CustomerProfile
            {
                CustomerId = $"c{i:D12}",
                Frequency = f,
                Monetary = f * (1000m + (random.Next(0, 90) * 100m)),
                FirstOrderAt = first,
                LastOrderAt = last,
                Reachability = new Reachability { HasEmail = random.NextDouble() < 0.9, EmailOptIn = random.NextDouble() < 0.7 },
            });
        }

        return profiles;
    }

    /// <summary>The repeat summary of a generated profile: one purchase day per order, the repeats at its average value.</summary>
    private static RepeatSummary Summary(CustomerProfile p, DateOnly today, ShopTime shop)
    {
        var first = shop.Today(p.FirstOrderAt!.Value);
        var last = shop.Today(p.LastOrderAt!.Value);
        return new RepeatSummary(p.CustomerId, p.Frequency - 1, (last.DayNumber - first.DayNumber) / 7.0, (today.DayNumber - first.DayNumber) / 7.0, p.Frequency == 1 ? 0 : (double)p.AverageOrderValue);
    }

    private static (List<string> Members, double Seconds) Measure(string rule, List<CustomerProfile> profiles, SegmentContext context)
    {
        var definition = SegmentJson.Parse($$"""{ "id": "bench", "rule": {{rule}} }""").Definition ?? throw new InvalidOperationException("rule does not parse");
        var runs = new List<double>();
        List<string> members = [];
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            members = [.. SegmentEvaluator.Members(definition.Rule, profiles, context)];
            runs.Add(clock.Elapsed.TotalSeconds);
        }

        return (members, runs.Min());
    }

    private static ((long Count, string? First, string? Last) Members, double Seconds) DuckDb(string csv, string where)
    {
        var runs = new List<double>();
        (long, string?, string?) members = default;
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        for (var i = 0; i < 3; i++)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*), min(customer_id), max(customer_id) FROM read_csv('{csv}', header = true, types = {{'churn_risk': 'VARCHAR', 'clv_top_percent': 'DOUBLE'}}) WHERE {where}";
            var clock = Stopwatch.StartNew();
            using var reader = command.ExecuteReader();
            reader.Read();
            members = (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            runs.Add(clock.Elapsed.TotalSeconds);
        }

        return (members, runs.Min());
    }

    private static void Same(string name, List<string> ours, (long Count, string? First, string? Last) duck)
    {
        var sorted = ours.Order(StringComparer.Ordinal).ToList();
        if (duck.Count != sorted.Count || duck.First != sorted.FirstOrDefault() || duck.Last != sorted.LastOrDefault())
        {
            throw new InvalidOperationException($"{name}: {sorted.Count} members ({sorted.FirstOrDefault()}…{sorted.LastOrDefault()}), DuckDB counts {duck.Count} ({duck.First}…{duck.Last}).");
        }
    }
}
