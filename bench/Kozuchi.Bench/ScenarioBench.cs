using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Bench;

/// <summary>
/// The scenario engine through Azurite on the dormant path as production runs it: N customers whose last order was
/// 120 days ago; the daily trigger (<see cref="ScenarioTriggerRunner"/>) finds them in the profile snapshot and
/// publishes enroll events on <c>scenario-events</c>; the router drains them (4 messages in flight, as 4 queue-function
/// instances would) and the engine enrolls each customer and queues the first send with its ledger entry. A day later
/// (fake clock) the sweep fires every timer and the second send is queued. Beside it, the same emulator's
/// single-entity write rate with 8 in flight, before and after: the engine's work is point reads and conditional point
/// writes, so that is its ceiling. <c>--count-ops</c> counts the storage requests per enrollment.
/// </summary>
internal static class ScenarioBench
{
    internal const string Definition = """
        {
          "schemaVersion": 1, "id": "bench-winback", "trigger": { "type": "daysSinceLastOrder", "days": 120 },
          "policies": { "quietHours": null },
          "steps": [
            { "type": "send", "id": "first", "channels": ["email"], "template": "winback-coupon", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1, "next": "second" },
            { "type": "send", "id": "second", "channels": ["email"], "template": "winback-coupon-reminder" }
          ]
        }
        """;

    public static async Task RunAsync(int customers, bool firstStepOnly = false, int deadlineMinutes = 0, bool countOps = false)
    {
        Console.WriteLine($"# scenarios: {customers:N0} dormant customers through the daily trigger, routing, enrollment and first send{(firstStepOnly ? "" : ", timer, second send")}");
        Console.WriteLine($"# load average at start: {LoadAverage()}");
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var storage = await BenchStorage.StartAsync(time, BenchStorage.SandboxSends);
        var clients = storage.Services.GetRequiredService<StorageClients>();
        Report.Line("reference: Azurite raw batched write (100 rows/transaction, 4 in flight)", await storage.RawBatchedWriteRateAsync(20_000), "rows/s");
        Report.Line("reference: Azurite single-entity upsert (8 in flight), before", await PointWriteRateAsync(clients, 20_000), "writes/s");

        var profiles = await SeedDormantAsync(storage, time, customers);
        Console.WriteLine($"# {profiles:N0} profiles in the snapshot");
        await BenchStorage.ActivateAsync(storage.Services.GetRequiredService<ScenarioService>(), Definition);


        using var ops = countOps ? new StorageRequestCounter() : null;
        using var deadline = deadlineMinutes > 0 ? new CancellationTokenSource(TimeSpan.FromMinutes(deadlineMinutes)) : new CancellationTokenSource();
        var azuriteCpu = Report.CpuSeconds(storage.Azurite.ProcessId);
        GC.Collect();
        var clock = Stopwatch.StartNew();

        // The production path: the daily trigger publishes enroll events on scenario-events, and the router function
        // drains them (4 messages in flight, as 4 function instances would), each message routed then deleted.
        var run = storage.Services.GetRequiredService<ScenarioTriggerRunner>().RunDailyAsync(deadline.Token);
        var triggerDone = run.ContinueWith(_ => clock.Elapsed, TaskScheduler.Default);
        var started = 0L;
        var messagesRouted = 0L;
        var router = storage.Services.GetRequiredService<ScenarioRouter>();
        var events = clients.Queue(StorageCatalog.Queues.ScenarioEvents);
        var progress = Task.Run(async () =>
        {
            // The emulator's CPU per enrollment in each minute tells its cost growing with its tables apart from a busy
            // machine's (which slows the wall clock, not the CPU an enrollment takes).
            var (lastCpu, lastStarted) = (azuriteCpu, 0L);
            while (!run.IsCompleted || Interlocked.Read(ref started) < customers)
            {
                await Task.Delay(TimeSpan.FromSeconds(60), deadline.Token);
                var (nowCpu, nowStarted) = (Report.CpuSeconds(storage.Azurite.ProcessId), Interlocked.Read(ref started));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#   {clock.Elapsed.TotalMinutes:N1} min: {nowStarted:N0} enrolled ({nowStarted / clock.Elapsed.TotalSeconds:N1}/s), Azurite {(nowCpu - lastCpu) * 1000 / Math.Max(1, nowStarted - lastStarted):N2} ms CPU an enrollment this minute ({(nowCpu - lastCpu) / 60:P0} of a core), load {LoadAverage()}"));
                (lastCpu, lastStarted) = (nowCpu, nowStarted);
            }
        });
        var stopped = false;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    var received = (await events.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(10), deadline.Token)).Value;
                    if (received.Length == 0)
                    {
                        if (run.IsCompleted)
                        {
                            await run;
                            if ((await events.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(10), deadline.Token)).Value is { Length: > 0 } late)
                            {
                                received = late;
                            }
                            else
                            {
                                return;
                            }
                        }
                        else
                        {
                            await Task.Delay(50, deadline.Token);
                            continue;
                        }
                    }

                    var report = await router.RouteAsync(ScenarioEventBatch.Parse(received[0].MessageText).Events, deadline.Token);
                    await events.DeleteMessageAsync(received[0].MessageId, received[0].PopReceipt, CancellationToken.None);
                    Interlocked.Add(ref started, report.Started);
                    Interlocked.Increment(ref messagesRouted);
                }
            })));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            stopped = true;
        }

        var enter = clock.Elapsed.TotalSeconds;
        var cpu = (Report.CpuSeconds(storage.Azurite.ProcessId) - azuriteCpu) / enter;
        await deadline.CancelAsync();
        await progress.ContinueWith(_ => { }, TaskScheduler.Default);
        Console.WriteLine($"# load average at end: {LoadAverage()}; Azurite used {cpu:P0} of one core; {messagesRouted:N0} scenario-events messages routed");
        ops?.Print("enrollment", Interlocked.Read(ref started));
        if (stopped)
        {
            Report.Line($"STOPPED at the deadline ({deadlineMinutes} min): enrolled with first send queued", started, "customers", $"{started / enter:N1} enrollments/s over {enter:N0} s");
            Report.Line("reference: Azurite single-entity upsert (8 in flight), after", await PointWriteRateAsync(clients, 20_000), "writes/s");
            return;
        }

        // The figures first, the checks after: a run stopped at the end of its slot still leaves its figure printed.
        Report.Line("daily trigger (profiles from the snapshot, enroll events published)", (await triggerDone).TotalSeconds, "s", "routing runs beside it");
        Report.Line("enroll + first send queued (daily trigger → scenario-events → router → engine, 4 messages in flight)", started / enter, "enrollments/s", $"{enter:N0} s for {started:N0}");
        Report.Line($"time for {customers:N0} customers entering the dormant scenario to complete their first step", enter / 60, "min");
        Report.Line("reference: Azurite single-entity upsert (8 in flight), after", await PointWriteRateAsync(clients, 20_000), "writes/s");
        var first = await DrainAsync(clients);
        var queued = await QueuedLedgerRowsAsync(clients);
        Console.WriteLine($"# check: {first:N0} recipients on send-email, {queued:N0} ledger rows Queued");
        if (first != customers || queued != customers || started != customers)
        {
            throw new InvalidOperationException($"Expected {customers:N0} enrollments, recipients and queued ledger rows, got {started:N0}, {first:N0} and {queued:N0}.");
        }

        if (firstStepOnly)
        {
            return;
        }

        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5));
        clock.Restart();
        var swept = await storage.Services.GetRequiredService<ScenarioWakeups>().SweepAsync(CancellationToken.None);
        var step = clock.Elapsed.TotalSeconds;
        var second = await DrainAsync(clients);
        Report.Line("timer step + second send queued (sweep, 100 per engine batch)", swept.Fired / step, "steps/s", $"{step:N0} s for {swept.Fired:N0}; {second:N0} recipients on send-email");
        if (second != customers)
        {
            throw new InvalidOperationException($"Expected {customers:N0} recipients of the second send, got {second:N0}.");
        }

        Report.Line("peak working set of the engine process", Report.PeakMegabytes(), "MiB");
    }

    /// <summary>
    /// Customers whose last order was exactly 120 days ago today (the daily trigger finds every one of them), written in
    /// batched transactions, and the nightly profile snapshot the daily trigger reads (taken by the analytics run in
    /// production; written here from the same records, in its format and with the change marker it would carry). Not timed.
    /// </summary>
    internal static async Task<int> SeedDormantAsync(BenchStorage storage, TimeProvider time, int customers, string prefix = "c", Func<int, CustomerRecord, CustomerRecord>? shape = null)
    {
        var clients = storage.Services.GetRequiredService<StorageClients>();
        var lastOrder = time.GetUtcNow().AddDays(-120);
        var table = clients.Table(StorageCatalog.Tables.Customers);
        var records = Enumerable.Range(0, customers).Select(i =>
        {
            var record = new CustomerRecord
            {
                CustomerId = $"{prefix}{i:D7}",
                CreatedAt = lastOrder.AddDays(-30),
                Orders = [new OrderSummary(new OrderKey("bench", $"{prefix}o{i:D7}"), lastOrder, lastOrder, true, 4_980m, ["p001"], false)],
                Contact = new CustomerContact { Email = $"{prefix}{i}@example.jp" },
                EmailOptIn = true,
            };
            return shape is null ? record : shape(i, record);
        }).ToList();
        var batches = records.Select(CustomerEntities.ToEntity).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
            await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));

        using (var snapshot = new MemoryStream())
        {
            ProfileSnapshots.Write(snapshot, [.. records.Select(r => r.ToProfile())]);
            snapshot.Position = 0;
            await clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(ProfileSnapshots.BlobName)
                .UploadAsync(snapshot, new Azure.Storage.Blobs.Models.BlobUploadOptions { Metadata = new Dictionary<string, string> { ["marker"] = "none" } });
        }

        return (await storage.Services.GetRequiredService<ProfileSnapshots>().CurrentAsync(CancellationToken.None)).Count;
    }

    private static async Task<long> QueuedLedgerRowsAsync(StorageClients clients)
    {
        long count = 0;
        await foreach (var _ in clients.Table(StorageCatalog.Tables.SendLedger).QueryAsync<TableEntity>(e => e.GetString("Status") == "Queued", select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task<long> DrainAsync(StorageClients clients)
    {
        var queue = clients.Queue(StorageCatalog.Queues.SendEmail);
        long recipients = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(30))).Value is { Length: > 0 } messages)
        {
            foreach (var m in messages)
            {
                // A slow emulator can hand a message out again before this loop deletes it: count each once, and a
                // delete whose receipt went stale (the copy handed out again is deleted with its own) is not an error.
                if (seen.Add(m.MessageId))
                {
                    var batch = SendBatchMessage.Parse(m.MessageText);
                    recipients += batch.RecipientCount ?? batch.Recipients.Count; // a batch in a blob carries its count
                }

                try
                {
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                }
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
