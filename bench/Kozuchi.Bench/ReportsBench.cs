using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Rfm;
using Kozuchi.Storage.Analytics;

namespace Kozuchi.Bench;

/// <summary>
/// The dashboard's full report set (monthly KPIs, cohorts by first month, medium and entry product, product
/// conversion, days to second purchase, basket, RFM grid) over 1M customers / ~3M orders, computed by Kozuchi.Core
/// from the customer records, against DuckDB SQL computing the same reports over the same data written as the
/// analytics snapshot's Parquet (same schema, same writer). Both best of 3, in the same run; a few figures are
/// compared so the two sides are known to compute the same thing. The table scan that feeds the Core side in the app
/// is measured by the rfm benchmark and is not part of this figure.
/// </summary>
internal static class ReportsBench
{
    private static readonly ShopTime Shop = ShopTime.Tokyo;
    private static readonly DateOnly AsOf = new(2026, 11, 1);

    public static void Run(int customers)
    {
        Console.WriteLine($"# reports: {customers:N0} customers");
        var generate = Stopwatch.StartNew();
        var records = Customers(customers, AsOf).ToList();
        var orders = records.Sum(r => r.Orders.Count);
        Console.WriteLine($"#   generated {customers:N0} customers, {orders:N0} orders in {generate.Elapsed.TotalSeconds:N1} s");

        // The app streams the customer table into histories and keeps only those; the records here exist for the
        // Parquet side too, so the heap the reports need is measured apart from them.
        var recordsHeap = GC.GetTotalMemory(forceFullCollection: true);
        var kept = CustomerHistory.From(records, AsOf, Shop);
        var historiesHeap = GC.GetTotalMemory(forceFullCollection: true) - recordsHeap;
        GC.KeepAlive(kept);
        kept = null;

        var ours = new List<double>();
        (KpiReport Kpis, RfmGridResult Grid, IReadOnlyList<BasketPair> Basket, DaysToSecondPurchase Days) result = default;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            var histories = CustomerHistory.From(records, AsOf, Shop);
            var kpis = MonthlyKpis.Compute(histories, AsOf);
            _ = Cohorts.ByFirstMonth(histories, AsOf);
            _ = Cohorts.ByMedium(histories, AsOf);
            _ = Cohorts.ByEntryProduct(histories, AsOf);
            _ = ProductAnalyses.Conversions(histories);
            var days = ProductAnalyses.DaysToSecond(histories);
            var basket = ProductAnalyses.Basket(histories);
            var grid = RfmGrid.Build(records.Select(r => r.ToProfile()), AsOf, Shop.Zone, RfmSettings.Default);
            ours.Add(clock.Elapsed.TotalSeconds);
            result = (kpis, grid, basket, days);
        }

        var oursPeak = Report.PeakMegabytes();
        var directory = Directory.CreateTempSubdirectory("kozuchi-reports-bench-");
        try
        {
            AnalyticsSnapshots.WriteTablesAsync(records.ToAsyncEnumerable(), Shop, directory.FullName, CancellationToken.None).GetAwaiter().GetResult();
            records.Clear();
            var duck = new List<double>();
            List<object?[]>[] answers = [];
            for (var i = 0; i < 3; i++)
            {
                using var db = new DuckDBConnection("DataSource=:memory:");
                db.Open();
                var clock = Stopwatch.StartNew();
                answers = [.. Sql(directory.FullName, AsOf).Select(q => Query(db, q))];
                duck.Add(clock.Elapsed.TotalSeconds);
            }

            Check(result, answers);
            Report.Line("full report set, Kozuchi.Core over the customer records, best of 3", ours.Min(), "s", $"{customers:N0} customers, {orders:N0} orders; target ≤ 1.5 × DuckDB");
            Report.Line("reference: DuckDB SQL, same reports over the snapshot's Parquet, best of 3", duck.Min(), "s", $"ratio {ours.Min() / duck.Min():N2}; KPI sales, basket pairs, days to 2nd and RFM cells equal");
            Report.Line("live heap of the histories the reports are computed from", historiesHeap >> 20, "MiB", "target < 2 GB");
            Report.Line("live heap of the generated records (the app streams these from the table)", recordsHeap >> 20, "MiB");
            Report.Line("peak working set of the bench (records + histories + results)", oursPeak, "MiB");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void Check((KpiReport Kpis, RfmGridResult Grid, IReadOnlyList<BasketPair> Basket, DaysToSecondPurchase Days) ours, List<object?[]>[] sql)
    {
        var sales = ours.Kpis.Months.Where(m => m.Orders > 0).Select(m => (m.Month, m.Sales)).ToList();
        var duckSales = sql[0].Select(r => ((string)r[0]!, Convert.ToDecimal(r[1], CultureInfo.InvariantCulture))).ToList();
        Require(sales.SequenceEqual(duckSales), "monthly sales");
        Require(ours.Basket.Count == Convert.ToInt32(sql[1][0][0], CultureInfo.InvariantCulture), "basket pairs");
        Require(ours.Days.Customers == Convert.ToInt32(sql[2][0][0], CultureInfo.InvariantCulture), "customers with a second order");
        var cells = ours.Grid.Cells.Where(c => c.Customers > 0).Select(c => (c.R, c.F, (long)c.Customers)).ToList();
        var duckCells = sql[3].Select(r => (Convert.ToInt32(r[0], CultureInfo.InvariantCulture), Convert.ToInt32(r[1], CultureInfo.InvariantCulture), Convert.ToInt64(r[2], CultureInfo.InvariantCulture))).ToList();
        Require(cells.SequenceEqual(duckCells), "RFM cells");
    }

    private static void Require(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"Kozuchi.Core and DuckDB disagree on {what}.");
        }
    }

    /// <summary>The same reports in SQL; the first four answers are compared with Core's, the rest are timed only.</summary>
    internal static IEnumerable<string> Sql(string dir, DateOnly asOf)
    {
        var counted = $"""
            WITH counted AS (
              SELECT o.customer_id, o.order_key, o.net, o.order_day AS day, o.ordered_at, c.acquisition_medium,
                     row_number() OVER (PARTITION BY o.customer_id ORDER BY o.ordered_at, o.order_key) AS n
              FROM read_parquet('{dir}/orders.parquet') o JOIN read_parquet('{dir}/customers.parquet') c USING (customer_id)
              WHERE o.counts AND c.state = 'active' AND o.order_day <= DATE '{asOf:yyyy-MM-dd}'),
            products AS (SELECT DISTINCT order_key, product FROM read_parquet('{dir}/order_products.parquet'))
            """;
        yield return counted + " SELECT strftime(day, '%Y-%m'), sum(net), sum(net) FILTER (WHERE n = 1), count(*), count(DISTINCT customer_id), count(*) FILTER (WHERE n = 1) FROM counted GROUP BY 1 ORDER BY 1";
        yield return counted + """
             , p AS (SELECT c.order_key, p.product FROM counted c JOIN products p USING (order_key)),
               total AS (SELECT count(DISTINCT order_key) AS n FROM p),
               single AS (SELECT product, count(*) AS c FROM p GROUP BY product),
               pairs AS (SELECT a.product AS pa, b.product AS pb, count(*) AS c FROM p a JOIN p b ON a.order_key = b.order_key AND a.product < b.product GROUP BY 1, 2),
               lifted AS (SELECT pa, pb, pairs.c, pairs.c / total.n, pairs.c / sa.c, pairs.c / sb.c, pairs.c * total.n / (sa.c * sb.c) FROM pairs, total, single sa, single sb WHERE sa.product = pa AND sb.product = pb)
            SELECT count(*) FROM lifted
            """;
        yield return counted + """
             , firsts AS (SELECT customer_id, max(day) FILTER (WHERE n = 1) AS d1, max(day) FILTER (WHERE n = 2) AS d2 FROM counted GROUP BY customer_id)
            SELECT count(*), quantile_cont(d2 - d1, 0.25), quantile_cont(d2 - d1, 0.5), quantile_cont(d2 - d1, 0.75) FROM firsts WHERE d2 IS NOT NULL
            """;
        yield return counted + $"""
             , per AS (SELECT customer_id, count(*) AS f, max(day) AS last FROM counted GROUP BY customer_id),
               scored AS (SELECT CASE WHEN d <= 30 THEN 1 WHEN d <= 90 THEN 2 WHEN d <= 180 THEN 3 WHEN d <= 360 THEN 4 ELSE 5 END AS r,
                                 CASE WHEN f <= 1 THEN 1 WHEN f <= 2 THEN 2 WHEN f <= 5 THEN 3 WHEN f <= 10 THEN 4 ELSE 5 END AS f
                          FROM (SELECT date_diff('day', last, DATE '{asOf:yyyy-MM-dd}') AS d, f FROM per))
            SELECT r, f, count(*) FROM scored GROUP BY 1, 2 ORDER BY 1, 2
            """;
        // Cohort retention and LTV at every month 1 … 12, by first month and by medium; entry products; product conversion.
        yield return counted + """
             , firsts AS (SELECT customer_id, date_trunc('month', min(day)) AS cohort, any_value(acquisition_medium) AS medium FROM counted GROUP BY customer_id)
            SELECT f.cohort, f.medium, m.k, count(DISTINCT c.customer_id) FILTER (WHERE c.n > 1 AND c.day < f.cohort + to_months(m.k + 1)), sum(c.net) FILTER (WHERE c.day < f.cohort + to_months(m.k + 1))
            FROM firsts f JOIN counted c USING (customer_id) CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) m(k)
            GROUP BY GROUPING SETS ((f.cohort, m.k), (f.medium, m.k))
            """;
        yield return counted + """
             , entry AS (SELECT c.customer_id, p.product FROM counted c JOIN products p USING (order_key) WHERE c.n = 1)
            SELECT e.product, count(DISTINCT e.customer_id), count(DISTINCT c.customer_id) FILTER (WHERE c.n > 1), sum(c.net)
            FROM entry e JOIN counted c USING (customer_id) GROUP BY 1
            """;
        yield return counted + """
             , bought AS (SELECT c.customer_id, c.n, c.day, p.product FROM counted c JOIN products p USING (order_key)),
               firstBuy AS (SELECT customer_id, product, min(day) AS day FROM bought GROUP BY 1, 2)
            SELECT a.product, b.product, count(*), quantile_cont(b.day - a.day, [0.25, 0.5, 0.75])
            FROM firstBuy a JOIN firstBuy b ON a.customer_id = b.customer_id AND a.product <> b.product AND b.day > a.day
            GROUP BY 1, 2
            """;
    }

    internal static List<object?[]> Query(DuckDBConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>~3 orders per customer on average over three years to <paramref name="asOf"/>, 1–3 of 200 products each; fixed seed.</summary>
    internal static IEnumerable<CustomerRecord> Customers(int count, DateOnly asOf)
    {
        var random = new Random(11);
        string[] media = ["organic", "google", "instagram", "line", "affiliate"];
        var end = new DateTimeOffset(asOf.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(9));
        for (var i = 0; i < count; i++)
        {
            var n = random.NextDouble() switch { < 0.35 => 1, < 0.55 => 2, < 0.7 => 3, < 0.85 => random.Next(4, 7), _ => random.Next(7, 12) };
            var first = end.AddDays(-random.Next(30, 1095)).AddMinutes(random.Next(0, 1440));
            var at = first;
            var orders = new List<OrderSummary>(n);
            for (var k = 0; k < n && at <= end; k++)
            {
                var products = Enumerable.Range(0, random.Next(1, 4)).Select(_ => "SKU-" + random.Next(0, 200).ToString("D3", CultureInfo.InvariantCulture)).Distinct().ToList();
                orders.Add(new OrderSummary(new OrderKey("bench", $"{i}-{k}"), at, at, random.Next(0, 50) != 0, 1000m + (random.Next(0, 90) * 100m), products, false));
                at = at.AddDays(random.Next(5, 120));
            }

            yield return new CustomerRecord { CustomerId = $"c{i:D9}", CreatedAt = first, Orders = orders, AcquisitionMedium = media[random.Next(media.Length)] };
        }
    }
}
