using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Pulls;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Pulls;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Kozuchi.Functions.Tests.Pulls;

/// <summary>
/// A Shopify source pulled through the app on Azurite against a loopback Admin API: pulled pages take the webhook's
/// path (landing blob, orders-incoming, ProcessOrders), so a pull and a webhook of one order are one order, and a
/// pull after a missed webhook brings the order in.
/// </summary>
public sealed class PullIngestTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OrdersPath = "/admin/api/2025-10/orders.json";
    private readonly WireMockServer _shop = WireMockServer.Start();
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() =>
        _h = await IngestHarness.StartAsync(azurite, app => app
            .WithSetting("Kozuchi:Pulls:Sources:0:Kind", "shopify")
            .WithSetting("Kozuchi:Pulls:Sources:0:Name", "shopify")
            .WithSetting("Kozuchi:Pulls:Sources:0:BaseUrl", _shop.Url)
            .WithSetting("Kozuchi:Pulls:Sources:0:AccessToken", "shpat-placeholder"));

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        _shop.Stop();
    }

    // The app's clock stands at 2026-11-01T00:00Z; these orders changed on the evening before (Japan time).
    private static string Order(long id, string updatedAt, string financialStatus) => $$"""
        {"id":{{id}},"name":"#{{id}}","email":"hanako@example.jp","created_at":"2026-10-31T20:00:00+09:00","updated_at":"{{updatedAt}}",
         "processed_at":"2026-10-31T20:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"{{financialStatus}}",
         "cancelled_at":null,"buyer_accepts_marketing":true,"test":false,
         "customer":{"id":7001,"email":"hanako@example.jp","first_name":"花子","last_name":"佐藤","phone":"+819011112222"},
         "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],"refunds":[]}
        """;

    private void ShopServes(params string[] orders) =>
        _shop.Given(Request.Create().WithPath(OrdersPath).WithHeader("X-Shopify-Access-Token", "shpat-placeholder").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("{\"orders\":[" + string.Join(',', orders) + "]}"));

    private async Task<HttpResponseMessage> PostWebhook(string body, string topic)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(bytes, IngestHarness.ShopifySecret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
        return await _h.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The timer tick as the host delivers it.</summary>
    private async Task<HttpResponseMessage> Tick(string function = "Pull_shopify")
    {
        using var content = new StringContent("""{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{}}""", Encoding.UTF8, "application/json");
        return await _h.Client.PostAsync(new Uri("/" + function, UriKind.Relative), content, TestContext.Current.CancellationToken);
    }

    private async Task<JsonElement> Summary() =>
        await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/summary", UriKind.Relative), TestContext.Current.CancellationToken);

    private async Task<int> RawBlobs(string prefix)
    {
        var n = 0;
        await foreach (var _ in _h.Storage.Clients.Container(StorageCatalog.Containers.Raw).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, TestContext.Current.CancellationToken))
        {
            n++;
        }

        return n;
    }

    [Fact]
    public async Task A_pull_and_a_webhook_of_the_same_order_end_as_one_order_in_its_latest_state()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await PostWebhook(Order(5001, "2026-10-31T20:00:05+09:00", "pending"), "orders/create")).StatusCode);
        await _h.DrainAsync(ct);
        ShopServes(Order(5001, "2026-10-31T20:05:00+09:00", "paid"));

        Assert.Equal(HttpStatusCode.OK, (await Tick()).StatusCode);
        Assert.Equal(1, await _h.DrainAsync(ct));
        Assert.Equal(HttpStatusCode.OK, (await Tick()).StatusCode); // the overlap pulls it again
        await _h.DrainAsync(ct);

        var summary = await Summary();
        Assert.Equal((1, 1), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32()));
        var stored = await _h.App.Services.GetRequiredService<CustomerStore>().GetOrderAsync(new OrderKey(ShopifyOrderJson.Source, "5001"), ct);
        Assert.Equal(OrderStatus.Paid, stored?.Status);
    }

    [Fact]
    public async Task A_pull_after_a_missed_webhook_makes_the_order_appear_and_moves_the_high_water_mark()
    {
        var ct = TestContext.Current.CancellationToken;
        ShopServes(Order(5002, "2026-10-31T21:30:00+09:00", "paid"));
        Assert.Equal(0, (await Summary()).GetProperty("orders").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await Tick()).StatusCode);

        Assert.Equal(1, await RawBlobs("pulls/shopify/")); // landed before it is processed, replayable like a webhook body
        Assert.Equal(1, await _h.DrainAsync(ct));
        var summary = await Summary();
        Assert.Equal((1, 1, 5980m), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal()));
        var mark = await _h.App.Services.GetRequiredService<PullMarkStore>().GetAsync("shopify", ct);
        Assert.Equal(DateTimeOffset.Parse("2026-10-31T21:30:00+09:00", System.Globalization.CultureInfo.InvariantCulture), mark?.HighWater);
        Assert.Equal("ok", mark?.LastStatus);

        // Pulled pages replay like webhook bodies, and change nothing the second time.
        Assert.Equal(1, await _h.App.Services.GetRequiredService<IngestPipeline>().ReplayAsync("pulls/", ct));
        Assert.Equal(1, await _h.DrainAsync(ct));
        Assert.Equal(1, (await Summary()).GetProperty("orders").GetInt32());
    }

    [Fact]
    public async Task A_429_is_waited_out_on_the_clock_and_the_order_still_arrives()
    {
        var ct = TestContext.Current.CancellationToken;
        _shop.Given(Request.Create().WithPath(OrdersPath).UsingGet()).InScenario("throttle").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "2.0").WithBodyAsJson(new { errors = "Exceeded 2 calls per second for api client." }));
        _shop.Given(Request.Create().WithPath(OrdersPath).UsingGet()).InScenario("throttle").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("{\"orders\":[" + Order(5003, "2026-10-31T22:00:00+09:00", "paid") + "]}"));
        var waiting = _h.App.Time.ExpectTimer(due => due == TimeSpan.FromSeconds(2));

        var tick = Tick();
        await waiting; // the pull is parked on Retry-After, on the app's clock
        Assert.False(tick.IsCompleted);
        _h.App.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.OK, (await tick).StatusCode);
        Assert.Equal(2, _shop.LogEntries.Count(e => e.RequestMessage!.Path == OrdersPath));
        Assert.Equal(1, await _h.DrainAsync(ct));
        Assert.Equal(1, (await Summary()).GetProperty("orders").GetInt32());
    }

    [Fact]
    public async Task Pull_run_on_the_command_line_lands_and_queues_one_source_now()
    {
        ShopServes(Order(5004, "2026-11-25T10:00:00+09:00", "paid"), Order(5005, "2026-11-25T10:01:00+09:00", "paid"));
        var environment = new Dictionary<string, string?>(_h.Storage.AppSettings)
        {
            ["Kozuchi:Pulls:Sources:0:Kind"] = "shopify",
            ["Kozuchi:Pulls:Sources:0:BaseUrl"] = _shop.Url,
            ["Kozuchi:Pulls:Sources:0:AccessToken"] = "shpat-placeholder",
            ["Kozuchi:Pulls:Sources:0:Lookback"] = "36500.00:00:00", // the child process runs on the real clock
        };

        var run = await KozuchiCliProcess.RunAsync(environment, TimeSpan.FromMinutes(2), "pull", "run", "shopify");
        var unknown = await KozuchiCliProcess.RunAsync(environment, TimeSpan.FromMinutes(2), "pull", "run", "nope");

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("shopify: 2 orders in 1 pages", run.Output, StringComparison.Ordinal);
        Assert.Equal(1, await RawBlobs("pulls/shopify/"));
        Assert.Equal(1, await _h.DrainAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, (await Summary()).GetProperty("orders").GetInt32());
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("No pull source 'nope' (shopify)", unknown.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("shpat-placeholder", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_fails_the_tick_and_leaves_the_high_water_mark_where_it_was()
    {
        var ct = TestContext.Current.CancellationToken;
        _shop.Given(Request.Create().WithPath(OrdersPath).UsingGet()).RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new { errors = "[API] Invalid API key or access token" }));

        var tick = await Tick();

        Assert.False(tick.IsSuccessStatusCode);
        var mark = await _h.App.Services.GetRequiredService<PullMarkStore>().GetAsync("shopify", ct);
        Assert.Null(mark?.HighWater);
        Assert.StartsWith("Unauthorized", mark?.LastStatus, StringComparison.Ordinal);
        Assert.Equal(0, await RawBlobs("pulls/"));
    }

    [Fact]
    public async Task The_deployment_manifest_has_a_timer_function_json_per_source_in_the_packaging_environment()
    {
        var dir = Directory.CreateTempSubdirectory("kozuchi-pull-manifest-");
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["Kozuchi:Pulls:Sources:0:Kind"] = "base",
                ["Kozuchi:Pulls:Sources:1:Kind"] = "colorme",
                ["Kozuchi:Pulls:Sources:1:Name"] = "colorme-outlet",
                ["Kozuchi:Pulls:Sources:1:Schedule"] = "0 30 */2 * * *",
            };

            var run = await KozuchiCliProcess.RunAsync(environment, TimeSpan.FromMinutes(2), "functions", "manifest", dir.FullName);

            Assert.True(run.ExitCode == 0, run.Output + run.Error);
            var base_ = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.FullName, "Pull_base", "function.json"), TestContext.Current.CancellationToken)).RootElement.GetProperty("bindings")[0];
            var outlet = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.FullName, "Pull_colorme-outlet", "function.json"), TestContext.Current.CancellationToken)).RootElement.GetProperty("bindings")[0];
            Assert.Equal(("timerTrigger", Core.Pulls.PullSource.DefaultSchedule), (base_.GetProperty("type").GetString(), base_.GetProperty("schedule").GetString()));
            Assert.Equal("0 30 */2 * * *", outlet.GetProperty("schedule").GetString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Each_configured_source_is_a_timer_function_in_the_registry()
    {
        var registry = _h.App.Services.GetRequiredService<FunctionRegistry>();

        Assert.True(registry.TryGet("Pull_shopify", out var function));
        var timer = Assert.IsType<TimerTrigger>(function.Trigger);
        Assert.Equal(Core.Pulls.PullSource.DefaultSchedule, timer.Schedule);
        Assert.Equal(typeof(PullOrdersFunction), function.HandlerType);
    }
}
