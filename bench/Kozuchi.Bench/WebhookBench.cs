using System.Diagnostics;
using System.Net.Sockets;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions;
using Azure.Data.Tables;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Bench;

/// <summary>
/// The webhook path end to end: signed generic-webhook batches posted by concurrent senders to <c>kozuchi serve</c>
/// (stored, queued, processed by the local runtime exactly as in production), until every order is in the tables.
/// </summary>
internal static class WebhookBench
{
    private const int OrdersPerRequest = 100;
    private const string Secret = "bench-secret-placeholder";

    /// <param name="withScenario">With the first-order step-mail preset active: every order's customer is routed to the scenario engine's entry rules.</param>
    public static async Task RunAsync(int orders, int senders, bool inOrder, bool countOps = false, bool withScenario = false)
    {
        Console.WriteLine($"# webhooks: {orders:N0} orders in signed batches of {OrdersPerRequest}, {senders} concurrent senders, {(inOrder ? "history in time order (worst-case contention)" : "history shuffled (many different customers at once)")}{(withScenario ? ", an order-triggered scenario active" : "")}");
        Console.WriteLine($"# load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        await using var storage = await BenchStorage.StartAsync(settings: BenchStorage.SandboxSends);
        var raw = await storage.RawBatchedWriteRateAsync(100_000);
        Report.Line("reference: Azurite raw batched write (100 rows/transaction, 4 in flight)", raw, "rows/s");

        foreach (var (key, value) in storage.Settings)
        {
            Environment.SetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal), value);
        }

        Environment.SetEnvironmentVariable("Kozuchi__Webhooks__OrderSecret", Secret);
        var port = FreePort();
        await using var app = KozuchiApp.Build([], port);
        await app.StartAsync();
        if (withScenario)
        {
            await RequestsBench.ActivatePresetAsync(storage, "first-order-steps.json");
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(2) };

        // Live traffic is orders placed now by many different people. A generated three-year history sent in time order
        // puts the same subscribers (定期便, monthly) into concurrent batches far more than a shop ever would, so by
        // default the history is shuffled; --in-order measures that worst case of contention.
        var history = DemoGenerator.Stream(DemoOptions.ForOrders(orders, seed: 2, new DateOnly(2026, 10, 31))).ToList();
        if (!inOrder)
        {
            new Random(2).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(history));
        }

        var bodies = history.Chunk(OrdersPerRequest).Select(b => KozuchiOrderJson.Write(b)).ToList();
        var next = -1;
        var refused = 0;
        var store = app.Services.GetRequiredService<CustomerStore>();
        var written = Tables(store).Sum(store.RowsWritten);
        var writtenBy = Tables(store).ToDictionary(t => t.Name, store.RowsWritten);
        var sentBy = Tables(store).ToDictionary(t => t.Name, store.Transactions);
        using var ops = countOps ? new StorageRequestCounter() : null;
        var azuriteCpu = Report.CpuSeconds(storage.Azurite.ProcessId);
        var ownCpu = Environment.CpuUsage.TotalTime.TotalSeconds;
        var groups = app.Services.GetRequiredService<Kozuchi.Storage.Orders.IngestPipeline>().Groups;
        var (groups0, messages0, grouped0) = (groups.Groups, groups.Messages, groups.Orders);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < bodies.Count; i = Interlocked.Increment(ref next))
            {
                // A cart retries until it gets a 2xx; count refusals so a lossy run shows.
                while (!await PostAsync(http, bodies[i]))
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }));
        var accepted = clock.Elapsed.TotalSeconds;
        var ingestedWhileAccepting = groups.Orders - grouped0;

        var clients = storage.Services.GetRequiredService<StorageClients>();
        var queue = clients.Queue(StorageCatalog.Queues.OrdersIncoming);
        var events = clients.Queue(StorageCatalog.Queues.ScenarioEvents);

        // Done when the orders are in the tables and what they mean for scenarios is routed: both queues empty.
        while (await PendingAsync(queue) + await PendingAsync(events) > 0)
        {
            await Task.Delay(100);
        }

        var processed = clock.Elapsed.TotalSeconds;
        var counts = ops?.Take();
        var benchCpu = Environment.CpuUsage.TotalTime.TotalSeconds - ownCpu;
        var (groupCount, groupMessages, groupOrders) = (groups.Groups - groups0, groups.Messages - messages0, groups.Orders - grouped0);
        var rowsPerOrder = (double)(Tables(store).Sum(store.RowsWritten) - written) / orders;
        var rows = await BenchStorage.CountAsync(clients.Table(StorageCatalog.Tables.Orders));
        // The index rows an order also costs (customer search by name, erasure's blob index): counted as they stand at
        // the end, so a row written twice counts once (the figure below is a floor for them).
        var nameRows = await BenchStorage.CountAsync(clients.Table(StorageCatalog.Tables.CustomerSearch));
        var blobIndexRows = await BenchStorage.CountAsync(clients.Table(StorageCatalog.Tables.BlobIndex));
        var blobIndex = app.Services.GetRequiredService<Kozuchi.Storage.Erasure.BlobIndex>();
        var allRowsPerOrder = rowsPerOrder + (double)(nameRows + blobIndexRows) / orders;
        var poison = (await clients.Queue(StorageCatalog.Queues.OrdersIncoming + "-poison").ExistsAsync()).Value
            ? (await clients.Queue(StorageCatalog.Queues.OrdersIncoming + "-poison").GetPropertiesAsync()).Value.ApproximateMessagesCount
            : 0;
        await app.StopAsync();

        var rate = orders / processed;
        Report.Line("webhook acceptance (verify HMAC, store body, queue pointer)", orders / accepted, "orders/s", $"{bodies.Count / accepted:N0} requests/s; {refused} refused and retried");
        Report.Line("sustained end to end (accepted → customer tables, local runtime)", rate, "orders/s", $"{processed:N0} s for {orders:N0}");
        Report.Line("rows written per order: customer tables (orders, identities, customers; rewrites included)", rowsPerOrder, "rows");
        Report.Line("rows written per order: every table (and the name-search and blob-index rows)", allRowsPerOrder, "rows", $"{(double)nameRows / orders:N2} name-search, {(double)blobIndexRows / orders:N2} blob-index");
        Report.Line("sustained rate × rows written per order, every table", rate * allRowsPerOrder, "rows/s", $"{rate * allRowsPerOrder / raw:P0} of the raw batched write");
        Report.Line("sustained rate × rows written per order, customer tables only", rate * rowsPerOrder, "rows/s", $"{rate * rowsPerOrder / raw:P0} of the raw batched write");
        Report.Line("orders lost", orders - rows, "orders", $"{rows:N0} order rows, {poison} poison messages");
        Console.WriteLine($"# load average at end: {File.ReadAllText("/proc/loadavg").Trim()}; Azurite used {(Report.CpuSeconds(storage.Azurite.ProcessId) - azuriteCpu) / processed:P0} of one core, the app (senders, HTTP, ingest) {benchCpu / processed:P0}");

        // How full the transactions could be: the messages decided together, and what each transaction carried.
        var transactions = counts?.GetValueOrDefault("$batch batch") ?? 0;
        Console.WriteLine("# by table: " + string.Join("; ", Tables(store).Select(t =>
        {
            var (n, tx) = (store.RowsWritten(t) - writtenBy[t.Name], store.Transactions(t) - sentBy[t.Name]);
            return $"{t.Name} {n:N0} rows in {tx:N0} transactions ({(double)n / Math.Max(1, tx):N1} a transaction)";
        })) + $"; blob index {blobIndexRows:N0} rows in {blobIndex.Transactions:N0} transactions and single upserts");
        Console.WriteLine($"# groups: {groupCount:N0} ({(double)groupMessages / Math.Max(1, groupCount):N1} messages, {(double)groupOrders / Math.Max(1, groupCount):N0} orders a group); {ingestedWhileAccepting:N0} orders decided by the end of acceptance ({accepted:N1} s)"
            + (transactions > 0 ? $"; {transactions:N0} transactions in all, {allRowsPerOrder * orders / transactions:N1} rows a transaction" : ""));
        if (counts is not null)
        {
            StorageRequestCounter.Print("order", orders, counts);
        }
    }

    private static TableClient[] Tables(CustomerStore store) => [store.OrdersTable, store.IdentitiesTable, store.CustomersTable];

    /// <summary>Messages still on a queue (visible or in flight); the bench's own look is not counted.</summary>
    private static async Task<int> PendingAsync(Azure.Storage.Queues.QueueClient queue)
    {
        using (StorageRequestCounter.Exclude())
        {
            return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }
    }

    private static async Task<bool> PostAsync(HttpClient http, byte[] body)
    {
        using var request = Kozuchi.Testing.SignedRequests.KozuchiOrders(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Secret, "api/webhooks/orders");
        try
        {
            using var response = await http.SendAsync(request);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
