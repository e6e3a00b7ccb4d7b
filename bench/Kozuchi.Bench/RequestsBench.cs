using System.Globalization;
using System.Text.Json.Nodes;
using Kozuchi.Core.Common;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Core.Pulls;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.Pulls;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Pulls;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WireMock.Server;

namespace Kozuchi.Bench;

/// <summary>
/// Storage requests per item on every path, counted from the Azure SDK's request events while each path runs in this
/// process on its own Azurite, as its function would run it (the queue messages received and deleted one at a time, 4
/// in flight): a webhook order (body stored, queued, ingested, its events routed), a CSV order (bulk import), a pulled
/// order (a page landed, queued, ingested, routed), an enrollment (daily trigger → router → engine → first send
/// queued), a scenario step (the sweep fires the timer → second send queued), a send per channel (the send consumer
/// with provider fakes on loopback) and an erasure. One line per path, then each path's requests by kind.
/// </summary>
internal static class RequestsBench
{
    private const string OrderSecret = "bench-secret-placeholder";
    private const int MaxDequeueCount = 5;
    private static int _retried;

    private static readonly (string Id, Channel Channel)[] ChannelScenarios =
        [("bench-email", Channel.Email), ("bench-line", Channel.Line), ("bench-dm", Channel.Postal), ("bench-call", Channel.Phone)];

    /// <param name="only">Paths to run (webhook, csv, pull, scenario, sends, erasure); all when empty.</param>
    public static async Task RunAsync(int orders, int customers, int erasures, IReadOnlySet<string> only)
    {
        bool Runs(string path) => only.Count == 0 || only.Contains(path);
        Console.WriteLine($"# requests: storage requests per item on every path ({orders:N0} orders per ingest path, {customers:N0} customers per scenario path, {erasures:N0} erasures)");
        var rows = new List<(string Path, long Items, IReadOnlyDictionary<string, long> Counts)>();
        using var counter = new StorageRequestCounter();

        if (Runs("webhook"))
        {
            rows.Add(await WebhookAsync(orders, counter, withScenario: false));
            rows.Add(await WebhookAsync(orders, counter, withScenario: true));
        }

        if (Runs("csv"))
        {
            rows.Add(await CsvAsync(orders, counter));
        }

        if (Runs("pull"))
        {
            rows.Add(await PullAsync(orders, counter));
        }

        if (Runs("scenario"))
        {
            rows.AddRange(await ScenarioAsync(customers, counter));
        }

        if (Runs("sends"))
        {
            rows.AddRange(await SendsAsync(customers, counter));
        }

        if (Runs("erasure"))
        {
            rows.Add(await ErasureAsync(erasures, counter));
        }

        Console.WriteLine($"# messages that failed and were tried again (as the host would): {_retried}");
        Console.WriteLine("| path | items | storage requests per item |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var (path, items, counts) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {path} | {items:N0} | {(double)counts.Values.Sum() / Math.Max(1, items):N2} |"));
        }

        foreach (var (path, items, counts) in rows)
        {
            StorageRequestCounter.Print(path, items, counts);
        }
    }

    /// <summary>
    /// What the webhook function does (store the body, queue a pointer), then ProcessOrders and the router as their
    /// functions do; <paramref name="withScenario"/>: with the first-order step-mail preset active, so every order's
    /// customer is looked up for routing (the history is older than the trigger window, so none starts).
    /// </summary>
    private static async Task<(string, long, IReadOnlyDictionary<string, long>)> WebhookAsync(int orders, StorageRequestCounter counter, bool withScenario)
    {
        await using var storage = await StartAsync(settings: BenchStorage.SandboxSends);
        if (withScenario)
        {
            await ActivatePresetAsync(storage, "first-order-steps.json");
        }

        var raw = storage.Services.GetRequiredService<RawPayloads>();
        var pipeline = storage.Services.GetRequiredService<IngestPipeline>();
        var bodies = DemoGenerator.Stream(DemoOptions.ForOrders(orders, seed: 2, new DateOnly(2026, 10, 31))).ToList();
        new Random(2).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bodies));
        counter.Take();
        await Parallel.ForEachAsync(bodies.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
        {
            var body = KozuchiOrderJson.Write(chunk);
            var name = RawPayloads.ContentName("webhooks/orders", body);
            await raw.TryStoreAsync(name, body, new Dictionary<string, string> { ["kind"] = "kozuchi" }, ct);
            await pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = name }, ct);
        });
        await ProcessOrdersAsync(storage);
        return (withScenario ? "webhook order, an order-triggered scenario active" : "webhook order (body stored, queued, ingested, events routed)", orders, counter.Take());
    }

    /// <summary>The bulk import of <c>kozuchi import orders</c> (preloaded session, chunks pipelined).</summary>
    private static async Task<(string, long, IReadOnlyDictionary<string, long>)> CsvAsync(int orders, StorageRequestCounter counter)
    {
        await using var storage = await StartAsync();
        using var csv = new MemoryStream();
        DemoGenerator.WriteCsv(csv, DemoOptions.ForOrders(orders, seed: 1, new DateOnly(2026, 10, 31)));
        csv.Position = 0;
        counter.Take();
        var (report, errors) = await storage.Services.GetRequiredService<OrderImporter>().ImportAsync(csv, "bench.csv", CsvMapping.Kozuchi, null, viaQueue: false, null, CancellationToken.None);
        if (errors.Count > 0 || report.Created != orders)
        {
            throw new InvalidOperationException($"Import: {report.Created} created, {errors.Count} errors.");
        }

        return ("CSV order (bulk import)", orders, counter.Take());
    }

    /// <summary>A cart pull (a loopback cart serving Shopify order JSON, 100 a page): pages landed and queued, then the webhook's processing.</summary>
    private static async Task<(string, long, IReadOnlyDictionary<string, long>)> PullAsync(int orders, StorageRequestCounter counter)
    {
        await using var storage = await StartAsync();
        var time = storage.Services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow();
        var adapter = new PagedCart(Enumerable.Range(0, orders).Select(i => ShopifyOrder(i, now.AddMinutes(-orders + i))).ToList(), 100);
        var runner = new PullRunner([adapter], storage.Services.GetRequiredService<PullMarkStore>(), storage.Services.GetRequiredService<RawPayloads>(),
            storage.Services.GetRequiredService<IngestPipeline>(), storage.Services.GetRequiredService<Kozuchi.Storage.Erasure.BlobIndex>(), storage.Services.GetRequiredService<Kozuchi.Storage.Operations.ImportLog>(), storage.Services.GetRequiredService<ShopTime>(), time, NullLogger<PullRunner>.Instance);
        counter.Take();
        var report = await runner.RunAsync(new PullSource { Kind = CartKind.Shopify, Name = "shopify", BaseUrl = new Uri("https://bench.myshopify.com") }, CancellationToken.None);
        if (report.Orders != orders)
        {
            throw new InvalidOperationException($"Pull: {report}");
        }

        await ProcessOrdersAsync(storage);
        return ("pulled order (page landed, queued, ingested, events routed)", orders, counter.Take());
    }

    /// <summary>Dormant customers entering a two-send scenario: the daily trigger, routing and the first send; then the sweep's step to the second.</summary>
    private static async Task<IEnumerable<(string, long, IReadOnlyDictionary<string, long>)>> ScenarioAsync(int customers, StorageRequestCounter counter)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var storage = await StartAsync(time, BenchStorage.SandboxSends);
        await ScenarioBench.SeedDormantAsync(storage, time, customers);
        await BenchStorage.ActivateAsync(storage.Services.GetRequiredService<ScenarioService>(), ScenarioBench.Definition);
        counter.Take();
        await storage.Services.GetRequiredService<ScenarioTriggerRunner>().RunDailyAsync(CancellationToken.None);
        var started = await RouteAsync(storage);
        var enrollment = counter.Take();
        using (StorageRequestCounter.Exclude())
        {
            await DrainAsync(storage, StorageCatalog.Queues.SendEmail);
        }

        if (started != customers)
        {
            throw new InvalidOperationException($"Expected {customers} enrollments, got {started}.");
        }

        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5));
        counter.Take();
        var swept = await storage.Services.GetRequiredService<ScenarioWakeups>().SweepAsync(CancellationToken.None);
        var step = counter.Take();
        if (swept.Fired != customers)
        {
            throw new InvalidOperationException($"Expected {customers} steps, got {swept.Fired}.");
        }

        return [("enrollment (daily trigger → router → engine, first send queued with its ledger row)", customers, enrollment), ("scenario step (timer fired by the sweep → second send queued)", customers, step)];
    }

    /// <summary>One single-send scenario per channel, every customer reachable on all four; each send queue drained by the send consumer.</summary>
    private static async Task<IEnumerable<(string, long, IReadOnlyDictionary<string, long>)>> SendsAsync(int customers, StorageRequestCounter counter)
    {
        var line = WireMockServer.Start();
        var acs = WireMockServer.Start();
        line.Given(WireMock.RequestBuilders.Request.Create().UsingPost()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("{}"));
        acs.Given(WireMock.RequestBuilders.Request.Create().UsingPost()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(202).WithHeader("Content-Type", "application/json").WithBody("""{"id":"x","status":"Succeeded"}"""));

        // Noon in Tokyo, so no send falls into LINE's quiet hours (its message would wait for the morning).
        var time = new FakeTimeProvider(new DateTimeOffset(TimeProvider.System.GetUtcNow().UtcDateTime.Date.AddHours(3), TimeSpan.Zero));
        try
        {
            await using var storage = await StartAsync(time, new Dictionary<string, string?>
            {
                ["Kozuchi:Line:BaseUrl"] = line.Url,
                ["Kozuchi:Line:ChannelAccessToken"] = "line-token-placeholder",
                ["Kozuchi:Email:ConnectionString"] = $"endpoint={acs.Url}/;accesskey=cGxhY2Vob2xkZXI=",
                ["Kozuchi:Email:Sender"] = "DoNotReply@mail.example.jp",
                ["Kozuchi:Email:SendsPerMinute"] = "1000000",
                ["Kozuchi:Unsubscribe:SigningKey"] = "unsubscribe-key-placeholder",
                ["Kozuchi:Unsubscribe:BaseUrl"] = "https://kozuchi.example.jp",
            });
            await ScenarioBench.SeedDormantAsync(storage, time, customers, "s", (i, r) => r with
            {
                LineUserId = $"U{i:D32}",
                LineFollowing = true,
                Contact = r.Contact with { Phone = $"+8190{i:D8}", PostalCode = "150-0001", Address = "東京都渋谷区神宮前1-1", Name = "山田 太郎" },
            });
            var service = storage.Services.GetRequiredService<ScenarioService>();
            foreach (var (id, channel) in ChannelScenarios)
            {
                await BenchStorage.ActivateAsync(service, SingleSend(id, channel));
            }

            await storage.Services.GetRequiredService<ScenarioTriggerRunner>().RunDailyAsync(CancellationToken.None);
            await RouteAsync(storage);
            var consumer = storage.Services.GetRequiredService<SendConsumer>();
            IChannelDelivery[] deliveries =
            [
                storage.Services.GetRequiredService<EmailDelivery>(), storage.Services.GetRequiredService<LineDelivery>(),
                storage.Services.GetRequiredService<DmListDelivery>(), storage.Services.GetRequiredService<CallListDelivery>(),
            ];
            var rows = new List<(string, long, IReadOnlyDictionary<string, long>)>();
            foreach (var delivery in deliveries)
            {
                counter.Take();
                var sent = await DrainAsync(storage, ScenarioMessageJson.SendQueue(delivery.Channel), (text, id, ct) => consumer.HandleMessageAsync(text, delivery, id, ct).ContinueWith(t => t.Result.Report.Sent, TaskScheduler.Default));
                if (sent != customers)
                {
                    throw new InvalidOperationException($"Expected {customers} {delivery.Channel} sends, got {sent}.");
                }

                rows.Add(($"send, {delivery.Channel.Code()} (send consumer: claim, consent check, provider or list, ledger)", customers, counter.Take()));
            }

            return rows;
        }
        finally
        {
            line.Stop();
            acs.Stop();
        }
    }

    /// <summary>Customers ingested through the webhook path, then erased one by one as <c>DELETE /api/customers/{id}</c> does.</summary>
    private static async Task<(string, long, IReadOnlyDictionary<string, long>)> ErasureAsync(int erasures, StorageRequestCounter counter)
    {
        await using var storage = await StartAsync();
        var raw = storage.Services.GetRequiredService<RawPayloads>();
        var pipeline = storage.Services.GetRequiredService<IngestPipeline>();
        var orders = DemoGenerator.Stream(DemoOptions.ForOrders(erasures * 3, seed: 3, new DateOnly(2026, 10, 31))).ToList();
        foreach (var chunk in orders.Chunk(100))
        {
            var body = KozuchiOrderJson.Write(chunk);
            var name = RawPayloads.ContentName("webhooks/orders", body);
            await raw.TryStoreAsync(name, body, new Dictionary<string, string> { ["kind"] = "kozuchi" }, CancellationToken.None);
            await pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = name }, CancellationToken.None);
        }

        await ProcessOrdersAsync(storage);
        var ids = await storage.Services.GetRequiredService<CustomerStore>().ScanProfilesAsync(CancellationToken.None).Select(p => p.CustomerId).Take(erasures).ToListAsync();
        var erasure = storage.Services.GetRequiredService<ErasureService>();
        counter.Take();
        foreach (var id in ids)
        {
            _ = await erasure.EraseAsync(id, "bench", "bench", CancellationToken.None) ?? throw new InvalidOperationException($"Customer {id} not erased.");
        }

        return ("erasure of one customer (every participant, suppression, audit)", ids.Count, counter.Take());
    }

    /// <summary>Creates and activates a preset of <c>scenarios/presets</c> (not counted).</summary>
    internal static async Task ActivatePresetAsync(BenchStorage storage, string preset)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(Kozuchi.Testing.Azurite.RepositoryRoot(), "scenarios", "presets", preset));
        await BenchStorage.ActivateAsync(storage.Services.GetRequiredService<ScenarioService>(), json);
    }

    private static async Task<BenchStorage> StartAsync(TimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        using (StorageRequestCounter.Exclude())
        {
            return await BenchStorage.StartAsync(time, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Kozuchi:Webhooks:OrderSecret"] = OrderSecret, ["Logging:LogLevel:Default"] = "Warning" });
        }
    }

    /// <summary>orders-incoming as ProcessOrders handles it (ingest, checkouts, scenario events), then scenario-events as the router function does.</summary>
    private static async Task ProcessOrdersAsync(BenchStorage storage)
    {
        var pipeline = storage.Services.GetRequiredService<IngestPipeline>();
        var checkouts = storage.Services.GetRequiredService<CheckoutProcessor>();
        var publisher = storage.Services.GetRequiredService<ScenarioEventPublisher>();
        await DrainAsync(storage, StorageCatalog.Queues.OrdersIncoming, async (text, _, ct) =>
        {
            var result = await pipeline.ProcessAsync(IngestMessage.ParseOrUnreadable(text), null, ct);
            await checkouts.MarkOrderedAsync(result, ct);
            await publisher.PublishAsync(ScenarioEventPublisher.FromIngest(result), ct);
            return result.Orders.Count;
        });
        await RouteAsync(storage);
    }

    private static async Task<long> RouteAsync(BenchStorage storage)
    {
        var router = storage.Services.GetRequiredService<ScenarioRouter>();
        return await DrainAsync(storage, StorageCatalog.Queues.ScenarioEvents, async (text, _, ct) => (await router.RouteAsync(ScenarioEventBatch.Parse(text).Events, ct)).Started);
    }

    /// <summary>Receives one message at a time, 4 in flight, hands it over and deletes it, until the queue is empty.</summary>
    private static async Task<long> DrainAsync(BenchStorage storage, string queueName, Func<string, string, CancellationToken, Task<int>>? handle = null)
    {
        var queue = storage.Services.GetRequiredService<StorageClients>().Queue(queueName);
        long total = 0;
        var empty = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref empty) < 4)
            {
                var received = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(10))).Value;
                if (received.Length == 0)
                {
                    Interlocked.Increment(ref empty);
                    return;
                }

                // As the host does: a failed message is tried again (here at once), up to its dequeue limit.
                for (var attempt = 1; handle is not null; attempt++)
                {
                    try
                    {
                        Interlocked.Add(ref total, await handle(received[0].MessageText, received[0].MessageId, CancellationToken.None));
                        break;
                    }
                    catch (Exception e) when (attempt < MaxDequeueCount && e is not InvalidOperationException)
                    {
                        Interlocked.Increment(ref _retried);
                    }
                }

                await queue.DeleteMessageAsync(received[0].MessageId, received[0].PopReceipt);
            }
        })));
        return total;
    }

    private static string SingleSend(string id, Channel channel) => $$"""
        {
          "schemaVersion": 1, "id": "{{id}}", "trigger": { "type": "daysSinceLastOrder", "days": 120 },
          "policies": { "quietHours": null },
          "steps": [ { "type": "send", "id": "only", "channels": ["{{channel.Code()}}"], "template": "winback-coupon" } ]
        }
        """;

    private static JsonObject ShopifyOrder(int i, DateTimeOffset at)
    {
        var stamp = at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        var customer = i % 700;
        return JsonNode.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            {"id":{{5_000_000_000L + i}},"name":"#{{1000 + i}}","email":"buyer{{customer}}@example.jp","created_at":"{{stamp}}","updated_at":"{{stamp}}",
             "processed_at":"{{stamp}}","currency":"JPY","total_price":"5980.00","financial_status":"paid","cancelled_at":null,"buyer_accepts_marketing":true,"test":false,
             "customer":{"id":{{7000 + customer}},"email":"buyer{{customer}}@example.jp","first_name":"花子","last_name":"佐藤","phone":"+8190{{customer:D8}}"},
             "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}],"refunds":[]}
            """))!.AsObject();
    }

    /// <summary>A cart that serves its orders in pages, as the Shopify adapter returns them.</summary>
    private sealed class PagedCart(IReadOnlyList<JsonObject> orders, int pageSize) : ICartAdapter
    {
        public CartKind Kind => CartKind.Shopify;

        public Task<PullPageResult> PullPageAsync(PullSource source, PullWindow window, string? cursor, CancellationToken cancellationToken)
        {
            var from = cursor is null ? 0 : int.Parse(cursor, CultureInfo.InvariantCulture);
            var page = orders.Skip(from).Take(pageSize).Select(o => (JsonObject)o.DeepClone()).ToList();
            var next = from + pageSize < orders.Count ? (from + pageSize).ToString(CultureInfo.InvariantCulture) : null;
            return Task.FromResult(PullPageResult.Of(page, next));
        }
    }
}
