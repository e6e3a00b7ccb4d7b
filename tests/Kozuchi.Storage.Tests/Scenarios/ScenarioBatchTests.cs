using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// The engine's batched path (a scenario in the bucket layout): many enrollments of one message written in entity group
/// transactions per partition — ledger rows, then each state with its entry guard and frequency counters, claims,
/// marks, clears — and their wake-ups in shared messages. A crash at any stage, a redelivery, concurrent deliveries
/// and rows that already exist still give every customer exactly one send.
/// </summary>
public sealed class ScenarioBatchTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero); // 12:00 in Tokyo, a Monday
    private const int Customers = 40;

    private static string Welcome(string id = "welcome", string channels = "\"email\"") => $$"""
        {
          "schemaVersion": 1, "id": "{{id}}", "version": 1, "trigger": { "type": "anyOrder" },
          "policies": { "quietHours": null },
          "steps": [
            { "type": "send", "id": "hello", "channels": [{{channels}}], "template": "{{id}}-hello", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1, "next": "bye" },
            { "type": "send", "id": "bye", "channels": [{{channels}}], "template": "{{id}}-bye", "next": "end" },
            { "type": "exit", "id": "end" }
          ]
        }
        """;

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start, o => o.SweepGrace = TimeSpan.FromMinutes(2));

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Ids = [.. Enumerable.Range(1, Customers).Select(i => $"c{i:00}")];

    private static ScenarioEventItem[] EnrollAll(string scenarioId = "welcome", string key = "k1") =>
        [.. Ids.Select(c => new ScenarioEventItem { Kind = ScenarioEventKind.Enroll, CustomerId = c, ScenarioId = scenarioId, TriggerKey = key })];

    private async Task SeedAsync()
    {
        foreach (var c in Ids)
        {
            await _h.PutCustomerAsync(c);
        }
    }

    private static void AssertOnceEach(IEnumerable<RecordedSend> sends, string template)
    {
        var mine = sends.Where(s => s.Template == template).ToList();
        Assert.Equal(Ids, mine.Select(s => s.CustomerId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(EngineStage.LedgerWritten)]
    [InlineData(EngineStage.StateSaved)]
    [InlineData(EngineStage.WakeupsScheduled)]
    public async Task A_batch_killed_at_any_stage_and_delivered_again_sends_once_to_every_customer(EngineStage stage)
    {
        await _h.InstallAsync(Welcome());
        await SeedAsync();
        _h.Probe.CrashOnceAt(stage);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync(EnrollAll(), Ct));
        await _h.Router.RouteAsync(EnrollAll(), Ct);

        var sends = await _h.DrainSendsAsync();
        AssertOnceEach(sends, "welcome-hello");
        Assert.All(Ids, c => Assert.Single(_h.Sends, s => s.CustomerId == c));
        Assert.All(await Task.WhenAll(Ids.Select(c => _h.Enrollments.GetAsync(c, ScenarioIds.Enrollment("welcome", c, "k1"), EnrollmentLayout.Buckets, Ct))), e => Assert.Empty(e!.Outbox));

        // Every wake-up is still found: by the sweep a day later, the second send goes to every customer once.
        _h.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5));
        await _h.Wakeups.SweepAsync(Ct);
        AssertOnceEach(await _h.DrainSendsAsync(), "welcome-bye");
    }

    [Fact]
    public async Task A_batch_killed_between_queueing_and_marking_is_delivered_once_to_every_customer_after_the_lease()
    {
        await _h.InstallAsync(Welcome());
        await SeedAsync();
        _h.Probe.CrashOnceAt(EngineStage.SendsQueued);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync(EnrollAll(), Ct));

        // The redelivery finds fresh claims and leaves the outboxes for the sweep, which queues again after the lease.
        await _h.Router.RouteAsync(EnrollAll(), Ct);
        _h.Time.Advance(SendLedger.ClaimLease + TimeSpan.FromMinutes(1));
        await _h.Wakeups.SweepAsync(Ct);

        AssertOnceEach(await _h.DrainSendsAsync(), "welcome-hello");
        Assert.Equal(2 * Customers, _h.RecipientsSeen);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_batch_start_each_enrollment_once_and_send_once()
    {
        await _h.InstallAsync(Welcome());
        await SeedAsync();

        var reports = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _h.Router.RouteAsync(EnrollAll(), Ct)));

        Assert.Equal(Customers, reports.Sum(r => r.Started));
        AssertOnceEach(await _h.DrainSendsAsync(), "welcome-hello");
        Assert.Equal(Customers, _h.RecipientsSeen);
        Assert.Equal(Customers, await _h.Enrollments.ForScenarioAsync("welcome", false, Ct).CountAsync(Ct));
    }

    [Fact]
    public async Task Customers_whose_guard_or_counter_exists_go_the_one_by_one_way_and_the_cap_still_holds()
    {
        await _h.InstallAsync(Welcome());
        await _h.InstallAsync(Welcome("other"));
        await SeedAsync();

        // c01–c03 are enrolled already (their guards and enrollments exist); c04–c06 had an email this week from another scenario.
        await _h.Router.RouteAsync(EnrollAll()[..3], Ct);
        await _h.Router.RouteAsync(EnrollAll("other")[3..6], Ct);
        await _h.DrainSendsAsync();
        var period = new ScenarioEngineOptions().FrequencyCap.PeriodKey(Start, ShopTime.Tokyo);
        Assert.Equal(1, await _h.Counters.CountAsync("c04", Channel.Email, period, Ct));

        var report = await _h.Router.RouteAsync(EnrollAll(), Ct);

        Assert.Equal(Customers - 3, report.Started);
        Assert.True(report.Engine!.Conflicts > 0);
        var sends = await _h.DrainSendsAsync();
        Assert.Equal(Ids[3..], sends.Select(s => s.CustomerId).Order(StringComparer.Ordinal));
        Assert.Equal(2, await _h.Counters.CountAsync("c04", Channel.Email, period, Ct));
        Assert.Equal(1, await _h.Counters.CountAsync("c40", Channel.Email, period, Ct));
    }

    [Fact]
    public async Task A_customer_at_the_cap_entering_in_a_batch_gets_no_send_over_it()
    {
        await using var capped = await EngineHarness.StartAsync(azurite, Start, o => o.FrequencyCap = new FrequencyCap { Period = CapPeriod.Week, Limits = new Dictionary<Channel, int> { [Channel.Email] = 1 } });
        await capped.InstallAsync(Welcome());
        await capped.InstallAsync(Welcome("other"));
        foreach (var c in Ids)
        {
            await capped.PutCustomerAsync(c);
        }

        await capped.Router.RouteAsync(EnrollAll("other")[..1], Ct);
        Assert.Single(await capped.DrainSendsAsync());

        await capped.Router.RouteAsync(EnrollAll(), Ct);

        var sends = await capped.DrainSendsAsync();
        Assert.Equal(Ids[1..], sends.Select(s => s.CustomerId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_batch_writes_its_rows_in_the_customers_buckets_and_its_wake_ups_in_one_message()
    {
        await _h.InstallAsync(Welcome());
        await SeedAsync();

        await _h.Router.RouteAsync(EnrollAll(), Ct);

        Assert.Equal(1, await _h.QueueLengthAsync(StorageCatalog.Queues.ScenarioWakeups));
        var rows = await _h.Enrollments.Table.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct);
        Assert.All(rows, r => Assert.Equal(EnrollmentStore.BucketPartition(r.RowKey[..r.RowKey.IndexOf('|', StringComparison.Ordinal)]), r.PartitionKey));
        Assert.Equal(3 * Customers, rows.Count); // an enrollment, its guard and its counter per customer
        Assert.Equal(Customers, rows.Count(r => r.GetString("GuardOf") == "welcome"));
        var ledger = await _h.Ledger.Table.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(Customers, ledger.Count(r => r.GetString("Status") == nameof(LedgerStatus.Queued)));
        Assert.All(ledger, r => Assert.StartsWith("~p", r.PartitionKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wake_ups_in_one_message_fire_together_and_those_that_arrive_early_go_back_as_one_message()
    {
        await _h.InstallAsync(Welcome());
        await SeedAsync();
        await _h.Router.RouteAsync(EnrollAll(), Ct);
        await _h.DrainSendsAsync();
        var wakeups = (await Task.WhenAll(Ids.Select(c => _h.Enrollments.GetAsync(c, ScenarioIds.Enrollment("welcome", c, "k1"), Ct))))
            .Select(e => new WakeupMessage { CustomerId = e!.State.CustomerId, EnrollmentId = e.State.EnrollmentId, Token = e.State.Timer!.Token, DueAt = e.State.Timer.DueAt }).ToList();
        var message = new WakeupBatchMessage { Wakeups = wakeups }.ToJson();
        var queue = _h.Storage.Clients.Queue(StorageCatalog.Queues.ScenarioWakeups);
        await queue.ClearMessagesAsync(Ct);

        // Half a day early (the 7-day visibility cap would bring a far wake-up back early): all go back, in one message.
        _h.Time.Advance(TimeSpan.FromHours(12));
        Assert.All(await _h.Wakeups.HandleAsync(message, Ct), r => Assert.Equal(WakeupResult.Requeued, r));
        Assert.Equal(1, await _h.QueueLengthAsync(StorageCatalog.Queues.ScenarioWakeups));
        Assert.Empty(await _h.DrainSendsAsync());

        _h.Time.Advance(TimeSpan.FromHours(12));
        Assert.All(await _h.Wakeups.HandleAsync(message, Ct), r => Assert.Equal(WakeupResult.Delivered, r));
        AssertOnceEach(await _h.DrainSendsAsync(), "welcome-bye");

        // A second copy (at-least-once) finds every timer stale: nothing more is sent, and the index is empty.
        await _h.Wakeups.HandleAsync(message, Ct);
        Assert.Empty(await _h.DrainSendsAsync());
        Assert.Null(await _h.NextDueAsync());

        // A version-1 message (one wake-up) is still read.
        Assert.Equal([WakeupResult.Delivered], await _h.Wakeups.HandleAsync(wakeups[0].ToJson(), Ct));
    }

    [Fact]
    public async Task A_scenario_from_before_the_buckets_keeps_its_rows_in_the_customers_partitions_and_runs_to_the_end()
    {
        await _h.InstallLegacyAsync(Welcome());
        await SeedAsync();

        await _h.Router.RouteAsync(EnrollAll(), Ct);
        AssertOnceEach(await _h.DrainSendsAsync(), "welcome-hello");
        _h.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5));
        await _h.Wakeups.SweepAsync(Ct);
        AssertOnceEach(await _h.DrainSendsAsync(), "welcome-bye");

        var rows = await _h.Enrollments.Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ScenarioId eq {"welcome"}"), cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(Ids, rows.Select(r => r.PartitionKey).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(nameof(EnrollmentStatus.Completed), r.GetString("Status")));
        Assert.Equal(Customers, await _h.Enrollments.Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"GuardOf eq {"welcome"}"), cancellationToken: Ct).CountAsync(Ct));
    }

    [Fact]
    public async Task Timer_rows_and_outbox_markers_from_before_the_buckets_are_still_swept_and_removed()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c01");
        await _h.Router.RouteAsync(EnrollAll()[..1], Ct);
        await _h.DrainSendsAsync();
        var enrollment = (await _h.Enrollments.GetAsync("c01", ScenarioIds.Enrollment("welcome", "c01", "k1"), Ct))!;

        // The timer's row moved back to where the index kept it before (PK = the hour), and a stale marker in "outbox".
        var index = _h.Storage.Clients.Table(StorageCatalog.Tables.ScenarioTimers);
        foreach (var row in await index.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct))
        {
            await index.DeleteEntityAsync(row.PartitionKey, row.RowKey, Azure.ETag.All, Ct);
        }

        var timer = enrollment.State.Timer!;
        await index.AddEntityAsync(new TableEntity(ScenarioTimers.Bucket(timer.DueAt), timer.Token) { ["CustomerId"] = "c01", ["EnrollmentId"] = enrollment.State.EnrollmentId, ["Token"] = timer.Token, ["DueAt"] = timer.DueAt }, Ct);
        await index.AddEntityAsync(new TableEntity(ScenarioTimers.MarkerPartition, enrollment.State.EnrollmentId) { ["CustomerId"] = "c01", ["EnrollmentId"] = enrollment.State.EnrollmentId, ["Token"] = DueTimer.OutboxToken, ["DueAt"] = Start }, Ct);

        _h.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(5));
        var swept = await _h.Wakeups.SweepAsync(Ct);

        Assert.Equal((2, 2), (swept.Due, swept.Removed));
        Assert.Equal("welcome-bye", Assert.Single(await _h.DrainSendsAsync()).Template);
        Assert.Null(await _h.NextDueAsync());
    }
}
