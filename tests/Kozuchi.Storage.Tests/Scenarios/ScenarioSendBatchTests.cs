using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>The engine's own chunking: one run's sends of one template leave in messages of up to 500 recipients.</summary>
public sealed class ScenarioSendBatchTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero);

    private const string Broadcast = """
        {
          "schemaVersion": 1, "id": "news", "version": 1, "trigger": { "type": "anyOrder" },
          "policies": { "quietHours": null },
          "steps": [
            { "type": "send", "id": "hello", "channels": ["email"], "template": "news-hello", "next": "end" },
            { "type": "exit", "id": "end" }
          ]
        }
        """;

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Six_hundred_enrollments_started_together_send_in_one_message_of_500_through_a_blob_and_one_of_100()
    {
        await _h.InstallAsync(Broadcast);
        var customers = Enumerable.Range(1, 600).Select(i => $"c{i:D4}").ToList();
        foreach (var c in customers)
        {
            await _h.PutCustomerAsync(c);
        }

        var report = await _h.Router.RouteAsync([.. customers.Select(c => new ScenarioEventItem { Kind = ScenarioEventKind.Enroll, CustomerId = c, ScenarioId = "news", TriggerKey = "broadcast" })], Ct);

        Assert.Equal(600, report.Started);
        Assert.Equal((600, 2), (report.Engine!.SendsQueued, report.Engine.SendMessages));
        var messages = (await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail).PeekMessagesAsync(32, Ct)).Value.Select(m => SendBatchMessage.Parse(m.MessageText)).ToList();
        Assert.Equal([0, 100], messages.Select(m => m.Recipients.Count).Order());
        Assert.Equal(500, Assert.Single(messages, m => m.RecipientsBlob is not null).RecipientCount);

        Assert.Equal(600, (await _h.DrainSendsAsync()).Select(s => s.Key).Distinct().Count());
        Assert.Equal(0, await _h.Storage.Clients.Container(StorageCatalog.Containers.SendBatches).GetBlobsAsync(cancellationToken: Ct).CountAsync(Ct));
    }
    [Fact]
    public async Task A_broadcast_to_a_segment_of_1000_enrolls_500_per_message_and_its_sends_leave_in_two_full_batches()
    {
        var (segment, _) = Kozuchi.Core.Segments.SegmentJson.Parse("""{ "schemaVersion": 1, "id": "mailable", "rule": { "type": "reachable", "channel": "email" } }""");
        await _h.Segments.PutAsync(segment!, Ct);
        await _h.InstallAsync(Broadcast.Replace("""{ "type": "anyOrder" }""", """{ "type": "broadcast", "segmentId": "mailable", "at": "2026-03-02T12:00:00+09:00" }""", StringComparison.Ordinal));
        var customers = Enumerable.Range(1, 1_000).Select(i => $"b{i:D4}").ToList();
        await Parallel.ForEachAsync(customers, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (c, _) => await _h.PutCustomerAsync(c));

        Assert.Equal(1_000, await _h.Triggers.RunBroadcastsAsync(Ct));

        var events = (await _h.Storage.Clients.Queue(StorageCatalog.Queues.ScenarioEvents).PeekMessagesAsync(32, Ct)).Value.Select(m => ScenarioEventBatch.Parse(m.MessageText)).ToList();
        Assert.Equal([500, 500], events.Select(e => e.Events.Count));
        Assert.All(events.SelectMany(e => e.Events), e => Assert.Equal((ScenarioEventKind.Enroll, "news", "broadcast"), (e.Kind, e.ScenarioId!, e.TriggerKey!)));

        Assert.Equal(2, await _h.RouteEventsAsync());
        var sends = (await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail).PeekMessagesAsync(32, Ct)).Value.Select(m => SendBatchMessage.Parse(m.MessageText)).ToList();
        Assert.Equal([500, 500], sends.Select(m => m.RecipientCount));
        Assert.Equal(1_000, (await _h.DrainSendsAsync()).Select(s => s.CustomerId).Distinct().Count());
    }

    [Fact]
    public void A_version_1_event_message_is_still_read_and_a_group_needs_version_2()
    {
        const string v1 = """{"v":1,"events":[{"kind":"enroll","customerId":"c1","scenarioId":"news","triggerKey":"broadcast"}]}""";
        const string group = """{"v":2,"events":[],"enroll":{"scenarioId":"news","triggerKey":"broadcast","customerIds":["c1","c2"]}}""";

        Assert.Equal("c1", Assert.Single(ScenarioEventBatch.Parse(v1).Events).CustomerId);
        Assert.Equal(["c1", "c2"], ScenarioEventBatch.Parse(group).Events.Select(e => e.CustomerId));
        Assert.Throws<System.Text.Json.JsonException>(() => ScenarioEventBatch.Parse(group.Replace("\"v\":2", "\"v\":1", StringComparison.Ordinal)));
    }
}
