using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Orders;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>
/// The analytics API over demo orders loaded through ingest, checked against the same numbers computed here straight
/// from the generated orders and their ground truth (no shared code with Core/Analytics). The demo has no shared
/// family landlines here, so identity resolution reunites exactly the generated people.
/// </summary>
public sealed class AnalyticsApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Jst = TimeSpan.FromHours(9);
    private IngestHarness _h = null!;
    private DemoData _data = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await IngestHarness.StartAsync(azurite);
        var ct = TestContext.Current.CancellationToken;
        var asOf = DateOnly.FromDateTime(_h.App.Time.GetUtcNow().ToOffset(Jst).DateTime);
        _data = DemoGenerator.Generate(new DemoOptions { Customers = 250, Seed = 3, AsOf = asOf, SharedLandlineShare = 0 });
        var store = _h.App.Services.GetRequiredService<CustomerStore>();
        var ingestor = _h.App.Services.GetRequiredService<OrderIngestor>();
        var session = CustomerStore.NewSession();
        await store.PreloadAllAsync(session, ct);
        await ingestor.IngestAsync([.. _data.Orders.Select(o => new IncomingOrder(o, "demo"))], session, ct);
    }

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static DateOnly Day(Order o) => DateOnly.FromDateTime(o.OrderedAt.ToOffset(Jst).DateTime);

    private static string Month(Order o) => Day(o).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<JsonElement> GetAsync(string path)
    {
        var response = await _h.Operator.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
    }

    [Fact]
    public async Task Monthly_kpis_match_an_independent_computation_from_the_generated_orders_and_show_target_progress()
    {
        var counted = _data.Orders.Where(o => o.Status != OrderStatus.Cancelled).ToList();
        var firsts = counted.GroupBy(o => _data.GroundTruth[o.Key])
            .Select(g => g.OrderBy(o => o.OrderedAt).ThenBy(o => o.Key.ToString(), StringComparer.Ordinal).First())
            .ToHashSet();
        var expected = counted.GroupBy(Month).ToDictionary(g => g.Key, g =>
        {
            var active = g.Select(o => _data.GroundTruth[o.Key]).Distinct().Count();
            var newCustomers = g.Count(firsts.Contains);
            return (Sales: g.Sum(o => o.NetAmount), NewSales: g.Where(firsts.Contains).Sum(o => o.NetAmount), Orders: g.Count(), Active: active, New: newCustomers, RepeatRate: (double)(active - newCustomers) / active);
        });
        var lastFull = expected.Keys.Where(k => string.CompareOrdinal(k, "2026-11") < 0).Max()!;
        var target = (double)expected[lastFull].Sales * 1.25;
        var put = await _h.Operator.PutAsJsonAsync(new Uri("/api/reports/targets", UriKind.Relative), new[] { new { kpi = "sales", month = lastFull, value = (double?)target } }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var kpis = await GetAsync("/api/reports/kpis");

        var months = kpis.GetProperty("months").EnumerateArray().ToDictionary(m => m.GetProperty("month").GetString()!);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), months.Keys.Where(k => months[k].GetProperty("orders").GetInt32() > 0).Order(StringComparer.Ordinal));
        foreach (var (month, e) in expected)
        {
            var m = months[month];
            Assert.Equal(e.Sales, m.GetProperty("sales").GetDecimal());
            Assert.Equal(e.NewSales, m.GetProperty("newSales").GetDecimal());
            Assert.Equal(e.Sales - e.NewSales, m.GetProperty("repeatSales").GetDecimal());
            Assert.Equal(e.Orders, m.GetProperty("orders").GetInt32());
            Assert.Equal(e.Active, m.GetProperty("activeCustomers").GetInt32());
            Assert.Equal(e.New, m.GetProperty("newCustomers").GetInt32());
            Assert.Equal(e.RepeatRate, m.GetProperty("repeatRate").GetDouble(), 12);
            Assert.Equal(e.Sales / e.Orders, m.GetProperty("aov").GetDecimal());
        }

        var progress = Assert.Single(kpis.GetProperty("targets").EnumerateArray());
        Assert.Equal(("sales", lastFull, target), (progress.GetProperty("kpi").GetString(), progress.GetProperty("month").GetString(), progress.GetProperty("value").GetDouble()));
        Assert.Equal(0.8, progress.GetProperty("progress").GetDouble(), 9);
    }

    [Fact]
    public async Task Basket_matches_an_independent_count_of_product_pairs_in_the_generated_orders()
    {
        var baskets = _data.Orders.Where(o => o.Status != OrderStatus.Cancelled)
            .Select(o => o.Lines.Select(l => l.ProductKey).Distinct(StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal))
            .Where(b => b.Count > 0)
            .ToList();
        var pairs = baskets.SelectMany(b => b.SelectMany(x => b.Where(y => string.CompareOrdinal(x, y) < 0).Select(y => (x, y))))
            .GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.NotEmpty(pairs);

        var basket = await GetAsync("/api/reports/products/basket?top=10000");

        var rows = basket.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(pairs.Count, rows.Count);
        foreach (var row in rows)
        {
            var (a, b) = (row.GetProperty("productA").GetString()!, row.GetProperty("productB").GetString()!);
            var both = pairs[(a, b)];
            var (na, nb) = (baskets.Count(s => s.Contains(a)), baskets.Count(s => s.Contains(b)));
            Assert.Equal(both, row.GetProperty("orders").GetInt32());
            Assert.Equal((double)both / baskets.Count, row.GetProperty("support").GetDouble(), 12);
            Assert.Equal((double)both / na, row.GetProperty("confidenceAToB").GetDouble(), 12);
            Assert.Equal((double)both / nb, row.GetProperty("confidenceBToA").GetDouble(), 12);
            Assert.Equal((double)both * baskets.Count / ((double)na * nb), row.GetProperty("lift").GetDouble(), 9);
        }

        // Most frequent pairs first.
        Assert.Equal(pairs.Values.Max(), rows[0].GetProperty("orders").GetInt32());
    }

    [Fact]
    public async Task Cohorts_entry_products_and_conversion_come_in_the_shapes_the_dashboard_reads()
    {
        var people = _data.Orders.Where(o => o.Status != OrderStatus.Cancelled).Select(o => _data.GroundTruth[o.Key]).Distinct().Count();

        var cohorts = await GetAsync("/api/reports/cohorts");
        var entry = await GetAsync("/api/reports/products/entry");
        var conversion = await GetAsync("/api/reports/products/conversion?firstToSecond=true&top=10000");

        var list = cohorts.GetProperty("cohorts").EnumerateArray().ToList();
        Assert.Equal(people, list.Sum(c => c.GetProperty("customers").GetInt32()));
        var old = list.First(c => c.GetProperty("month").GetString() == "2024-01");
        Assert.InRange(old.GetProperty("retention").GetProperty("m1").GetDouble(), 0, 1);
        Assert.True(old.GetProperty("ltv").GetProperty("m12").GetDecimal() >= old.GetProperty("ltv").GetProperty("m1").GetDecimal());

        // Every month 1 … 12 (the heat maps' columns), the same figures as the earlier 1/3/6/12 fields, LTV never falling.
        var months = old.GetProperty("months").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 12), months.Select(m => m.GetProperty("k").GetInt32()));
        foreach (var k in new[] { 1, 3, 6, 12 })
        {
            Assert.Equal(old.GetProperty("retention").GetProperty($"m{k}").GetDouble(), months[k - 1].GetProperty("retention").GetDouble());
            Assert.Equal(old.GetProperty("ltv").GetProperty($"m{k}").GetDecimal(), months[k - 1].GetProperty("ltv").GetDecimal());
        }

        Assert.Equal(months.Select(m => m.GetProperty("ltv").GetDecimal()).Order(), months.Select(m => m.GetProperty("ltv").GetDecimal()));
        Assert.Equal(JsonValueKind.Null, list[^1].GetProperty("retention").GetProperty("m1").ValueKind);
        Assert.Equal(people, cohorts.GetProperty("byMedium").EnumerateArray().Sum(g => g.GetProperty("customers").GetInt32()));

        Assert.NotEmpty(entry.GetProperty("rows").EnumerateArray());
        Assert.All(entry.GetProperty("rows").EnumerateArray(), r => Assert.InRange(r.GetProperty("continuationRate").GetDouble(), 0, 1));

        // First-to-second conversions: one step per repeat customer, each pairing ≥ 1 product with ≥ 1 product.
        var repeaters = conversion.GetProperty("daysToSecond").GetProperty("customers").GetInt32();
        Assert.InRange(repeaters, 1, people - 1);
        Assert.True(conversion.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("count").GetInt32()) >= repeaters);
        Assert.Equal(repeaters, conversion.GetProperty("daysToSecond").GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("customers").GetInt32()));
    }

    [Fact]
    public async Task Clv_fits_the_shop_customers_and_ranks_them_by_expected_value_from_their_own_history()
    {
        var clv = await GetAsync("/api/reports/clv?horizonDays=180&top=20");

        var fit = clv.GetProperty("bgNbd");
        foreach (var name in new[] { "r", "alpha", "a", "b" })
        {
            Assert.True(fit.GetProperty(name).GetDouble() is > 0 and < 1e6, name);
        }

        Assert.True(fit.GetProperty("converged").GetBoolean());
        Assert.True(clv.GetProperty("gammaGamma").GetProperty("q").GetDouble() > 1);
        var top = clv.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(20, top.Count);
        var values = top.Select(c => c.GetProperty("expectedValue").GetDouble()).ToList();
        Assert.Equal(values.OrderDescending(), values);
        Assert.InRange(clv.GetProperty("atRisk").GetInt32(), 0, clv.GetProperty("customers").GetInt32());

        // Each ranked customer's summary, recomputed from the generated orders of that person (ground truth); a purchase
        // is an order of positive value (a fully refunded order is none).
        var byPerson = _data.Orders.Where(o => o.Status != OrderStatus.Cancelled && o.NetAmount > 0).GroupBy(o => _data.GroundTruth[o.Key]).ToList();
        var asOf = DateOnly.Parse(clv.GetProperty("asOf").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var c in top)
        {
            var frequency = c.GetProperty("frequency").GetInt32();
            var person = byPerson.Single(g => g.Select(Day).Distinct().Count() - 1 == frequency
                && Math.Abs((asOf.DayNumber - g.Min(Day).DayNumber) / 7.0 - c.GetProperty("ageWeeks").GetDouble()) < 1e-9
                && Math.Abs((g.Max(Day).DayNumber - g.Min(Day).DayNumber) / 7.0 - c.GetProperty("recencyWeeks").GetDouble()) < 1e-9
                && Math.Abs((double)g.Where(o => Day(o) != g.Min(Day)).Sum(o => o.NetAmount) - (c.GetProperty("monetaryValue").GetDouble() * frequency)) < 0.01);
            Assert.NotNull(person);
            Assert.InRange(c.GetProperty("probabilityAlive").GetDouble(), 0, 1);
            Assert.Equal(c.GetProperty("expectedOrders").GetDouble() * c.GetProperty("expectedAverageValue").GetDouble(), c.GetProperty("expectedValue").GetDouble(), 6);
        }
    }

    [Fact]
    public async Task Bad_parameters_and_unknown_target_kpis_are_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.BadRequest, (await _h.Operator.GetAsync(new Uri("/api/reports/kpis?asOf=2026-13-01", UriKind.Relative), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _h.Operator.GetAsync(new Uri("/api/reports/kpis?from=2026-1", UriKind.Relative), ct)).StatusCode);
        var put = await _h.Operator.PutAsJsonAsync(new Uri("/api/reports/targets", UriKind.Relative), new[] { new { kpi = "happiness", month = "2026-10", value = 1.0 } }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Client.GetAsync(new Uri("/api/reports/kpis", UriKind.Relative), ct)).StatusCode);
    }
}
