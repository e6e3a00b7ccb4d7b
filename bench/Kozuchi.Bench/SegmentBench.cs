using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;

namespace Kozuchi.Bench;

/// <summary>
/// Bulk segment evaluation over a million customer profiles (the dormant-reactivation audience), beside DuckDB
/// evaluating the same rule as SQL over the same profiles in the same run. Member counts must agree.
/// </summary>
internal static class SegmentBench
{
    private const string Rule = """
        { "type": "and", "rules": [
            { "type": "daysSinceLastOrder", "min": 120 },
            { "type": "frequency", "min": 2 },
            { "type": "monetary", "min": 10000 },
            { "type": "reachable", "channel": "email" } ] }
        """;

    public static void Run(int customers)
    {
        Console.WriteLine($"# segments: {customers:N0} customers, rule: dormant ≥ 120 days, F ≥ 2, M ≥ 10,000, reachable by email");
        var shop = ShopTime.Tokyo;
        var now = new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);
        var random = new Random(11);
        var profiles = new List<CustomerProfile>(customers);
        for (var i = 0; i < customers; i++)
        {
            var f = random.NextDouble() < 0.55 ? 1 : random.Next(2, 12);
            profiles.Add(new CustomerProfile
            {
                CustomerId = $"c{i:D12}",
                Frequency = f,
                Monetary = f * (1000m + (random.Next(0, 90) * 100m)),
                FirstOrderAt = now.AddDays(-random.Next(400, 1100)),
                LastOrderAt = now.AddDays(-random.Next(0, 400)).AddMinutes(-random.Next(0, 1440)),
                Reachability = new Reachability { HasEmail = random.NextDouble() < 0.9, EmailOptIn = random.NextDouble() < 0.7 },
            });
        }

        var definition = SegmentJson.Parse($$"""{ "id": "dormant", "rule": {{Rule}} }""").Definition ?? throw new InvalidOperationException("rule does not parse");
        var context = new SegmentContext(now, shop);
        var runs = new List<double>();
        var members = 0;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            members = SegmentEvaluator.Members(definition.Rule, profiles, context).Count();
            runs.Add(clock.Elapsed.TotalSeconds);
        }

        var csv = Path.Combine(Path.GetTempPath(), $"kozuchi-segment-{customers}.csv");
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine("customer_id,last_day,frequency,monetary,can_email");
            foreach (var p in profiles)
            {
                var day = shop.Today(p.LastOrderAt!.Value);
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.CustomerId},{day:yyyy-MM-dd},{p.Frequency},{p.Monetary},{p.Reachability.CanEmail}"));
            }
        }

        var duckRuns = new List<double>();
        long duckMembers = 0;
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            for (var i = 0; i < 3; i++)
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"""
                    SELECT count(*) FROM read_csv('{csv}', header = true)
                    WHERE date_diff('day', last_day, DATE '{context.Today:yyyy-MM-dd}') >= 120 AND frequency >= 2 AND monetary >= 10000 AND can_email
                    """;
                var clock = Stopwatch.StartNew();
                duckMembers = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                duckRuns.Add(clock.Elapsed.TotalSeconds);
            }
        }

        File.Delete(csv);
        if (duckMembers != members)
        {
            throw new InvalidOperationException($"Segment has {members} members, DuckDB counts {duckMembers}.");
        }

        Report.Line("segment evaluation over all profiles (compiled rule), best of 3", runs.Min(), "s", $"{members:N0} members; target < 2 s");
        Report.Line("reference: DuckDB SQL with the same rule over the same profiles (CSV), best of 3", duckRuns.Min(), "s", "same member count");
    }
}
