using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using DuckDB.NET.Data;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Rfm;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Bench;

/// <summary>
/// The RFM grid over a million customers as <c>GET /api/reports/rfm</c> computes it (profile snapshot → grid), the
/// first report after a change (parallel table scan that leaves the snapshot), and DuckDB computing the same grid
/// with SQL over the same profiles in the same run. The grids must agree cell for cell.
/// </summary>
internal static class RfmBench
{
    // Today's grid is the one the dashboard opens with (a past date refolds every customer's orders instead).
    private static readonly DateOnly AsOf = new ShopTime(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).Today(TimeProvider.System.GetUtcNow());

    public static async Task RunAsync(int customers)
    {
        Console.WriteLine($"# rfm: {customers:N0} customers");
        await using var storage = await BenchStorage.StartAsync();
        var clients = storage.Services.GetRequiredService<StorageClients>();
        var zone = storage.Services.GetRequiredService<ShopTime>().Zone;

        var records = Customers(customers, zone).ToList();
        var load = Stopwatch.StartNew();
        await WriteAsync(clients.Table(StorageCatalog.Tables.Customers), records);
        Console.WriteLine($"#   loaded {customers:N0} customer rows in {load.Elapsed.TotalSeconds:N0} s ({customers / load.Elapsed.TotalSeconds:N0} rows/s)");
        await storage.Services.GetRequiredService<ProfileSnapshots>().TouchAsync(CancellationToken.None);

        var reports = storage.Services.GetRequiredService<ReportService>();
        var cold = Stopwatch.StartNew();
        var first = await reports.RfmAsync(null, CancellationToken.None);
        cold.Stop();
        var warmRuns = new List<double>();
        RfmGridResult grid = first;
        for (var i = 0; i < 3; i++)
        {
            var warm = Stopwatch.StartNew();
            grid = await reports.RfmAsync(null, CancellationToken.None);
            warmRuns.Add(warm.Elapsed.TotalSeconds);
        }

        // DuckDB on the same profiles, from a local CSV: the last order's day in the shop's zone, F and M.
        var csv = Path.Combine(Path.GetTempPath(), $"kozuchi-rfm-{customers}.csv");
        await using (var writer = new StreamWriter(csv))
        {
            await writer.WriteLineAsync("customer_id,last_day,frequency,monetary");
            foreach (var p in records.Select(r => r.ToProfile()).Where(p => p.Frequency > 0))
            {
                var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(p.LastOrderAt!.Value, zone).DateTime);
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{p.CustomerId},{day:yyyy-MM-dd},{p.Frequency},{p.Monetary}"));
            }
        }

        var duckRuns = new List<double>();
        List<(int R, int F, long Customers, decimal Revenue)> duck = [];
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                duck = Query(connection, csv);
                duckRuns.Add(clock.Elapsed.TotalSeconds);
            }
        }

        var ours = grid.Cells.Where(c => c.Customers > 0).Select(c => (c.R, c.F, (long)c.Customers, c.Revenue)).ToList();
        if (!ours.SequenceEqual(duck))
        {
            throw new InvalidOperationException("The grid and DuckDB disagree:\n" + string.Join('\n', ours.Zip(duck)));
        }

        Report.Line("RFM grid, first report after a change (parallel table scan + snapshot write)", cold.Elapsed.TotalSeconds, "s");
        Report.Line("RFM grid, GET /api/reports/rfm path (snapshot read + grid), best of 3", warmRuns.Min(), "s", $"{customers:N0} customers, {grid.Customers:N0} scored; target < 2 s");
        Report.Line("reference: DuckDB SQL grid over the same profiles (CSV), best of 3", duckRuns.Min(), "s", "cells equal");
        Report.Line("peak working set", Report.PeakMegabytes(), "MiB");
        File.Delete(csv);
    }

    /// <summary>
    /// Writes customer rows as ingest stores them: 100-row transactions within a hash bucket, 4 in flight. Streams the
    /// records in slices, so a million of them never sit in memory as entities at once.
    /// </summary>
    /// <returns>The rows written: all of them, or fewer when <paramref name="stopAfter"/> passed first (checked between slices).</returns>
    internal static async Task<int> WriteAsync(TableClient table, IEnumerable<CustomerRecord> records, TimeSpan? stopAfter = null, Action<int>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var written = 0;
        foreach (var slice in records.Chunk(25_000))
        {
            if (clock.Elapsed > stopAfter)
            {
                break;
            }

            var batches = slice.Select(CustomerEntities.ToEntity).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
                await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));
            written += slice.Length;
            progress?.Invoke(written);
        }

        return written;
    }

    private static List<(int, int, long, decimal)> Query(DuckDBConnection connection, string csv)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $$"""
            SELECT r, f, count(*) AS customers, sum(monetary) AS revenue FROM (
              SELECT CASE WHEN d <= 30 THEN 1 WHEN d <= 90 THEN 2 WHEN d <= 180 THEN 3 WHEN d <= 360 THEN 4 ELSE 5 END AS r,
                     CASE WHEN frequency <= 1 THEN 1 WHEN frequency <= 2 THEN 2 WHEN frequency <= 5 THEN 3 WHEN frequency <= 10 THEN 4 ELSE 5 END AS f,
                     monetary
              FROM (SELECT date_diff('day', last_day, DATE '{{AsOf:yyyy-MM-dd}}') AS d, frequency, monetary
                    FROM read_csv('{{csv}}', header = true, columns = {'customer_id': 'VARCHAR', 'last_day': 'DATE', 'frequency': 'INTEGER', 'monetary': 'DECIMAL(18,2)'}))
              WHERE d >= 0)
            GROUP BY r, f ORDER BY r, f
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<(int, int, long, decimal)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetDecimal(3)));
        }

        return rows;
    }

    /// <summary>Customers with 1–15 orders over three years up to <see cref="AsOf"/>; a fixed seed, so runs compare.</summary>
    private static IEnumerable<CustomerRecord> Customers(int count, TimeZoneInfo zone)
    {
        var random = new Random(7);
        var end = new DateTimeOffset(AsOf.ToDateTime(new TimeOnly(12, 0)), zone.GetUtcOffset(AsOf.ToDateTime(TimeOnly.MinValue)));
        for (var i = 0; i < count; i++)
        {
            var n = random.NextDouble() switch { < 0.55 => 1, < 0.75 => 2, < 0.9 => random.Next(3, 6), < 0.98 => random.Next(6, 11), _ => random.Next(11, 16) };
            var last = end.AddDays(-random.Next(0, 1095));
            var orders = Enumerable.Range(0, n).Select(k => new OrderSummary(
                new OrderKey("bench", $"{i}-{k}"), last.AddDays(-k * 30), last, true, 1000m + (random.Next(0, 90) * 100m), ["SKU-" + random.Next(0, 40)], false)).ToList();
            yield return new CustomerRecord { CustomerId = $"c{i:D12}", CreatedAt = orders[^1].OrderedAt, Orders = orders };
        }
    }
}
