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
}
