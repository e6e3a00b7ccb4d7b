using System.Diagnostics;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Bench;

/// <summary>
/// The scenario engine through Azurite: N customers enter a scenario (enroll events routed in 50-event batches, 4
/// batches in flight as 4 queue-function instances would) and their first send is queued; a day later (fake clock)
/// the sweep fires every timer and the second send is queued. Beside it, the same emulator's single-entity write
/// rate with 8 in flight: the engine's work is point reads and conditional point writes, so that is its ceiling.
/// </summary>
internal static class ScenarioBench
{
    private const string Definition = """
        {
          "schemaVersion": 1, "id": "bench-winback", "trigger": { "type": "daysSinceLastOrder", "days": 120 },
          "policies": { "quietHours": null },
          "steps": [
            { "type": "send", "id": "first", "channels": ["email"], "template": "winback", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1, "next": "second" },
            { "type": "send", "id": "second", "channels": ["email"], "template": "winback-reminder" }
          ]
        }
        """;

    public static async Task RunAsync(int customers, bool firstStepOnly = false)
    {
        Console.WriteLine($"# scenarios: {customers:N0} customers through enrollment, first send, timer, second send");
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var storage = await BenchStorage.StartAsync(time);
        var clients = storage.Services.GetRequiredService<StorageClients>();
        Report.Line("reference: Azurite single-entity upsert (8 in flight)", await PointWriteRateAsync(clients, 20_000), "writes/s");

        var table = clients.Table(StorageCatalog.Tables.Customers);
        var records = Enumerable.Range(0, customers).Select(i => new CustomerRecord
        {
            CustomerId = $"c{i:D7}",
            Contact = new CustomerContact { Email = $"c{i}@example.jp" },
            EmailOptIn = true,
        });
        var batches = records.Select(CustomerEntities.ToEntity).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
            await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));

        var service = storage.Services.GetRequiredService<ScenarioService>();
        await service.CreateAsync(Definition, null, CancellationToken.None);
        await service.ActivateAsync("bench-winback", CancellationToken.None);
        var router = storage.Services.GetRequiredService<ScenarioRouter>();
        var events = Enumerable.Range(0, customers).Select(i => new ScenarioEventItem { Kind = ScenarioEventKind.Enroll, CustomerId = $"c{i:D7}", ScenarioId = "bench-winback", TriggerKey = "day:bench" })
            .Chunk(ScenarioEventBatch.MaxEvents).ToList();

        GC.Collect();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) => await router.RouteAsync(batch, ct));
        var enter = clock.Elapsed.TotalSeconds;
        var first = await DrainAsync(clients);
        Report.Line("enroll + first send queued (router → engine, 50-event batches, 4 in flight)", customers / enter, "enrollments/s", $"{enter:N0} s for {customers:N0}; {first:N0} recipients on send-email");
        if (firstStepOnly)
        {
            // The figure: how long until every customer entering a dormant scenario has had its first step.
            Report.Line($"time for {customers:N0} customers entering the dormant scenario to complete their first step", enter / 60, "min");
            return;
        }

        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5));
        clock.Restart();
        var swept = await storage.Services.GetRequiredService<ScenarioWakeups>().SweepAsync(CancellationToken.None);
        var step = clock.Elapsed.TotalSeconds;
        var second = await DrainAsync(clients);
        Report.Line("timer step + second send queued (sweep, 100 per engine batch)", swept.Fired / step, "steps/s", $"{step:N0} s for {swept.Fired:N0}; {second:N0} recipients on send-email");
        if (first != customers || second != customers)
        {
            throw new InvalidOperationException($"Expected {customers:N0} recipients twice, got {first:N0} and {second:N0}.");
        }

        Report.Line("peak working set of the engine process", Report.PeakMegabytes(), "MiB");
    }

    private static async Task<long> DrainAsync(StorageClients clients)
    {
        var queue = clients.Queue(StorageCatalog.Queues.SendEmail);
        long recipients = 0;
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } messages)
        {
            foreach (var m in messages)
            {
                recipients += SendBatchMessage.Parse(m.MessageText).Recipients.Count;
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
        }

        return recipients;
    }

    private static async Task<double> PointWriteRateAsync(StorageClients clients, int writes)
    {
        var table = clients.Tables.GetTableClient("benchpoint");
        await table.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, writes), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await table.UpsertEntityAsync(new TableEntity($"p{i % 16:D2}", $"r{i:D7}") { ["State"] = new string('x', 1500) }, TableUpdateMode.Replace, ct));
        var rate = writes / clock.Elapsed.TotalSeconds;
        await table.DeleteAsync();
        return rate;
    }
}
