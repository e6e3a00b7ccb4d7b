using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>The injected crash: thrown by <see cref="CrashProbe"/> where a process could die.</summary>
public sealed class SimulatedCrashException(EngineStage stage) : Exception($"Simulated crash after {stage}")
{
    public EngineStage Stage { get; } = stage;
}

/// <summary>Kills the engine once at a chosen stage (through the production seam <see cref="IEngineProbe"/>).</summary>
public sealed class CrashProbe : IEngineProbe
{
    private int _remaining;
    private EngineStage? _stage;

    public void CrashOnceAt(EngineStage stage)
    {
        _stage = stage;
        _remaining = 1;
    }

    public ValueTask ReachedAsync(EngineStage stage, CancellationToken cancellationToken)
    {
        if (stage == _stage && Interlocked.Decrement(ref _remaining) >= 0)
        {
            throw new SimulatedCrashException(stage);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A send as the recording channel saw it: claimed from the ledger, so a copy of a message records nothing.</summary>
public sealed record RecordedSend(string CustomerId, string Template, Channel Channel, DateTimeOffset At, string Key, string? Arm);

/// <summary>
/// The engine on one storage scope and a fake clock, with a recording channel that exists only in tests: it reads
/// the send-* queues as a channel consumer would, claiming each idempotency key in the ledger before "delivering".
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private EngineHarness(StorageScope storage, FakeTimeProvider time, ScenarioEngineOptions options)
    {
        Storage = storage;
        Time = time;
        var opts = Options.Create(options);
        Customers = new CustomerStore(storage.Clients);
        Snapshots = new ProfileSnapshots(storage.Clients, Customers);
        Ingestor = new OrderIngestor(Customers, Snapshots, time, NullLogger<OrderIngestor>.Instance);
        Scenarios = new ScenarioStore(storage.Clients);
        Enrollments = new EnrollmentStore(storage.Clients);
        Ledger = new SendLedger(storage.Clients);
        Timers = new ScenarioTimers(storage.Clients, time);
        Counters = new SendCounters(storage.Clients);
        Engine = new ScenarioEngine(Enrollments, Scenarios, Ledger, Timers, Counters, Customers, storage.Clients, ShopTime.Tokyo, time, opts, Probe, NullLogger<ScenarioEngine>.Instance);
        Publisher = new ScenarioEventPublisher(storage.Clients);
        Router = new ScenarioRouter(Scenarios, Enrollments, Customers, Engine, time, opts, NullLogger<ScenarioRouter>.Instance);
        Wakeups = new ScenarioWakeups(Engine, Timers, time, opts, NullLogger<ScenarioWakeups>.Instance);
        Service = new ScenarioService(Scenarios, Enrollments, Engine, Wakeups, time, opts);
        Segments = new SegmentStore(storage.Clients);
        Predictions = new CustomerPredictionStore(storage.Clients, Customers, Snapshots, ShopTime.Tokyo, Options.Create(new ClvOptions()));
        Tags = new CustomerTagStore(storage.Clients, Customers);
        Triggers = new ScenarioTriggerRunner(Scenarios, Segments, Customers, Snapshots, Predictions, Tags, Publisher, ShopTime.Tokyo, time, NullLogger<ScenarioTriggerRunner>.Instance);
    }

    public CustomerPredictionStore Predictions { get; }

    public CustomerTagStore Tags { get; }

    public ProfileSnapshots Snapshots { get; }
    public SegmentStore Segments { get; }
    public ScenarioTriggerRunner Triggers { get; }

    public StorageScope Storage { get; }
    public FakeTimeProvider Time { get; }
    public CrashProbe Probe { get; } = new();
    public CustomerStore Customers { get; }
    public OrderIngestor Ingestor { get; }
    public ScenarioStore Scenarios { get; }
    public EnrollmentStore Enrollments { get; }
    public SendLedger Ledger { get; }
    public ScenarioTimers Timers { get; }
    public SendCounters Counters { get; }
    public ScenarioEngine Engine { get; }
    public ScenarioEventPublisher Publisher { get; }
    public ScenarioRouter Router { get; }
    public ScenarioWakeups Wakeups { get; }
    public ScenarioService Service { get; }

    /// <summary>Every recipient the channel queues carried, duplicates included; <see cref="Sends"/> holds what was delivered.</summary>
    public int RecipientsSeen { get; private set; }

    public List<RecordedSend> Sends { get; } = [];

    public static async Task<EngineHarness> StartAsync(AzuriteFixture azurite, DateTimeOffset start, Action<ScenarioEngineOptions>? configure = null)
    {
        var options = new ScenarioEngineOptions();
        configure?.Invoke(options);
        return new EngineHarness(await azurite.CreateScopeAsync(), new FakeTimeProvider(start), options);
    }

    public async Task<ScenarioDefinition> InstallAsync(string json, bool activate = true)
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await Service.CreateAsync(json, null, ct);
        Assert.True(created.Definition is not null, string.Join("; ", created.Errors));
        if (activate)
        {
            Assert.Equal(LifecycleResult.Done, (await Service.ActivateAsync(created.Definition!.Id, ct)).Result);
        }

        return created.Definition!;
    }

    /// <summary>
    /// Installs a scenario as one created before the bucket layout: its enrollments and guards in the customers' own
    /// partitions (<see cref="EnrollmentLayout.CustomerPartitions"/>), the head without a layout value.
    /// </summary>
    public async Task<ScenarioDefinition> InstallLegacyAsync(string json, bool guarded = true)
    {
        var definition = await InstallAsync(json);
        var head = new Azure.Data.Tables.TableEntity(definition.Id, "head") { ["Layout"] = (int)EnrollmentLayout.CustomerPartitions, ["Guarded"] = guarded };
        await Storage.Clients.Table(StorageCatalog.Tables.Scenarios).UpdateEntityAsync(head, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Merge, TestContext.Current.CancellationToken);
        return definition;
    }

    public static string Preset(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "presets", name));

    /// <summary>Writes a customer directly (reachability as given), for tests that do not go through ingest.</summary>
    public async Task PutCustomerAsync(string customerId, bool email = true, bool line = false)
    {
        var record = new CustomerRecord
        {
            CustomerId = customerId,
            CreatedAt = Time.GetUtcNow(),
            Contact = new CustomerContact { Email = email ? $"{customerId}@example.jp" : null },
            EmailOptIn = email,
            LineUserId = line ? "U" + customerId : null,
            LineFollowing = line,
        };
        await Customers.CustomersTable.UpsertEntityAsync(CustomerEntities.ToEntity(record), Azure.Data.Tables.TableUpdateMode.Replace, TestContext.Current.CancellationToken);
        await Snapshots.TouchAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Gives an ingested customer a LINE friendship (ingest has no LINE source yet).</summary>
    public async Task FollowOnLineAsync(string customerId)
    {
        var ct = TestContext.Current.CancellationToken;
        var record = (await Customers.GetAsync(customerId, ct))!;
        await Customers.CustomersTable.UpsertEntityAsync(CustomerEntities.ToEntity(record with { LineUserId = "U" + customerId, LineFollowing = true }), Azure.Data.Tables.TableUpdateMode.Replace, ct);
        await Snapshots.TouchAsync(ct);
    }

    public static Order NewOrder(string id, string email, DateTimeOffset at, decimal total = 3000m, bool optIn = true, string sku = "SKU-1") => new()
    {
        Key = new OrderKey("test", id),
        OrderedAt = at,
        UpdatedAt = at,
        Contact = new OrderContact { Email = email, Name = "テスト 太郎", EmailOptIn = optIn },
        Lines = [new OrderLine { Sku = sku, ProductName = "商品", UnitPrice = total }],
        Total = total,
    };

    /// <summary>Ingests the orders now and returns what ingest reported; scenario events are only published (see <see cref="RouteEventsAsync"/>).</summary>
    public async Task<IngestResult> IngestAsync(params Order[] orders)
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await Ingestor.IngestAsync([.. orders.Select(o => new IncomingOrder(o, null))], null, ct);
        await Publisher.PublishAsync(ScenarioEventPublisher.FromIngest(result), ct);
        return result;
    }

    /// <summary>Delivers every scenario-events message to the router, <paramref name="times"/> times each (the queue's at-least-once).</summary>
    public async Task<int> RouteEventsAsync(int times = 1)
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = Storage.Clients.Queue(StorageCatalog.Queues.ScenarioEvents);
        var routed = 0;
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5), ct)).Value is { Length: > 0 } messages)
        {
            foreach (var m in messages)
            {
                var batch = ScenarioEventBatch.Parse(m.MessageText);
                for (var i = 0; i < times; i++)
                {
                    await Router.RouteAsync(batch.Events, ct);
                }

                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
                routed++;
            }
        }

        return routed;
    }

    /// <summary>The recording channel: drains the four send queues, delivering each idempotency key once.</summary>
    public async Task<IReadOnlyList<RecordedSend>> DrainSendsAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var delivered = new List<RecordedSend>();
        foreach (var name in new[] { StorageCatalog.Queues.SendEmail, StorageCatalog.Queues.SendLine, StorageCatalog.Queues.SendDm, StorageCatalog.Queues.SendCall })
        {
            var queue = Storage.Clients.Queue(name);
            while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5), ct)).Value is { Length: > 0 } messages)
            {
                foreach (var m in messages)
                {
                    var batch = await new SendBatches(Storage.Clients).ResolveAsync(SendBatchMessage.Parse(m.MessageText), ct) ?? throw new InvalidOperationException("A send batch's blob is missing.");
                    Assert.Equal(name, ScenarioMessageJson.SendQueue(batch.Channel));
                    foreach (var r in batch.Recipients)
                    {
                        RecipientsSeen++;
                        if (await Ledger.ClaimForDeliveryAsync(r.Key, Time.GetUtcNow(), ct))
                        {
                            delivered.Add(new RecordedSend(r.CustomerId, batch.Template, batch.Channel, batch.CreatedAt, r.Key, r.Arm));
                        }
                    }

                    await new SendBatches(Storage.Clients).CompleteAsync(batch, ct);
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
                }
            }
        }

        Sends.AddRange(delivered);
        return delivered;
    }

    /// <summary>Messages on a queue, visible or not (wake-ups wait invisible).</summary>
    public async Task<int> QueueLengthAsync(string logicalName) =>
        (await Storage.Clients.Queue(logicalName).GetPropertiesAsync(TestContext.Current.CancellationToken)).Value.ApproximateMessagesCount;

    /// <summary>The earliest due time in the timer index, if any.</summary>
    public async Task<DateTimeOffset?> NextDueAsync()
    {
        DateTimeOffset? next = null;
        await foreach (var t in Timers.DueAsync(DateTimeOffset.MaxValue.AddYears(-1), TestContext.Current.CancellationToken))
        {
            next = next is null || t.DueAt < next ? t.DueAt : next;
        }

        return next;
    }

    public async ValueTask DisposeAsync()
    {
        Predictions.Dispose();
        await Storage.DisposeAsync();
    }
}
