using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Functions.Tests.Health;

/// <summary>
/// A storage reset under a running app (Azurite restarted without its data, a container deleted in the portal): the
/// health probe names what is missing, the next webhook is accepted after the app re-creates its resources, a queue
/// poller recovers with one log line, and the reports do not show figures computed over the data that is gone.
/// </summary>
public sealed class StorageResetTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OrderSecret = "order-secret-placeholder";
    private const string OperatorKey = "operator-key-placeholder";
    private readonly LogLines _logs = new();
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StorageClients Clients => _storage.Clients;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage, configureServices: s => s.AddSingleton<ILoggerProvider>(_logs))
            .WithStartSettings()
            .WithSetting("Kozuchi:Webhooks:OrderSecret", OrderSecret)
            .WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey);
        _client = _app.CreateClient();
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        await _app.Services.GetRequiredService<StorageReadiness>().WaitAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task Health_names_the_deleted_container_queue_and_table_and_the_next_webhook_is_accepted_after_they_are_recreated()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(new Uri("/api/health", UriKind.Relative), Ct)).StatusCode);

        await Clients.Container(StorageCatalog.Containers.Raw).DeleteAsync(cancellationToken: Ct);
        await Clients.Queue(StorageCatalog.Queues.OrdersIncoming).DeleteAsync(Ct);
        await Clients.Table(StorageCatalog.Tables.Customers).DeleteAsync(Ct);

        var sick = await _client.GetAsync(new Uri("/api/health", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, sick.StatusCode);
        var report = await sick.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("unhealthy", report.GetProperty("status").GetString());
        var missing = report.GetProperty("missing").EnumerateArray().Select(m => m.GetProperty("kind").GetString() + " " + m.GetProperty("name").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            new[] { "container " + _storage.Names.Container(StorageCatalog.Containers.Raw), "queue " + _storage.Names.Queue(StorageCatalog.Queues.OrdersIncoming), "table " + _storage.Names.Table(StorageCatalog.Tables.Customers) },
            missing);
        Assert.StartsWith("missing: ", report.GetProperty("checks").GetProperty("blobs").GetString(), StringComparison.Ordinal);
        Assert.Contains(_storage.Names.Table(StorageCatalog.Tables.Customers), report.GetProperty("checks").GetProperty("tables").GetString(), StringComparison.Ordinal);

        var webhook = await DeliverAsync(Order("r-1", "reset@example.jp"));
        Assert.True(webhook.IsSuccessStatusCode, await webhook.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(new Uri("/api/health", UriKind.Relative), Ct)).StatusCode);
        Assert.Equal(1, await _app.Functions.DrainAsync(StorageCatalog.Queues.OrdersIncoming, "ProcessOrders", Ct));
        Assert.Equal(1, (await SummaryAsync()).GetProperty("customers").GetInt32());
        Assert.Single(_logs.Matching("were re-created"));
    }

    [Fact]
    public async Task A_queue_poller_whose_queue_was_deleted_recreates_it_with_one_log_line_and_processes_the_next_message()
    {
        var function = _app.Functions["ProcessOrders"];
        var bindings = _app.Services.GetRequiredService<TriggerBindings>();
        // No new batch while one message is still running: the loop parks again only once the message is processed
        // (with the host's threshold it would poll, and park, beside the running message).
        var listener = new QueueTriggerListener(function, Clients.Queues, bindings.QueueName(function), _app.Services.GetRequiredService<LocalFunctionRunner>(),
            _app.Services.GetRequiredService<HostSettings>() with { QueueNewBatchThreshold = 0 }, _app.Time, _logs.CreateLogger("listener"));
        await Clients.Queue(StorageCatalog.Queues.OrdersIncoming).DeleteAsync(Ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var parked = _app.Time.ExpectTimer(due => due == TimeSpan.FromMilliseconds(100));
        var loop = listener.RunAsync(stop.Token);

        // The first poll finds the queue gone: re-created, then the loop polls the empty queue and parks.
        await parked.WaitAsync(Ct);
        Assert.True(await Clients.Queue(StorageCatalog.Queues.OrdersIncoming).ExistsAsync(Ct));
        var webhook = await DeliverAsync(Order("q-1", "queue@example.jp"));
        Assert.True(webhook.IsSuccessStatusCode);
        var processed = _app.Time.ExpectTimer(due => due == TimeSpan.FromMilliseconds(100));
        _app.Time.Advance(TimeSpan.FromMilliseconds(100));
        await processed.WaitAsync(Ct);

        Assert.Equal(1, (await SummaryAsync()).GetProperty("customers").GetInt32());
        Assert.Single(_logs.Matching("were re-created"));
        Assert.Empty(_logs.Matching("QueueNotFound", exceptionsOnly: true));
        Assert.Empty(_logs.Matching("Polling the queue"));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task After_a_reset_the_reports_show_the_empty_storage_not_the_figures_cached_before_it()
    {
        Assert.True((await DeliverAsync(Order("c-1", "cached1@example.jp"))).IsSuccessStatusCode);
        Assert.True((await DeliverAsync(Order("c-2", "cached2@example.jp"))).IsSuccessStatusCode);
        await _app.Functions.DrainAsync(StorageCatalog.Queues.OrdersIncoming, "ProcessOrders", Ct);
        Assert.Equal(2, (await SummaryAsync()).GetProperty("customers").GetInt32());

        // Azurite restarted without its data: every table, queue and container of the app is gone.
        foreach (var table in StorageCatalog.Tables.All)
        {
            await Clients.Table(table).DeleteAsync(Ct);
        }

        foreach (var queue in StorageCatalog.Queues.All)
        {
            await Clients.Queue(queue).DeleteIfExistsAsync(Ct);
            await Clients.PoisonQueue(queue).DeleteIfExistsAsync(Ct);
        }

        foreach (var container in StorageCatalog.Containers.All)
        {
            await Clients.Container(container).DeleteIfExistsAsync(cancellationToken: Ct);
        }

        var summary = await SummaryAsync();
        Assert.Equal(0, summary.GetProperty("customers").GetInt32());
        Assert.Equal(0m, summary.GetProperty("revenue").GetDecimal());
        var freshness = await _client.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/freshness", UriKind.Relative), Ct);
        Assert.True(freshness.GetProperty("current").GetBoolean());
    }

    private async Task<JsonElement> SummaryAsync()
    {
        var response = await _client.GetAsync(new Uri("/api/reports/summary", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static string Order(string id, string email) =>
        $$$"""{"source":"own","order_id":"{{{id}}}","ordered_at":"2026-10-01T10:00:00+09:00","total":1000,"lines":[{"sku":"A","name":"a","quantity":1,"unit_price":1000}],"customer":{"email":"{{{email}}}"}}""";

    private async Task<HttpResponseMessage> DeliverAsync(string body)
    {
        using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(body), _app.Time.GetUtcNow().ToUnixTimeSeconds(), OrderSecret);
        return await _client.SendAsync(request, Ct);
    }

    /// <summary>Every log line the app writes at Warning and above, with its exception's text.</summary>
    private sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Message, string? Exception)> _lines = new();

        public IEnumerable<string> Matching(string text, bool exceptionsOnly = false) =>
            _lines.Where(l => (!exceptionsOnly && l.Message.Contains(text, StringComparison.Ordinal)) || (l.Exception?.Contains(text, StringComparison.Ordinal) ?? false)).Select(l => l.Message);

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(string, string?)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue((formatter(state, exception), exception?.ToString()));
                }
            }
        }
    }
}
