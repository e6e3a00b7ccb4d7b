using System.Text.Json;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// <c>kozuchi serve</c> delivers triggers with the host's semantics, on real Azurite and an injected clock, to
/// functions written as the app's are and listed in the catalog as functions.metadata lists them.
/// </summary>
public sealed class LocalRuntimeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private Recorder _recorder = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private LocalFunctionRunner Runner => _app.Services.GetRequiredService<LocalFunctionRunner>();
    private HostSettings HostJson => _app.Services.GetRequiredService<HostSettings>();
    private TriggerBindings Bindings => _app.Services.GetRequiredService<TriggerBindings>();

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage, configureServices: s => _recorder = RecordingFunctions.Register(s));
        foreach (var (key, value) in RecordingFunctions.Settings(_storage))
        {
            _app.WithSetting(key, value);
        }

        _ = _app.Services; // builds the host
        await _storage.Clients.Queue(RecordingFunctions.Queue).CreateIfNotExistsAsync(cancellationToken: Ct);
        await _storage.Clients.Container(RecordingFunctions.Container).CreateIfNotExistsAsync(cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private LocalFunction Function(string name) => _app.Functions[name];

    private QueueTriggerListener Listener(HostSettings settings) =>
        new(Function("TestQueue"), _storage.Clients.Queues, Bindings.QueueName(Function("TestQueue")), Runner, settings, _app.Time, NullLogger.Instance);

    private TimerTriggerScheduler Timer() =>
        new(Function("TestTimer"), Bindings.Schedule(Function("TestTimer")), runOnStartup: false, _storage.Clients, Runner, _app.Time, NullLogger.Instance);

    [Fact]
    public void Local_runtime_reads_its_trigger_semantics_from_the_repositorys_host_json()
    {
        Assert.Equal(16, HostJson.QueueBatchSize);
        Assert.Equal(16, HostJson.QueueNewBatchThreshold);
        Assert.Equal(5, HostJson.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(30), HostJson.QueueVisibilityTimeout);
        Assert.Equal("none", HostJson.QueueMessageEncoding);
        Assert.Equal("api", HostJson.RoutePrefix);
    }

    [Fact]
    public void Binding_expressions_resolve_from_settings_and_the_storage_names_default_to_the_apps_prefix()
    {
        Assert.Equal(_storage.Clients.Names.Queue(RecordingFunctions.Queue), Bindings.QueueName(Function("TestQueue")));
        Assert.Equal(_storage.Clients.Names.Queue("orders-incoming"), Bindings.QueueName(Function("ProcessOrders")));
        Assert.Equal(_storage.Clients.Names.Container("imports"), Bindings.ContainerName(Function("ImportOrders")));
        var missing = Assert.Throws<InvalidOperationException>(() => Bindings.Resolve("%NoSuchSetting%"));
        Assert.Contains("NoSuchSetting", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handled_message_is_deleted_and_reaches_the_function_with_its_id_and_a_function_context()
    {
        var queue = _storage.Clients.Queue(RecordingFunctions.Queue);
        var sent = await queue.SendMessageAsync("""{"n":1}""", Ct);

        var received = await Listener(HostJson).PollOnceAsync(Ct);

        Assert.Equal(1, received);
        var message = Assert.Single(_recorder.Messages);
        Assert.Equal(sent.Value.MessageId, message.MessageId);
        Assert.Equal("""{"n":1}""", message.Body.ToString());
        Assert.Equal(0, (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
        var context = Assert.Single(_recorder.Contexts);
        Assert.Equal(("TestQueue", "Kozuchi.Functions.Tests.Hosting.RecordingFunctions.QueueAsync"), (context.FunctionDefinition.Name, context.FunctionDefinition.EntryPoint));
        Assert.Equal(sent.Value.MessageId, context.BindingContext.BindingData["Id"]);
        Assert.NotEmpty(context.InvocationId);
    }

    [Fact]
    public async Task Failed_message_stays_hidden_for_the_visibility_timeout_then_is_retried_with_a_higher_dequeue_count()
    {
        var queue = _storage.Clients.Queue(RecordingFunctions.Queue);
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
        Assert.Equal(queue2Message.Value.MessageId, retried.MessageId);
        Assert.Equal(2, retried.DequeueCount);
    }

    [Fact]
    public async Task Message_failing_max_dequeue_count_times_moves_intact_to_the_poison_queue()
    {
        var queue = _storage.Clients.Queue(RecordingFunctions.Queue);
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
        var poisoned = Assert.Single((await _storage.Clients.PoisonQueue(RecordingFunctions.Queue).ReceiveMessagesAsync(32, cancellationToken: Ct)).Value);
        Assert.Equal(body, poisoned.Body.ToString());
        Assert.Equal(0, await Listener(settings).PollOnceAsync(Ct));
    }

    [Fact]
    public async Task Next_batch_is_fetched_once_no_more_than_the_threshold_are_still_running_as_the_host_does()
    {
        var queue = _storage.Clients.Queue(RecordingFunctions.Queue);
        foreach (var body in new[] { Recorder.HoldBody, "a", "b", "c" })
        {
            await queue.SendMessageAsync(body, Ct);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var loop = Listener(HostJson with { QueueBatchSize = 2, QueueNewBatchThreshold = 1 }).RunAsync(stop.Token);

        // One message of the first batch is still running: the later batches are taken meanwhile, not after it.
        await Task.WhenAll(_recorder.Handled("a"), _recorder.Handled("b"), _recorder.Handled("c")).WaitAsync(Ct);
        Assert.False(_recorder.Handled(Recorder.HoldBody).IsCompleted);
        Assert.Equal(["a", "b", "c"], _recorder.Messages.Select(m => m.Body.ToString()).Order(StringComparer.Ordinal));

        _recorder.Release.SetResult();
        await _recorder.Handled(Recorder.HoldBody).WaitAsync(Ct);
        await stop.CancelAsync();

        // Stopping ends the loop: cancelled while it waits, or returning when the stop comes between two polls.
        var stopped = await Record.ExceptionAsync(() => loop);
        Assert.True(stopped is null or OperationCanceledException, $"the loop stopped with {stopped}");
    }

    [Fact]
    public async Task Timer_runs_on_its_schedule_and_not_before()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        var timer = Timer();

        Assert.False(await timer.RunDueAsync(atStartup: true, Ct));
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 4, 59, TimeSpan.Zero));
        Assert.False(await timer.RunDueAsync(atStartup: false, Ct));
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 5, 0, TimeSpan.Zero));
        Assert.True(await timer.RunDueAsync(atStartup: false, Ct));
        Assert.False(await timer.RunDueAsync(atStartup: false, Ct));

        var tick = Assert.Single(_recorder.Ticks);
        Assert.False(tick.IsPastDue);
        Assert.Equal(new DateTime(2026, 11, 1, 0, 5, 0, DateTimeKind.Utc), tick.ScheduleStatus!.Next);
    }

    [Fact]
    public async Task Occurrences_missed_while_stopped_are_made_up_once_at_start_as_past_due()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        await Timer().RunDueAsync(atStartup: true, Ct);

        // Nothing ran for 27 minutes (five occurrences); a restarted runner makes up one of them.
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 27, 0, TimeSpan.Zero));
        var restarted = Timer();
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
        var timer = Timer();
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
        Assert.Equal(new DateTime(2026, 11, 1, 0, 5, 0, DateTimeKind.Utc), tick.ScheduleStatus!.Next);
        Assert.Single(_recorder.Ticks);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task Two_runners_on_one_schedule_invoke_the_occurrence_once()
    {
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 0, 30, TimeSpan.Zero));
        var a = Timer();
        var b = Timer();
        await a.RunDueAsync(atStartup: true, Ct);
        _app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 0, 5, 0, TimeSpan.Zero));

        var ran = await Task.WhenAll(a.RunDueAsync(false, Ct), b.RunDueAsync(false, Ct));

        Assert.Equal(1, ran.Count(r => r));
        Assert.Single(_recorder.Ticks);
    }

    [Fact]
    public async Task Blob_is_handled_once_across_restarts_and_again_when_overwritten()
    {
        var container = _storage.Clients.Container(RecordingFunctions.Container);
        await container.GetBlobClient("2026/11/orders.csv").UploadAsync(BinaryData.FromString("order_id\n1\n"), Ct);

        Assert.Equal(1, await _app.Functions.PollBlobsAsync("TestBlob", Ct));
        Assert.Equal(0, await _app.Functions.PollBlobsAsync("TestBlob", Ct));
        var blob = Assert.Single(_recorder.Blobs);
        Assert.Equal("2026/11/orders.csv", blob.Name);
        Assert.Equal("order_id\n1\n", System.Text.Encoding.UTF8.GetString(blob.Content));

        await container.GetBlobClient("2026/11/orders.csv").UploadAsync(BinaryData.FromString("order_id\n1\n2\n"), overwrite: true, Ct);
        Assert.Equal(1, await _app.Functions.PollBlobsAsync("TestBlob", Ct));
        Assert.Equal(2, _recorder.Blobs.Count);
    }

    [Fact]
    public async Task Blob_failing_every_attempt_is_reported_on_the_blob_poison_queue_and_then_left_alone()
    {
        var container = _storage.Clients.Container(RecordingFunctions.Container);
        await container.GetBlobClient("bad.csv").UploadAsync(BinaryData.FromString("broken"), Ct);
        _recorder.FailuresLeft = int.MaxValue;
        var settings = HostJson with { MaxDequeueCount = 2 };
        var poller = new BlobTriggerPoller(Function("TestBlob"), Bindings.ContainerName(Function("TestBlob")), _storage.Clients, Runner, settings, _app.Time, NullLogger.Instance);

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
