using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Scenarios;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Scenarios;

/// <summary>The results page's answers: counted once per enrollment change, the previous count meanwhile, shared through blob.</summary>
public sealed class ScenarioResultsCacheTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Thanks = ScenarioApiTests.Thanks;

    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "0"));
        using var content = new StringContent(Thanks, Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Created, (await _h.Operator.PostAsync(new Uri("/api/scenarios", UriKind.Relative), content, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PostAsync(new Uri("/api/scenarios/thanks/activate", UriKind.Relative), null, Ct)).StatusCode);
    }

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ScenarioResultsCache Cache => _h.App.Services.GetRequiredService<ScenarioResultsCache>();

    private static async Task<JsonElement> ResultsAsync(HttpClient client) =>
        await client.GetFromJsonAsync<JsonElement>(new Uri("/api/scenarios/thanks/results", UriKind.Relative), Ct);

    private static int Entered(JsonElement view) => view.GetProperty("results").GetProperty("entered").GetInt32();

    /// <summary>A first order of a new customer through the Shopify webhook, routed to the scenario (one enrollment more).</summary>
    private async Task OrderAsync(int n)
    {
        var body = Encoding.UTF8.GetBytes($$"""
            {"id":{{9000 + n}},"name":"#{{9000 + n}}","email":"buyer{{n}}@example.jp","phone":null,"created_at":"2026-10-31T20:00:00+09:00","updated_at":"2026-10-31T20:00:00+09:00",
             "processed_at":"2026-10-31T20:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"paid","cancelled_at":null,
             "buyer_accepts_marketing":true,"test":false,"customer":{"id":{{7000 + n}},"email":"buyer{{n}}@example.jp","first_name":"花子","last_name":"佐藤","phone":null},
             "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],"refunds":[]}
            """);
        Assert.True((await _h.PostShopifyOrderAsync(body, $"wh-{n}", Ct)).IsSuccessStatusCode);
        await _h.DrainAsync(Ct);
        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct));
    }

    [Fact]
    public async Task Results_are_counted_once_per_enrollment_change_and_from_the_previous_count_while_the_next_is_under_way()
    {
        await OrderAsync(1);
        var first = await ResultsAsync(_h.Operator);
        var again = await ResultsAsync(_h.Operator);
        Assert.Equal((1, 1), (Entered(first), Entered(again)));
        Assert.Equal(1, Cache.Computations);
        Assert.True(again.GetProperty("current").GetBoolean());

        await OrderAsync(2);
        JsonElement during;
        using (await Cache.HoldComputationsAsync(Ct))
        {
            during = await ResultsAsync(_h.Operator);
        }

        Assert.Equal(1, Entered(during));
        Assert.False(during.GetProperty("current").GetBoolean());
        Assert.Equal(first.GetProperty("computedAt").GetString(), during.GetProperty("computedAt").GetString());
        Assert.Equal(1, Cache.StaleAnswers);

        await Cache.IdleAsync();
        var after = await ResultsAsync(_h.Operator);
        Assert.Equal(2, Entered(after));
        Assert.True(after.GetProperty("current").GetBoolean());
        Assert.Equal(2, Cache.Computations);
    }

    [Fact]
    public async Task A_pause_shows_at_once_without_a_new_count()
    {
        await OrderAsync(1);
        Assert.Equal("Active", (await ResultsAsync(_h.Operator)).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PostAsync(new Uri("/api/scenarios/thanks/pause", UriKind.Relative), null, Ct)).StatusCode);

        Assert.Equal("Paused", (await ResultsAsync(_h.Operator)).GetProperty("status").GetString());
        Assert.Equal(1, Cache.Computations);
    }

    [Fact]
    public async Task The_refresh_timer_counts_changed_results_so_pages_and_other_instances_do_not()
    {
        await OrderAsync(1);
        await ResultsAsync(_h.Operator);
        await OrderAsync(2);

        await _h.App.Functions.TimerAsync("ReportSetRefresh", Ct);
        Assert.Equal(2, Cache.Computations);

        Assert.Equal(2, Entered(await ResultsAsync(_h.Operator)));
        Assert.Equal(2, Cache.Computations);
        await using var other = new KozuchiAppFactory(_h.Storage, _h.App.Time).WithSetting("Kozuchi:Auth:OperatorKey", IngestHarness.OperatorKey);
        using var client = other.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", IngestHarness.OperatorKey);
        Assert.Equal(2, Entered(await ResultsAsync(client)));
        Assert.Equal(0, other.Services.GetRequiredService<ScenarioResultsCache>().Computations);
    }

    [Fact]
    public async Task A_new_active_version_counts_again_without_any_enrollment_change()
    {
        await OrderAsync(1);
        await ResultsAsync(_h.Operator);
        var v2 = Thanks.Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal).Replace("\"days\": 1", "\"days\": 2", StringComparison.Ordinal);
        using var content = new StringContent(v2, Encoding.UTF8, "application/json");
        Assert.True((await _h.Operator.PostAsync(new Uri("/api/scenarios", UriKind.Relative), content, Ct)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PostAsync(new Uri("/api/scenarios/thanks/activate", UriKind.Relative), null, Ct)).StatusCode);

        var during = await ResultsAsync(_h.Operator);
        await Cache.IdleAsync();
        var after = await ResultsAsync(_h.Operator);

        Assert.Equal(2, during.GetProperty("activeVersion").GetInt32());
        Assert.Equal(2, after.GetProperty("activeVersion").GetInt32());
        Assert.Equal(2, Cache.Computations);
        Assert.True(after.GetProperty("current").GetBoolean());
    }
}
