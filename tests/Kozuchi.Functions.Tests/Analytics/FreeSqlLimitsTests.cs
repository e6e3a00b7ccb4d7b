using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Demo;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Analytics;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>
/// Free SQL cannot be used to exhaust an instance or to plant formulas: answers are capped in bytes as well as rows,
/// one query runs at a time per instance (the next waits, then gets 429 with Retry-After), and the CSV download is
/// written by the app's CSV writer.
/// </summary>
public sealed class FreeSqlLimitsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _h = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Analytics:SqlMaxBytes", "1048576").WithSetting("Kozuchi:Analytics:SqlQueueWait", "00:01:00"));
        await _h.App.Services.GetRequiredService<DemoLoader>().LoadAsync(20, 5, null, Ct);
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PostAsync(new Uri("/api/analytics/snapshots", UriKind.Relative), null, Ct)).StatusCode);
    }

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static Task<HttpResponseMessage> SqlAsync(HttpClient client, string sql, string? format = null) =>
        client.PostAsJsonAsync(new Uri("/api/analytics/sql" + (format is null ? string.Empty : "?format=" + format), UriKind.Relative), new { sql }, Ct);

    [Fact]
    public async Task An_answer_is_cut_at_the_byte_cap_and_says_so_in_json_and_csv()
    {
        const string sql = "SELECT i, repeat('x', 100000) AS big FROM range(100) t(i)";

        var json = await SqlAsync(_h.Operator, sql);
        var csv = await SqlAsync(_h.Operator, sql, "csv");

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var answer = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.True(answer.GetProperty("truncated").GetBoolean());
        Assert.Equal("bytes", answer.GetProperty("truncatedBy").GetString());
        Assert.InRange(answer.GetProperty("rows").GetArrayLength(), 1, 10);
        Assert.InRange((await csv.Content.ReadAsByteArrayAsync(Ct)).Length, 100_000, 1_100_000);
    }

    [Fact]
    public async Task While_a_query_holds_the_instance_the_next_gets_429_with_retry_after()
    {
        await using var impatient = new KozuchiAppFactory(_h.Storage, _h.App.Time)
            .WithSetting("Kozuchi:Auth:OperatorKey", IngestHarness.OperatorKey)
            .WithSetting("Kozuchi:Analytics:SqlQueueWait", "00:00:00");
        using var client = impatient.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", IngestHarness.OperatorKey);
        var sql = impatient.Services.GetRequiredService<FreeSql>();

        using (await sql.HoldAsync(Ct))
        {
            var refused = await SqlAsync(client, "SELECT count(*) FROM customers");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter!.Delta);
        }

        Assert.Equal(HttpStatusCode.OK, (await SqlAsync(client, "SELECT count(*) FROM customers")).StatusCode);
    }

    [Fact]
    public async Task A_query_arriving_while_another_runs_waits_for_its_turn()
    {
        var sql = _h.App.Services.GetRequiredService<FreeSql>();
        Task<HttpResponseMessage> waiting;
        using (await sql.HoldAsync(Ct))
        {
            waiting = SqlAsync(_h.Operator, "SELECT count(*) AS n FROM customers");
        }

        var answered = await waiting;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(20, JsonDocument.Parse(await answered.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("rows")[0][0].GetInt32());
    }

    [Fact]
    public async Task The_csv_download_neutralises_cells_that_start_like_a_formula_and_keeps_numbers()
    {
        var response = await SqlAsync(_h.Operator, "SELECT '=1+1' AS formula, '@SUM(A1)' AS at, chr(9) || '=cmd' AS tab, '-2+3' AS minus, -5 AS n, 'plain' AS p", "csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(Ct)).TrimStart('\uFEFF');
        var row = CsvRows.Read(new StringReader(text)).Skip(1).Single();
        Assert.Equal(["'=1+1", "'@SUM(A1)", "'\t=cmd", "'-2+3", "-5", "plain"], row.Fields);
    }
}
