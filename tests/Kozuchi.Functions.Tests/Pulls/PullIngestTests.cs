using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
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
    private bool _ticked;

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

    /// <summary>
    /// The <c>PullOrders</c> timer ticking at the source's next occurrence (its default schedule, minute 7 of each
    /// hour): the tick that runs it. False when the invocation failed.
    /// </summary>
    private async Task<bool> Tick()
    {
        var ct = TestContext.Current.CancellationToken;
        if (!_ticked)
        {
            // The first tick sees the source for the first time and books its next occurrence, as a new timer does.
            await _h.App.Functions.TimerAsync("PullOrders", ct);
            _ticked = true;
        }

        var schedule = Cronos.CronExpression.Parse(Core.Pulls.PullSource.DefaultSchedule, Cronos.CronFormat.IncludeSeconds);
        _h.App.Time.SetUtcNow(new DateTimeOffset(schedule.GetNextOccurrence(_h.App.Time.GetUtcNow().UtcDateTime)!.Value, TimeSpan.Zero));
        try
        {
            await _h.App.Functions.TimerAsync("PullOrders", ct);
            return true;
        }
        catch (Kozuchi.Functions.Hosting.LocalRuntime.FunctionFailedException)
        {
            return false;
        }
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

        Assert.True(await Tick());
        Assert.Equal(1, await _h.DrainAsync(ct));
        Assert.True(await Tick()); // the overlap pulls it again
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

        Assert.True(await Tick());

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

        Assert.True(await tick);
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

        var ticked = await Tick();

        Assert.False(ticked);
        var mark = await _h.App.Services.GetRequiredService<PullMarkStore>().GetAsync("shopify", ct);
        Assert.Null(mark?.HighWater);
        Assert.StartsWith("Unauthorized", mark?.LastStatus, StringComparison.Ordinal);
        Assert.Equal(0, await RawBlobs("pulls/"));
    }

    [Fact]
    public async Task One_timer_runs_each_source_on_its_own_schedule_once_per_occurrence_and_makes_up_a_missed_one_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await IngestHarness.StartAsync(azurite, app => app
            .WithSetting("Kozuchi:Pulls:Sources:0:Kind", "shopify")
            .WithSetting("Kozuchi:Pulls:Sources:0:Name", "hourly")
            .WithSetting("Kozuchi:Pulls:Sources:0:BaseUrl", _shop.Url)
            .WithSetting("Kozuchi:Pulls:Sources:0:AccessToken", "token-hourly")
            .WithSetting("Kozuchi:Pulls:Sources:1:Kind", "shopify")
            .WithSetting("Kozuchi:Pulls:Sources:1:Name", "two-hourly")
            .WithSetting("Kozuchi:Pulls:Sources:1:BaseUrl", _shop.Url)
            .WithSetting("Kozuchi:Pulls:Sources:1:AccessToken", "token-two-hourly")
            .WithSetting("Kozuchi:Pulls:Sources:1:Schedule", "0 30 */2 * * *"));
        _shop.Given(Request.Create().WithPath(OrdersPath).UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("{\"orders\":[]}"));
        int Pulls(string token) => _shop.LogEntries.Count(e => e.RequestMessage!.Headers!["X-Shopify-Access-Token"].Contains(token));
        async Task TickAt(KozuchiAppFactory app, int hour, int minute)
        {
            app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, hour, minute, 0, TimeSpan.Zero));
            await app.Functions.TimerAsync("PullOrders", ct);
        }

        await TickAt(h.App, 0, 0);  // first sight: each source books its next occurrence (00:07, 00:30)
        await TickAt(h.App, 0, 6);
        Assert.Equal((0, 0), (Pulls("token-hourly"), Pulls("token-two-hourly")));
        await TickAt(h.App, 0, 7);
        await TickAt(h.App, 0, 8);
        Assert.Equal((1, 0), (Pulls("token-hourly"), Pulls("token-two-hourly")));
        await TickAt(h.App, 0, 30);
        await TickAt(h.App, 0, 31);
        Assert.Equal((1, 1), (Pulls("token-hourly"), Pulls("token-two-hourly")));

        // Nothing ticked from 00:31 to 05:00 (the app was stopped): each source makes up its missed runs once.
        await TickAt(h.App, 5, 0);
        await TickAt(h.App, 5, 1);
        Assert.Equal((2, 2), (Pulls("token-hourly"), Pulls("token-two-hourly")));

        // Another instance ticking the same minute runs nothing more: the occurrence is taken (lease and status in storage).
        await TickAt(h.App, 5, 7);
        await using var other = new KozuchiAppFactory(h.Storage, h.App.Time)
            .WithSetting("Kozuchi:Pulls:Sources:0:Kind", "shopify").WithSetting("Kozuchi:Pulls:Sources:0:Name", "hourly")
            .WithSetting("Kozuchi:Pulls:Sources:0:BaseUrl", _shop.Url).WithSetting("Kozuchi:Pulls:Sources:0:AccessToken", "token-hourly");
        await TickAt(other, 5, 7);
        Assert.Equal(3, Pulls("token-hourly"));
    }
}
