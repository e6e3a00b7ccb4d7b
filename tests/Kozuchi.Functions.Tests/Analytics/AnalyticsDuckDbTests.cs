using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Kozuchi.Functions.Demo;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>
/// The analytics API against DuckDB SQL over the same stored orders: demo data goes through ingest (identity
/// resolution included), the customer table is copied row by row into DuckDB, and the same reports are written as SQL.
/// </summary>
public sealed class AnalyticsDuckDbTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string AsOf = "2026-11-01";
    private IngestHarness _h = null!;
    private DuckDBConnection _db = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _h = await IngestHarness.StartAsync(azurite);
        await _h.App.Services.GetRequiredService<DemoLoader>().LoadAsync(300, 21, null, ct);

        _db = new DuckDBConnection("DataSource=:memory:");
        await _db.OpenAsync(ct);
        await ExecuteAsync("""
            CREATE TABLE orders (customer_id VARCHAR, order_key VARCHAR, ordered_at TIMESTAMP, net DECIMAL(18, 2), counts BOOLEAN);
            CREATE TABLE order_products (order_key VARCHAR, product VARCHAR);
            """);
        using (var orders = _db.CreateAppender("orders"))
        using (var products = _db.CreateAppender("order_products"))
        {
            await foreach (var c in _h.App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(ct))
            {
                foreach (var o in c.Orders)
                {
                    orders.CreateRow().AppendValue(c.CustomerId).AppendValue(o.Key.ToString()).AppendValue(o.OrderedAt.UtcDateTime).AppendValue(o.Net).AppendValue(o.Counts).EndRow();
                    foreach (var p in o.Products)
                    {
                        products.CreateRow().AppendValue(o.Key.ToString()).AppendValue(p).EndRow();
                    }
                }
            }
        }

        // Counted orders up to the as-of day in Japan time (UTC+9, no daylight saving), numbered per customer.
        await ExecuteAsync($"""
            CREATE VIEW counted AS
            SELECT customer_id, order_key, net, CAST(ordered_at + INTERVAL 9 HOUR AS DATE) AS day,
                   row_number() OVER (PARTITION BY customer_id ORDER BY ordered_at, order_key) AS n
            FROM orders
            WHERE counts AND CAST(ordered_at + INTERVAL 9 HOUR AS DATE) <= DATE '{AsOf}';
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        await _h.DisposeAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private async Task<List<object?[]>> QueryAsync(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
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

    private async Task<JsonElement> GetAsync(string path)
    {
        var response = await _h.Operator.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
    }

    private static double D(object? value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Monthly_kpis_and_f2_match_duckdb_sql_over_the_same_orders()
    {
        var sql = await QueryAsync("""
            WITH firsts AS (
                SELECT customer_id, max(day) FILTER (WHERE n = 1) AS d1, max(day) FILTER (WHERE n = 2) AS d2 FROM counted GROUP BY customer_id),
            f2 AS (
                SELECT strftime(d1, '%Y-%m') AS month, count(*) AS cohort, count(*) FILTER (WHERE d2 - d1 <= 90) AS within90 FROM firsts GROUP BY 1)
            SELECT strftime(day, '%Y-%m') AS month, sum(net), sum(net) FILTER (WHERE n = 1), count(*), count(DISTINCT customer_id),
                   count(*) FILTER (WHERE n = 1), any_value(f2.within90) / any_value(f2.cohort)
            FROM counted LEFT JOIN f2 ON f2.month = strftime(day, '%Y-%m')
            GROUP BY 1 ORDER BY 1
            """);

        var api = (await GetAsync($"/api/reports/kpis?asOf={AsOf}")).GetProperty("months").EnumerateArray()
            .Where(m => m.GetProperty("orders").GetInt32() > 0).ToList();

        Assert.Equal(sql.Select(r => (string)r[0]!), api.Select(m => m.GetProperty("month").GetString()));
        foreach (var (row, m) in sql.Zip(api))
        {
            Assert.Equal(Convert.ToDecimal(row[1], CultureInfo.InvariantCulture), m.GetProperty("sales").GetDecimal());
            Assert.Equal(Convert.ToDecimal(row[2] ?? 0m, CultureInfo.InvariantCulture), m.GetProperty("newSales").GetDecimal());
            Assert.Equal(D(row[3]), m.GetProperty("orders").GetInt32());
            Assert.Equal(D(row[4]), m.GetProperty("activeCustomers").GetInt32());
            Assert.Equal(D(row[5]), m.GetProperty("newCustomers").GetInt32());
            if (m.GetProperty("f2").GetProperty("within90") is { ValueKind: JsonValueKind.Number } f2)
            {
                Assert.Equal(D(row[6]), f2.GetDouble(), 12);
            }
        }
    }

    [Fact]
    public async Task Basket_matches_duckdb_sql_over_the_same_orders()
    {
        var sql = await QueryAsync("""
            WITH p AS (SELECT DISTINCT c.order_key, op.product FROM counted c JOIN order_products op USING (order_key)),
                 total AS (SELECT count(DISTINCT order_key) AS n FROM p),
                 single AS (SELECT product, count(*) AS c FROM p GROUP BY product),
                 pairs AS (SELECT a.product AS pa, b.product AS pb, count(*) AS c FROM p a JOIN p b ON a.order_key = b.order_key AND a.product < b.product GROUP BY 1, 2)
            SELECT pa, pb, pairs.c, pairs.c / total.n, pairs.c / sa.c, pairs.c / sb.c, pairs.c * total.n / (sa.c * sb.c)
            FROM pairs, total, single sa, single sb WHERE sa.product = pa AND sb.product = pb
            """);

        var api = (await GetAsync($"/api/reports/products/basket?asOf={AsOf}&top=10000")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => (r.GetProperty("productA").GetString()!, r.GetProperty("productB").GetString()!));

        Assert.NotEmpty(sql);
        Assert.Equal(sql.Count, api.Count);
        foreach (var row in sql)
        {
            var r = api[((string)row[0]!, (string)row[1]!)];
            Assert.Equal(D(row[2]), r.GetProperty("orders").GetInt32());
            Assert.Equal(D(row[3]), r.GetProperty("support").GetDouble(), 12);
            Assert.Equal(D(row[4]), r.GetProperty("confidenceAToB").GetDouble(), 12);
            Assert.Equal(D(row[5]), r.GetProperty("confidenceBToA").GetDouble(), 12);
            Assert.Equal(D(row[6]), r.GetProperty("lift").GetDouble(), 9);
        }
    }

    [Fact]
    public async Task Days_to_second_purchase_quartiles_and_cohort_retention_match_duckdb_sql()
    {
        var days = (await QueryAsync("""
            WITH firsts AS (SELECT customer_id, max(day) FILTER (WHERE n = 1) AS d1, max(day) FILTER (WHERE n = 2) AS d2 FROM counted GROUP BY customer_id)
            SELECT count(*), quantile_cont(d2 - d1, 0.25), quantile_cont(d2 - d1, 0.5), quantile_cont(d2 - d1, 0.75) FROM firsts WHERE d2 IS NOT NULL
            """)).Single();
        // Retention at 1 month: share of each first-order month's customers who ordered again in the next calendar month.
        var retention = await QueryAsync($"""
            WITH firsts AS (SELECT customer_id, date_trunc('month', min(day)) AS cohort FROM counted GROUP BY customer_id)
            SELECT strftime(f.cohort, '%Y-%m'), count(DISTINCT f.customer_id),
                   count(DISTINCT c.customer_id) FILTER (WHERE c.n > 1 AND date_trunc('month', c.day) = f.cohort + INTERVAL 1 MONTH) / count(DISTINCT f.customer_id)
            FROM firsts f JOIN counted c USING (customer_id)
            WHERE f.cohort + INTERVAL 2 MONTH <= DATE '{AsOf}' + INTERVAL 1 DAY
            GROUP BY 1 ORDER BY 1
            """);

        var conversion = await GetAsync($"/api/reports/products/conversion?asOf={AsOf}");
        var cohorts = (await GetAsync($"/api/reports/cohorts?asOf={AsOf}")).GetProperty("cohorts").EnumerateArray().ToDictionary(c => c.GetProperty("month").GetString()!);

        var spread = conversion.GetProperty("daysToSecond").GetProperty("days");
        Assert.Equal(D(days[0]), spread.GetProperty("count").GetInt32());
        Assert.Equal(D(days[1]), spread.GetProperty("q1").GetDouble(), 9);
        Assert.Equal(D(days[2]), spread.GetProperty("median").GetDouble(), 9);
        Assert.Equal(D(days[3]), spread.GetProperty("q3").GetDouble(), 9);
        Assert.True(retention.Count >= 30);
        foreach (var row in retention)
        {
            var c = cohorts[(string)row[0]!];
            Assert.Equal(D(row[1]), c.GetProperty("customers").GetInt32());
            Assert.Equal(D(row[2]), c.GetProperty("retention").GetProperty("m1").GetDouble(), 12);
        }
    }
}
