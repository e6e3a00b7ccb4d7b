using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>
/// Storage goes away in the middle of a stream of webhook deliveries and queue processing, and comes back with its
/// data (an Azurite on disk, stopped and started on the same ports). Nothing acknowledged is lost: a delivery during
/// the outage is refused (so the cart retries it), a queue invocation during the outage fails (so the host
/// redelivers it), and after the restart every order is there exactly once.
/// </summary>
public sealed class StorageOutageTests : IAsyncLifetime
{
    private const int Batches = 12;
    private const int OrdersPerBatch = 100;
    private const string Secret = "order-secret-placeholder";
    private const string OperatorKey = "operator-key-placeholder";
    private readonly string _location = Path.Combine(Path.GetTempPath(), $"kozuchi-outage-{Guid.NewGuid():N}");
    private Azurite? _azurite;
    private StorageScope? _storage;
    private KozuchiAppFactory? _app;
    private HttpClient? _client;

    private Azurite Emulator => _azurite!;
    private StorageScope Storage => _storage!;
    private HttpClient Client => _client!;

    public async ValueTask InitializeAsync()
    {
        _azurite = await Azurite.StartAsync(_location);
        _storage = await StorageScope.CreateAsync(_azurite.ConnectionString);
        _app = new KozuchiAppFactory(_storage)
            .WithSetting("Kozuchi:Webhooks:OrderSecret", Secret)
            .WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey);
        _client = _app.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        Directory.Delete(_location, recursive: true);
    }

    [Fact]
    public async Task Azurite_restarted_mid_run_loses_no_order_and_duplicates_none()
    {
        var ct = TestContext.Current.CancellationToken;
        var orders = DemoGenerator.Stream(DemoOptions.ForOrders(Batches * OrdersPerBatch, seed: 5, new DateOnly(2026, 10, 31))).ToList();
        var batches = orders.Chunk(OrdersPerBatch).Select(b => KozuchiOrderJson.Write(b)).ToList();
        var queue = Storage.Clients.Queue(StorageCatalog.Queues.OrdersIncoming);

        // Before the outage: half the deliveries land and are processed.
        for (var i = 0; i < Batches / 2; i++)
        {
            Assert.True((await DeliverAsync(batches[i], ct)).IsSuccessStatusCode);
        }

        await ProcessAllAsync(queue, ct);

        // One more lands and its message is taken by a worker just before storage goes away.
        Assert.True((await DeliverAsync(batches[Batches / 2], ct)).IsSuccessStatusCode);
        var inFlight = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1), ct)).Value);

        await Emulator.StopAsync();
        var refused = await DeliverAsync(batches[(Batches / 2) + 1], ct);
        Assert.False(refused.IsSuccessStatusCode, "A delivery must not be acknowledged when its body could not be stored.");
        var failed = await InvokeProcessOrdersAsync(inFlight, ct);
        Assert.False(failed, "A queue invocation must fail (so the host redelivers) when storage is away.");

        await Emulator.StartAgainAsync();

        // The host redelivers the message that failed and the cart retries the refused delivery, each a few times as
        // they do (an emulator that has just come back can refuse a first connection on a loaded machine).
        Assert.True(await WithRetriesAsync(() => InvokeProcessOrdersAsync(inFlight, ct)));
        for (var i = (Batches / 2) + 1; i < Batches; i++)
        {
            var batch = batches[i];
            Assert.True(await WithRetriesAsync(async () => (await DeliverAsync(batch, ct)).IsSuccessStatusCode));
        }

        await ProcessAllAsync(queue, ct);

        var snapshot = await StorageSnapshot.TakeAsync(Storage.Clients, ct);
        Assert.Equal(orders.Select(o => OrderRowPrefix(o.Key)).Order(StringComparer.Ordinal), snapshot.Orders.Select(r => r[..(r.IndexOf('|', r.IndexOf('|') + 1) + 1)]).Order(StringComparer.Ordinal));
        using var report = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/summary", UriKind.Relative));
        report.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        var summary = JsonDocument.Parse(await (await Client.SendAsync(report, ct)).Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal(orders.Count, summary.GetProperty("orders").GetInt32() + orders.Count(o => !o.Counts));
        Assert.Equal(orders.Sum(o => o.NetAmount), summary.GetProperty("revenue").GetDecimal());
    }

    private static async Task<bool> WithRetriesAsync(Func<Task<bool>> attempt)
    {
        for (var i = 0; i < 5; i++)
        {
            if (await attempt())
            {
                return true;
            }
        }

        return false;
    }

    private static string OrderRowPrefix(OrderKey key) => $"{key.Source}|{key.OrderId}|";

    private async Task<HttpResponseMessage> DeliverAsync(byte[] body, CancellationToken ct)
    {
        using var request = SignedRequests.KozuchiOrders(body, _app!.Time.GetUtcNow().ToUnixTimeSeconds(), Secret);
        return await Client.SendAsync(request, ct);
    }

    /// <summary>The message delivered to ProcessOrders as the local runtime delivers it; false when the function failed.</summary>
    private Task<bool> InvokeProcessOrdersAsync(QueueMessage m, CancellationToken ct) =>
        _app!.Functions.TryQueueAsync("ProcessOrders", m.MessageText, m.MessageId, m.DequeueCount, ct);

    private async Task ProcessAllAsync(Azure.Storage.Queues.QueueClient queue, CancellationToken ct)
    {
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), ct)).Value is { Length: > 0 } messages)
        {
            foreach (var m in messages)
            {
                await _app!.Functions.QueueAsync("ProcessOrders", m.MessageText, m.MessageId, m.DequeueCount, ct);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
            }
        }
    }
}
