using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kozuchi.Core.Demo;
using Kozuchi.Functions.Reports;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Reports;

/// <summary>
/// Today's reports from the precomputed set, compared byte for byte with a second app over the same storage that has
/// precomputing off (so it computes every answer from the tables, as before the set existed).
/// </summary>
public sealed class ReportSetTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Every endpoint the set answers, with default and non-default cuts of the kept lists.</summary>
    private static readonly string[] Paths =
    [
        "/api/reports/summary",
        "/api/reports/kpis",
        "/api/reports/rfm",
        "/api/reports/rfm/customers?r=1&f=1",
        "/api/reports/rfm/customers?r=5&f=1&take=500",
        "/api/reports/rfm/customers?r=4&f=1&skip=3&take=4",
        "/api/reports/rfm/customers?r=1&f=5",
        "/api/reports/cohorts",
        "/api/reports/products/entry",
        "/api/reports/products/conversion",
        "/api/reports/products/conversion?minCount=2&top=7",
        "/api/reports/products/basket",
        "/api/reports/products/basket?minOrders=2&top=3",
        "/api/reports/clv",
        "/api/reports/clv?top=5",
        "/api/reports/kpis?asOf=2026-11-01",
    ];

    private IngestHarness _h = null!;
    private KozuchiAppFactory _uncached = null!;
    private HttpClient _uncachedClient = null!;
    private List<IncomingOrder> _orders = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await IngestHarness.StartAsync(azurite);
        var ct = TestContext.Current.CancellationToken;
        var asOf = DateOnly.FromDateTime(_h.App.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(9)).DateTime);
        Assert.Equal(new DateOnly(2026, 11, 1), asOf);
        _orders = [.. DemoGenerator.Generate(new DemoOptions { Customers = 250, Seed = 5, AsOf = asOf, SharedLandlineShare = 0 }).Orders.Select(o => new IncomingOrder(o, "demo"))];
        await IngestAsync(_orders.Take(600), ct);
        _uncached = App(precomputed: false);
        _uncachedClient = Client(_uncached);

        var target = await _h.Operator.PutAsJsonAsync(new Uri("/api/reports/targets", UriKind.Relative), new[] { new { kpi = "sales", month = "2026-10", value = (double?)1_000_000 } }, ct);
        Assert.Equal(HttpStatusCode.OK, target.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        _uncachedClient.Dispose();
        await _uncached.DisposeAsync();
        await _h.DisposeAsync();
    }

    private KozuchiAppFactory App(bool precomputed, double? staleAfterSeconds = null, double? pendingAfterSeconds = null)
    {
        var app = new KozuchiAppFactory(_h.Storage, _h.App.Time)
            .WithSetting("Kozuchi:Auth:OperatorKey", IngestHarness.OperatorKey)
            .WithSetting("Kozuchi:Reports:Precomputed", precomputed ? "true" : "false");
        if (staleAfterSeconds is { } stale)
        {
            app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", stale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (pendingAfterSeconds is { } pending)
        {
            app.WithSetting("Kozuchi:Reports:PendingAfterSeconds", pending.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return app;
    }

    private static HttpClient Client(KozuchiAppFactory app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", IngestHarness.OperatorKey);
        return client;
    }

    private async Task IngestAsync(IEnumerable<IncomingOrder> orders, CancellationToken ct)
    {
        var store = _h.App.Services.GetRequiredService<CustomerStore>();
        var session = CustomerStore.NewSession();
        await store.PreloadAllAsync(session, ct);
        await _h.App.Services.GetRequiredService<OrderIngestor>().IngestAsync([.. orders], session, ct);
    }

    private static async Task<string> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static async Task<Dictionary<string, string>> AllAsync(HttpClient client)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Paths)
        {
            answers[path] = await GetAsync(client, path);
        }

        return answers;
    }

    private static void AssertSameAnswers(Dictionary<string, string> expected, Dictionary<string, string> actual)
    {
        foreach (var path in Paths)
        {
            Assert.True(expected[path] == actual[path], $"{path} differs:\n uncached {expected[path]}\n cached   {actual[path]}");
        }
    }

    private static int Computations(KozuchiAppFactory app) => app.Services.GetRequiredService<ReportSets>().Computations;

    private static int ClvFits(KozuchiAppFactory app) => app.Services.GetRequiredService<ReportSets>().ClvComputations;

    [Fact]
    public async Task Every_report_from_the_precomputed_set_equals_the_computation_from_the_tables()
    {
        var cached = await AllAsync(_h.Operator);
        var uncached = await AllAsync(_uncachedClient);

        AssertSameAnswers(uncached, cached);
        Assert.Equal(1, Computations(_h.App));
        Assert.Equal(1, ClvFits(_h.App));
        Assert.Equal(0, Computations(_uncached) + ClvFits(_uncached));
        Assert.Contains("\"customers\"", cached["/api/reports/summary"], StringComparison.Ordinal);
        Assert.Contains("\"progress\"", cached["/api/reports/kpis"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_set_answers_while_the_change_marker_stays_and_is_recomputed_after_an_ingest()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await GetAsync(_h.Operator, "/api/reports/kpis");
        Assert.Equal(1, Computations(_h.App));

        // A row removed behind ingest's back does not move the marker: the set still answers (and still counts it),
        // while the tables, read by the uncached app, already miss it.
        var victim = _h.App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(ct);
        var id = (await victim.FirstAsync(r => r.Orders.Count > 0, ct)).CustomerId;
        await _h.Storage.Clients.Table(StorageCatalog.Tables.Customers).DeleteEntityAsync(CustomerEntities.CustomerPartition(id), id, cancellationToken: ct);
        Assert.Equal(before, await GetAsync(_h.Operator, "/api/reports/kpis"));
        Assert.NotEqual(before, await GetAsync(_uncachedClient, "/api/reports/kpis"));
        Assert.Equal(1, Computations(_h.App));

        // Ingest moves the marker: the next request computes a new set, which sees the new orders and the missing row.
        await IngestAsync(_orders.Skip(600), ct);
        var cached = await AllAsync(_h.Operator);
        Assert.Equal(2, Computations(_h.App));
        Assert.Equal(2, ClvFits(_h.App)); // by each pass, from its rows: before the ingest and after it
        AssertSameAnswers(await AllAsync(_uncachedClient), cached);
        Assert.NotEqual(before, cached["/api/reports/kpis"]);
    }

    [Fact]
    public async Task Concurrent_pages_share_one_computation()
    {
        var paths = Paths.Concat(Paths).ToList();

        var answers = await Task.WhenAll(paths.Select(p => GetAsync(_h.Operator, p)));

        Assert.Equal(1, Computations(_h.App));
        Assert.Equal(1, ClvFits(_h.App));
        Assert.Equal(answers.Take(Paths.Length), answers.Skip(Paths.Length));
    }

    [Fact]
    public async Task A_set_precomputed_on_demand_is_read_from_blob_by_another_instance()
    {
        var ct = TestContext.Current.CancellationToken;
        var precompute = await _h.Operator.PostAsync(new Uri("/api/reports/precompute", UriKind.Relative), null, ct);
        await GetAsync(_h.Operator, "/api/reports/clv");
        Assert.Equal(HttpStatusCode.OK, precompute.StatusCode);
        var answer = await precompute.Content.ReadFromJsonAsync<ReportFunctions.PrecomputeAnswer>(ct);
        Assert.Equal(new DateOnly(2026, 11, 1), answer!.AsOf);
        Assert.True(answer.Customers > 0);

        await using var other = App(precomputed: true);
        using var client = Client(other);
        var fromBlob = await AllAsync(client);

        Assert.Equal(0, Computations(other) + ClvFits(other));
        Assert.Equal(1, Computations(_h.App));
        AssertSameAnswers(await AllAsync(_uncachedClient), fromBlob);
    }

    [Fact]
    public async Task A_past_day_is_computed_from_the_tables_not_from_todays_cache()
    {
        var past = await GetAsync(_h.Operator, "/api/reports/cohorts?asOf=2026-06-30");

        var pastClv = await GetAsync(_h.Operator, "/api/reports/clv?asOf=2026-06-30");

        Assert.Equal(0, Computations(_h.App) + ClvFits(_h.App));
        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/cohorts?asOf=2026-06-30"), past);
        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/clv?asOf=2026-06-30"), pastClv);
        Assert.Contains("\"asOf\":\"2026-06-30\"", past, StringComparison.Ordinal);
    }

    private static ReportSets Sets(KozuchiAppFactory app) => app.Services.GetRequiredService<ReportSets>();

    private static async Task<ReportFreshness> FreshnessAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<ReportFreshness>(new Uri("/api/reports/freshness", UriKind.Relative), TestContext.Current.CancellationToken))!;

    [Fact]
    public async Task After_a_change_pages_are_answered_from_the_previous_set_until_the_new_one_is_computed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = App(precomputed: true, staleAfterSeconds: 0);
        using var client = Client(app);
        var before = await AllAsync(client);
        var first = await FreshnessAsync(client);
        Assert.True(first.Current);
        Assert.Equal(new DateOnly(2026, 11, 1), first.AsOf);

        await IngestAsync(_orders.Skip(600), ct);
        Dictionary<string, string> during;
        ReportFreshness stale;
        using (await Sets(app).HoldComputationsAsync(ct))
        {
            during = await AllAsync(client);
            stale = await FreshnessAsync(client);
        }

        // Every page answered at once from the set computed before the ingest, and the freshness says so.
        AssertSameAnswers(before, during);
        Assert.Equal(Paths.Length, Sets(app).StaleAnswers);
        Assert.False(stale.Current);
        Assert.True(stale.Refreshing);
        Assert.Equal(first.ComputedAt, stale.ComputedAt);

        await Sets(app).IdleAsync();
        var staleAnswers = Sets(app).StaleAnswers;
        var after = await AllAsync(client);
        Assert.Equal(staleAnswers, Sets(app).StaleAnswers);
        Assert.Equal(2, Computations(app));
        AssertSameAnswers(await AllAsync(_uncachedClient), after);
        Assert.NotEqual(before["/api/reports/summary"], after["/api/reports/summary"]);
        Assert.True((await FreshnessAsync(client)).Current);
    }

    [Fact]
    public async Task A_new_instance_answers_from_the_stored_previous_set_while_it_computes_the_current_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await GetAsync(_h.Operator, "/api/reports/kpis");
        await IngestAsync(_orders.Skip(600), ct);

        await using var other = App(precomputed: true, staleAfterSeconds: 0);
        using var client = Client(other);
        string during;
        using (await Sets(other).HoldComputationsAsync(ct))
        {
            during = await GetAsync(client, "/api/reports/kpis");
        }

        Assert.Equal(before, during);
        Assert.Equal(1, Sets(other).StaleAnswers);
        await Sets(other).IdleAsync();
        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/kpis"), await GetAsync(client, "/api/reports/kpis"));
        Assert.Equal(1, Computations(other));
    }

    [Fact]
    public async Task After_midnight_a_page_without_a_day_gets_yesterdays_set_and_one_naming_today_waits_for_todays()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = App(precomputed: true, staleAfterSeconds: 0);
        using var client = Client(app);
        var yesterday = await GetAsync(client, "/api/reports/cohorts");
        _h.App.Time.Advance(TimeSpan.FromDays(1));

        string undated;
        ReportFreshness freshness;
        using (await Sets(app).HoldComputationsAsync(ct))
        {
            undated = await GetAsync(client, "/api/reports/cohorts");
            freshness = await FreshnessAsync(client);
        }

        var dated = await GetAsync(client, "/api/reports/cohorts?asOf=2026-11-02");

        Assert.Equal(yesterday, undated);
        Assert.Equal(new DateOnly(2026, 11, 1), freshness.AsOf);
        Assert.False(freshness.Current);
        Assert.Contains("\"asOf\":\"2026-11-02\"", dated, StringComparison.Ordinal);
        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/cohorts?asOf=2026-11-02"), dated);
        Assert.Equal(1, Sets(app).StaleAnswers);
    }

    [Fact]
    public async Task Freshness_before_any_set_names_none_and_with_precomputing_off_is_no_content()
    {
        var none = await FreshnessAsync(_h.Operator);
        var off = await _uncachedClient.GetAsync(new Uri("/api/reports/freshness", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Null(none.ComputedAt);
        Assert.False(none.Current);
        Assert.Equal(HttpStatusCode.NoContent, off.StatusCode);
    }

    [Fact]
    public async Task Without_any_previous_set_a_page_past_the_pending_limit_gets_503_with_retry_after_while_the_pass_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = App(precomputed: true, staleAfterSeconds: 0, pendingAfterSeconds: 0);
        using var client = Client(app);

        HttpResponseMessage pending;
        using (await Sets(app).HoldComputationsAsync(ct))
        {
            pending = await client.GetAsync(new Uri("/api/reports/kpis", UriKind.Relative), ct);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, pending.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(15), pending.Headers.RetryAfter?.Delta);
        Assert.Contains("report-set-pending", await pending.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        await Sets(app).IdleAsync();
        Assert.Equal(1, Computations(app));
        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/kpis"), await GetAsync(client, "/api/reports/kpis"));
    }

    [Fact]
    public async Task Passes_queued_behind_one_under_way_compute_once_for_the_newest_change()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = App(precomputed: true, staleAfterSeconds: 0);
        using var client = Client(app);
        var before = await GetAsync(client, "/api/reports/summary");
        var rest = _orders.Skip(600).ToList();

        using (await Sets(app).HoldComputationsAsync(ct))
        {
            await IngestAsync(rest.Take(rest.Count / 2), ct);
            Assert.Equal(before, await GetAsync(client, "/api/reports/summary"));
            await IngestAsync(rest.Skip(rest.Count / 2), ct);
            Assert.Equal(before, await GetAsync(client, "/api/reports/summary"));
        }

        await Sets(app).IdleAsync();

        Assert.Equal(2, Computations(app)); // the first, then one for the newest marker (not one per marker seen meanwhile)
        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/summary"), await GetAsync(client, "/api/reports/summary"));
        Assert.Equal(2, Computations(app));
    }

    [Fact]
    public async Task With_a_negative_stale_limit_a_page_after_a_change_waits_for_the_new_set_and_never_gets_503()
    {
        var ct = TestContext.Current.CancellationToken;
        await GetAsync(_h.Operator, "/api/reports/kpis"); // a set in blob: the app below has a previous one
        await using var app = App(precomputed: true, staleAfterSeconds: -1, pendingAfterSeconds: 0);
        using var client = Client(app);
        await GetAsync(client, "/api/reports/kpis");

        await IngestAsync(_orders.Skip(600), ct);
        var after = await GetAsync(client, "/api/reports/kpis");

        Assert.Equal(await GetAsync(_uncachedClient, "/api/reports/kpis"), after);
        Assert.Equal(0, Sets(app).StaleAnswers);
    }
}
