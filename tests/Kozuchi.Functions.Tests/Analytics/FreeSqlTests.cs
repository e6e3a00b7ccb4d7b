using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Demo;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>
/// Free analysis through the HTTP surface on Azurite: a Parquet snapshot of demo data, read-only SQL over it with its
/// row and time limits, CSV download, and the guarantees that the SQL cannot write, reach files, or see personal data.
/// </summary>
public sealed class FreeSqlTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Analytics:SqlTimeout", "00:00:02"));
        await _h.App.Services.GetRequiredService<DemoLoader>().LoadAsync(300, 21, null, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<JsonElement> SnapshotAsync()
    {
        var response = await _h.Operator.PostAsync(new Uri("/api/analytics/snapshots", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
    }

    private async Task<(HttpStatusCode Status, string Body)> SqlAsync(string sql, int? maxRows = null, string? format = null)
    {
        var path = "/api/analytics/sql" + (format is null ? string.Empty : "?format=" + format);
        var response = await _h.Operator.PostAsJsonAsync(new Uri(path, UriKind.Relative), new { sql, maxRows }, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private async Task<JsonElement> RowsAsync(string sql, int? maxRows = null)
    {
        var (status, body) = await SqlAsync(sql, maxRows);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task Before_any_snapshot_a_query_is_answered_with_what_to_do()
    {
        var (status, body) = await SqlAsync("SELECT count(*) FROM customers");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("snapshot", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_snapshot_holds_every_customer_and_order_in_parquet_and_no_personal_data()
    {
        var ct = TestContext.Current.CancellationToken;
        var manifest = await SnapshotAsync();
        var records = await _h.App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(ct).ToListAsync(ct);
        Assert.Equal(records.Count, manifest.GetProperty("customers").GetInt64());
        Assert.Equal(records.Sum(r => r.Orders.Count), manifest.GetProperty("orders").GetInt64());

        var container = _h.Storage.Clients.Container(StorageCatalog.Containers.Snapshots);
        foreach (var table in new[] { "customers", "orders", "order_products" })
        {
            var bytes = (await container.GetBlobClient($"{manifest.GetProperty("id").GetString()}/{table}.parquet").DownloadContentAsync(ct)).Value.Content.ToArray();
            Assert.Equal("PAR1", Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("PAR1", Encoding.ASCII.GetString(bytes, bytes.Length - 4, 4));
        }

        var columns = (await RowsAsync("SELECT table_name || '.' || column_name FROM information_schema.columns ORDER BY 1")).GetProperty("rows")
            .EnumerateArray().Select(r => r[0].GetString()!).ToList();
        Assert.Contains("orders.net", columns);
        Assert.DoesNotContain(columns, c => c.Contains("email", StringComparison.Ordinal) && !c.EndsWith("email_opt_in", StringComparison.Ordinal) && !c.EndsWith("email_suppressed", StringComparison.Ordinal));
        Assert.DoesNotContain(columns, c => c.Contains("phone", StringComparison.Ordinal) || c.Contains("name", StringComparison.Ordinal) || c.Contains("address", StringComparison.Ordinal) || c.Contains("postal", StringComparison.Ordinal));
        var anyEmail = records.Select(r => r.Contact.Email).First(e => e is not null)!;
        var found = await RowsAsync($"SELECT count(*) FROM customers c LEFT JOIN orders o USING (customer_id) LEFT JOIN order_products p USING (order_key) WHERE concat_ws('|', CAST(c AS VARCHAR), CAST(o AS VARCHAR), CAST(p AS VARCHAR)) LIKE '%{anyEmail}%'");
        Assert.Equal(0, found.GetProperty("rows")[0][0].GetInt64());
    }

    [Fact]
    public async Task Monthly_sales_from_sql_over_the_snapshot_equal_the_kpi_report()
    {
        var ct = TestContext.Current.CancellationToken;
        await SnapshotAsync();
        var sql = (await RowsAsync("""
            SELECT strftime(o.order_day, '%Y-%m') AS month, sum(o.net) FILTER (WHERE o.currency = 'JPY') AS sales, count(*) AS orders
            FROM orders o JOIN customers c USING (customer_id)
            WHERE o.counts AND c.state = 'active' AND o.order_day <= DATE '2026-11-01'
            GROUP BY 1 ORDER BY 1
            """)).GetProperty("rows").EnumerateArray().ToList();
        var kpis = JsonDocument.Parse(await _h.Operator.GetStringAsync(new Uri("/api/reports/kpis?asOf=2026-11-01", UriKind.Relative), ct)).RootElement
            .GetProperty("months").EnumerateArray().Where(m => m.GetProperty("orders").GetInt32() > 0).ToList();

        Assert.True(sql.Count > 3);
        Assert.Equal(kpis.Select(m => m.GetProperty("month").GetString()), sql.Select(r => r[0].GetString()));
        foreach (var (row, month) in sql.Zip(kpis))
        {
            Assert.Equal(month.GetProperty("sales").GetDecimal(), row[1].GetDecimal());
            Assert.Equal(month.GetProperty("orders").GetInt32(), row[2].GetInt32());
        }
    }

    [Fact]
    public async Task Rows_beyond_the_limit_are_cut_and_flagged_and_csv_downloads_the_same_rows()
    {
        await SnapshotAsync();
        var answer = await RowsAsync("SELECT range AS n, 'a,\"b\"' AS text FROM range(5000)", maxRows: 100);
        Assert.Equal(100, answer.GetProperty("rows").GetArrayLength());
        Assert.True(answer.GetProperty("truncated").GetBoolean());
        Assert.Equal(["n", "text"], answer.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        var (status, csv) = await SqlAsync("SELECT range AS n, 'a,\"b\"' AS text FROM range(3)", format: "csv");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("n,text\r\n0,\"a,\"\"b\"\"\"\r\n1,\"a,\"\"b\"\"\"\r\n2,\"a,\"\"b\"\"\"\r\n", csv.TrimStart('\uFEFF'));
    }

    [Fact]
    public async Task A_query_over_the_time_limit_is_stopped_with_a_clear_error()
    {
        await SnapshotAsync();
        var (status, body) = await SqlAsync("SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("longer than 2 s", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE FROM orders", "read-only")]
    [InlineData("WITH x AS (SELECT 1) DELETE FROM orders", "read-only")]
    [InlineData("SELECT 1; DROP TABLE orders", "one statement")]
    [InlineData("SELECT * FROM read_csv_auto('/etc/hostname')", "disabled")]
    [InlineData("SET lock_configuration = false", "read-only")]
    [InlineData("SELECT nonexistent FROM orders", "nonexistent")]
    public async Task Anything_but_one_read_only_query_over_the_snapshot_is_refused(string sql, string hint)
    {
        await SnapshotAsync();
        var (status, body) = await SqlAsync(sql);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(hint, body, StringComparison.OrdinalIgnoreCase);
        var count = await RowsAsync("SELECT count(*) FROM orders");
        Assert.True(count.GetProperty("rows")[0][0].GetInt64() > 0);
    }
}
