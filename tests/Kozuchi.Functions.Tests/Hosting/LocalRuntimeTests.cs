using System.Text.Json;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.Invocation;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// <c>kozuchi serve</c> delivers triggers with the host's semantics, on real Azurite and an injected clock.
/// </summary>
public sealed class LocalRuntimeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private Recorder _recorder = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private InvocationDispatcher Dispatcher => _app.Services.GetRequiredService<InvocationDispatcher>();
    private FunctionRegistry Registry => _app.Services.GetRequiredService<FunctionRegistry>();
    private HostSettings HostJson => _app.Services.GetRequiredService<HostSettings>();

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage, extraFunctions: (r, s) => _recorder = TestFunctions.Register(r, s, timerSchedule: "0 */5 * * * *"));
        _ = _app.Services; // builds the host
        await _storage.Clients.Queue(TestFunctions.Queue).CreateIfNotExistsAsync(cancellationToken: Ct);
        await _storage.Clients.Container(TestFunctions.Container).CreateIfNotExistsAsync(cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private QueueTriggerListener Listener(HostSettings settings) =>
        new(Function("TestQueue"), _storage.Clients, Dispatcher, settings, _app.Time, NullLogger.Instance);

    private FunctionDefinition Function(string name) => Registry.TryGet(name, out var f) ? f : throw new InvalidOperationException(name);

    [Fact]
    public void Local_runtime_reads_its_trigger_semantics_from_the_repositorys_host_json()
    {
        Assert.Equal(8, HostJson.QueueBatchSize);
        Assert.Equal(5, HostJson.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(30), HostJson.QueueVisibilityTimeout);
        Assert.Equal("none", HostJson.QueueMessageEncoding);
        Assert.True(HostJson.ForwardsHttpRequests);
    }

    [Fact]
    public async Task Handled_message_is_deleted_and_reaches_the_handler_with_its_id()
    {
        var queue = _storage.Clients.Queue(TestFunctions.Queue);
        var sent = await queue.SendMessageAsync("""{"n":1}""", Ct);

        var received = await Listener(HostJson).PollOnceAsync(Ct);

        Assert.Equal(1, received);
        var message = Assert.Single(_recorder.Messages);
        Assert.Equal(sent.Value.MessageId, message.Id);
        Assert.Equal("""{"n":1}""", message.Text);
        Assert.Equal(0, (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Failed_message_stays_hidden_for_the_visibility_timeout_then_is_retried_with_a_higher_dequeue_count()
    {
        var queue = _storage.Clients.Queue(TestFunctions.Queue);
        await queue.SendMessageAsync("retry me", Ct);
        _recorder.FailuresLeft = 1;

        // host.json's 30 s retry delay: after the failure the message exists but is not visible.
        Assert.Equal(1, await Listener(HostJson).PollOnceAsync(Ct));
        Assert.Empty((await queue.PeekMessagesAsync(1, Ct)).Value);
        Assert.Equal(1, (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
        Assert.Equal(0, await Listener(HostJson).PollOnceAsync(Ct));
        Assert.Empty(_recorder.Messages);

        // With a zero retry delay the retry is immediate and is the second delivery.
        var queue2Message = await queue.SendMessageAsync("retry me too", Ct);
        _recorder.FailuresLeft = 1;
        var immediate = HostJson with { QueueVisibilityTimeout = TimeSpan.Zero };
        await Listener(immediate).PollOnceAsync(Ct);
        await Listener(immediate).PollOnceAsync(Ct);

        var retried = Assert.Single(_recorder.Messages);
        Assert.Equal(queue2Message.Value.MessageId, retried.Id);
        Assert.Equal(2, retried.DequeueCount);
    }

    [Fact]
    public async Task Message_failing_max_dequeue_count_times_moves_intact_to_the_poison_queue()
    {
        var queue = _storage.Clients.Queue(TestFunctions.Queue);
        const string body = """{"orders":[{"id":"1001","total":"1200"}],"note":"壊れた注文"}""";
        await queue.SendMessageAsync(body, Ct);
        _recorder.FailuresLeft = int.MaxValue;
        var settings = HostJson with { QueueVisibilityTimeout = TimeSpan.Zero, MaxDequeueCount = 3 };

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await Listener(settings).PollOnceAsync(Ct));
        }

        Assert.Equal(3, _recorder.Attempts);
        Assert.Equal(0, (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
        var poisoned = Assert.Single((await _storage.Clients.PoisonQueue(TestFunctions.Queue).ReceiveMessagesAsync(32, cancellationToken: Ct)).Value);
        Assert.Equal(body, poisoned.Body.ToString());
        Assert.Equal(0, await Listener(settings).PollOnceAsync(Ct));
    }

    [Fact]
    public async Task Timer_runs_on_its_schedule_and_not_before()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        var timer = new TimerTriggerScheduler(Function("TestTimer"), _storage.Clients, Dispatcher, _app.Time, NullLogger.Instance);

        Assert.False(await timer.RunDueAsync(atStartup: true, Ct));
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 4, 59, TimeSpan.Zero));
        Assert.False(await timer.RunDueAsync(atStartup: false, Ct));
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 5, 0, TimeSpan.Zero));
        Assert.True(await timer.RunDueAsync(atStartup: false, Ct));
        Assert.False(await timer.RunDueAsync(atStartup: false, Ct));

        var tick = Assert.Single(_recorder.Ticks);
        Assert.False(tick.IsPastDue);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 5, 0, TimeSpan.Zero), tick.Next);
    }

    [Fact]
    public async Task Occurrences_missed_while_stopped_are_made_up_once_at_start_as_past_due()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        await new TimerTriggerScheduler(Function("TestTimer"), _storage.Clients, Dispatcher, _app.Time, NullLogger.Instance).RunDueAsync(atStartup: true, Ct);

        // Nothing ran for 27 minutes (five occurrences); a restarted runner makes up one of them.
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 27, 0, TimeSpan.Zero));
        var restarted = new TimerTriggerScheduler(Function("TestTimer"), _storage.Clients, Dispatcher, _app.Time, NullLogger.Instance);
        Assert.True(await restarted.RunDueAsync(atStartup: true, Ct));
        Assert.False(await restarted.RunDueAsync(atStartup: false, Ct));

        var tick = Assert.Single(_recorder.Ticks);
        Assert.True(tick.IsPastDue);
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 30, 0, TimeSpan.Zero));
        Assert.True(await restarted.RunDueAsync(atStartup: false, Ct));
        Assert.False(_recorder.Ticks.Last().IsPastDue);
    }

    [Fact]
    public async Task Timer_loop_waits_on_the_injected_clock_and_fires_when_it_reaches_the_occurrence()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 1, 0, TimeSpan.Zero));
        var timer = new TimerTriggerScheduler(Function("TestTimer"), _storage.Clients, Dispatcher, _app.Time, NullLogger.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        // The scheduler parks until 00:05, four minutes away; the app's own timers on this clock must not count.
        var waiting = _app.Time.ExpectTimer(due => due == TimeSpan.FromMinutes(4));
        var loop = timer.RunAsync(stop.Token);

        // Parked until 00:05: a minute short of it nothing fires; reaching it fires once.
        await waiting.WaitAsync(Ct);
        _app.Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Empty(_recorder.Ticks);
        _app.Time.Advance(TimeSpan.FromMinutes(1));
        var tick = await _recorder.NextTick.Task.WaitAsync(Ct);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 5, 0, TimeSpan.Zero), tick.Next);
        Assert.Single(_recorder.Ticks);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task Two_runners_on_one_schedule_invoke_the_occurrence_once()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        var a = new TimerTriggerScheduler(Function("TestTimer"), _storage.Clients, Dispatcher, _app.Time, NullLogger.Instance);
        var b = new TimerTriggerScheduler(Function("TestTimer"), _storage.Clients, Dispatcher, _app.Time, NullLogger.Instance);
        await a.RunDueAsync(atStartup: true, Ct);
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 5, 0, TimeSpan.Zero));

        var ran = await Task.WhenAll(a.RunDueAsync(false, Ct), b.RunDueAsync(false, Ct));

        Assert.Equal(1, ran.Count(r => r));
        Assert.Single(_recorder.Ticks);
    }

    [Fact]
    public async Task Blob_is_handled_once_across_restarts_and_again_when_overwritten()
    {
        var container = _storage.Clients.Container(TestFunctions.Container);
        await container.GetBlobClient("2026/11/orders.csv").UploadAsync(BinaryData.FromString("order_id\n1\n"), Ct);
        BlobTriggerPoller Poller() => new(Function("TestBlob"), _storage.Clients, Dispatcher, HostJson, _app.Time, NullLogger.Instance);

        Assert.Equal(1, await Poller().PollOnceAsync(Ct));
        Assert.Equal(0, await Poller().PollOnceAsync(Ct));
        var blob = Assert.Single(_recorder.Blobs);
        Assert.Equal("2026/11/orders.csv", blob.Name);
        Assert.Equal("order_id\n1\n", System.Text.Encoding.UTF8.GetString(blob.Content.Span));

        await container.GetBlobClient("2026/11/orders.csv").UploadAsync(BinaryData.FromString("order_id\n1\n2\n"), overwrite: true, Ct);
        Assert.Equal(1, await Poller().PollOnceAsync(Ct));
        Assert.Equal(2, _recorder.Blobs.Count);
    }

    [Fact]
    public async Task Blob_failing_every_attempt_is_reported_on_the_blob_poison_queue_and_then_left_alone()
    {
        var container = _storage.Clients.Container(TestFunctions.Container);
        await container.GetBlobClient("bad.csv").UploadAsync(BinaryData.FromString("broken"), Ct);
        _recorder.FailuresLeft = int.MaxValue;
        var settings = HostJson with { MaxDequeueCount = 2 };
        var poller = new BlobTriggerPoller(Function("TestBlob"), _storage.Clients, Dispatcher, settings, _app.Time, NullLogger.Instance);

        Assert.Equal(1, await poller.PollOnceAsync(Ct));
        Assert.Equal(1, await poller.PollOnceAsync(Ct));
        Assert.Equal(0, await poller.PollOnceAsync(Ct));

        Assert.Equal(2, _recorder.Attempts);
        var poison = _storage.Clients.Queue(BlobTriggerPoller.PoisonQueueName);
        var report = Assert.Single((await poison.ReceiveMessagesAsync(32, cancellationToken: Ct)).Value);
        using var json = JsonDocument.Parse(report.Body.ToString());
        Assert.Equal("bad.csv", json.RootElement.GetProperty("BlobName").GetString());
        Assert.Equal("TestBlob", json.RootElement.GetProperty("FunctionId").GetString());
    }
}
