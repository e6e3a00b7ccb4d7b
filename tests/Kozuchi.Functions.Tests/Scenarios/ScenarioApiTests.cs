using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Scenarios;

public sealed class ScenarioApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    internal const string Thanks = """
        {
          "schemaVersion": 1, "id": "thanks", "version": 1, "name": "お礼", "trigger": { "type": "anyOrder" },
          "steps": [
            { "type": "send", "id": "mail", "channels": ["email"], "template": "first-order-thanks", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1 }
          ]
        }
        """;

    private IngestHarness _h = null!;

    // Results are read again right after a send: wait for the new count rather than take the previous one.
    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"));

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> PostAsync(string path, string? json = null)
    {
        using var content = new StringContent(json ?? "", Encoding.UTF8, "application/json");
        return await _h.Operator.PostAsync(new Uri("/api/" + path, UriKind.Relative), content, Ct);
    }

    private async Task<JsonElement> GetAsync(string path) => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/" + path, UriKind.Relative), Ct);

    [Fact]
    public async Task An_invalid_definition_is_refused_with_errors_that_name_the_node()
    {
        var response = await PostAsync("scenarios", """
            {"id":"ab","trigger":{"type":"anyOrder"},"steps":[
              {"type":"split","id":"split-1","arms":[{"name":"a","weight":50,"next":"x"},{"name":"b","weight":40,"next":"x"}]},
              {"type":"exit","id":"x"}]}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors")[0];
        Assert.Equal("split-1", error.GetProperty("nodeId").GetString());
        Assert.Equal("arms", error.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("scenarios", "{ not json")).StatusCode);
    }

    [Fact]
    public async Task A_scenario_is_created_once_and_goes_through_its_lifecycle()
    {
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("scenarios", Thanks)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("scenarios", Thanks)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync("scenarios", Thanks.Replace("\"days\": 1", "\"days\": 2", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync("scenarios/thanks/pause")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("scenarios/thanks/activate")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("scenarios/thanks/pause")).StatusCode);
        Assert.Equal("Paused", (await GetAsync("scenarios"))[0].GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("scenarios/thanks/resume")).StatusCode);
        var stop = await PostAsync("scenarios/thanks/stop");

        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal("Stopped", (await stop.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("scenario").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync("scenarios/nope/activate")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/scenarios/nope/results", UriKind.Relative), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Client.GetAsync(new Uri("/api/scenarios", UriKind.Relative), Ct)).StatusCode);
    }

    private async Task<string> OrderThroughWebhookAsync()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"id":9001,"name":"#9001","email":"hanako@example.jp","phone":null,"created_at":"2026-10-31T20:00:00+09:00","updated_at":"2026-10-31T20:00:00+09:00",
             "processed_at":"2026-10-31T20:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"paid","cancelled_at":null,
             "buyer_accepts_marketing":true,"test":false,"customer":{"id":7001,"email":"hanako@example.jp","first_name":"花子","last_name":"佐藤","phone":null},
             "billing_address":{"name":"佐藤 花子","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-3","address2":"","phone":null},
             "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],"refunds":[]}
            """);
        Assert.True((await _h.PostShopifyOrderAsync(body, "wh-9001", Ct)).IsSuccessStatusCode);

        await _h.DrainAsync(Ct);
        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct));

        return Assert.Single(await _h.App.Services.GetRequiredService<CustomerStore>().ScanProfilesAsync(Ct).ToListAsync(Ct)).CustomerId;
    }

    [Fact]
    public async Task An_order_webhook_enrolls_the_customer_sends_on_the_email_queue_and_shows_in_results()
    {
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("scenarios", Thanks)).StatusCode);
        await PostAsync("scenarios/thanks/activate");
        var customerId = await OrderThroughWebhookAsync();
        var enrollment = (await GetAsync($"customers/{customerId}/enrollments"))[0];
        Assert.Equal(("thanks", "Active", 1), (enrollment.GetProperty("scenarioId").GetString(), enrollment.GetProperty("status").GetString(), enrollment.GetProperty("sends").GetInt32()));
        var message = Assert.Single((await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail).PeekMessagesAsync(10, Ct)).Value);
        var batch = SendBatchMessage.Parse(message.MessageText);
        Assert.Equal(("first-order-thanks", customerId), (batch.Template, Assert.Single(batch.Recipients).CustomerId));
        Assert.DoesNotContain("hanako", message.MessageText, StringComparison.Ordinal);

        // Queued is not sent: results count it pending until the send queue has carried it out.
        var queued = (await GetAsync("scenarios/thanks/results")).GetProperty("results");
        Assert.Equal((1, 0, 1), (queued.GetProperty("entered").GetInt32(), queued.GetProperty("sent").GetInt32(), queued.GetProperty("tally").GetProperty("pending").GetInt32()));

        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.SendEmail, Kozuchi.Functions.Channels.SendEmailFunction.Name, Ct));
        var sent = (await GetAsync("scenarios/thanks/results")).GetProperty("results");
        Assert.Equal((0, 1, 0, 0), (sent.GetProperty("sent").GetInt32(), sent.GetProperty("tally").GetProperty("sandbox").GetInt32(), sent.GetProperty("tally").GetProperty("pending").GetInt32(), sent.GetProperty("tally").GetProperty("failed").GetInt32()));
        Assert.Equal(0m, sent.GetProperty("cost").GetDecimal());
    }

    [Fact]
    public async Task The_sweep_timer_fires_due_timers_and_an_early_wake_up_is_requeued_through_the_function_endpoints()
    {
        await PostAsync("scenarios", Thanks);
        await PostAsync("scenarios/thanks/activate");
        var customerId = await OrderThroughWebhookAsync();
        var wakeups = _h.Storage.Clients.Queue(StorageCatalog.Queues.ScenarioWakeups);
        var before = (await wakeups.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount;
        var wakeup = new WakeupMessage { CustomerId = customerId, EnrollmentId = "thanks.none", Token = "thanks.none:t1", DueAt = _h.App.Time.GetUtcNow().AddDays(10) };

        Assert.True(await _h.App.Functions.TryQueueAsync("ScenarioWakeup", wakeup.ToJson(), cancellationToken: Ct));
        Assert.Equal(before + 1, (await wakeups.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);

        _h.App.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(3));
        await _h.App.Functions.TimerAsync("ScenarioSweep", Ct);
        await _h.App.Functions.TimerAsync("ScenarioDailyTriggers", Ct);

        var enrollment = (await GetAsync($"customers/{customerId}/enrollments"))[0];
        Assert.Equal(("Completed", "Exited"), (enrollment.GetProperty("status").GetString(), enrollment.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task A_segment_is_stored_for_triggers_after_validation()
    {
        var bad = await PostAsync("segments", """{ "schemaVersion": 1, "id": "loyal", "rule": { "type": "frequency" } }""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("loyal", (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors")[0].GetProperty("nodeId").GetString());

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("segments", """{ "schemaVersion": 1, "id": "loyal", "rule": { "type": "frequency", "min": 3 } }""")).StatusCode);

        Assert.Equal("loyal", (await GetAsync("segments/loyal")).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/segments/none", UriKind.Relative), Ct)).StatusCode);
    }
}
