using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// The per-(customer, scenario) entry guard: starts that all passed the router's entry rules at the same instant
/// still produce one enrollment, and the re-entry policy lets the next one in when its days have passed.
/// </summary>
public sealed class ScenarioEntryGuardTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero); // 12:00 in Tokyo
    private const int Concurrent = 12;

    private static string Definition(string id, string reentry = "") => $$"""
        {
          "schemaVersion": 1, "id": "{{id}}", "version": 1, "trigger": { "type": "anyOrder" },
          "policies": { "quietHours": null {{reentry}} },
          "steps": [
            { "type": "send", "id": "hello", "channels": ["email"], "template": "{{id}}-hello", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1, "next": "end" },
            { "type": "exit", "id": "end" }
          ]
        }
        """;

    private const string Monthly = ", \"reentry\": { \"mode\": \"afterDays\", \"days\": 30 }";

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start, o => o.SweepGrace = TimeSpan.Zero);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ScenarioEventItem Enroll(string customerId, string scenarioId, string key) =>
        new() { Kind = ScenarioEventKind.Enroll, CustomerId = customerId, ScenarioId = scenarioId, TriggerKey = key };

    /// <summary>Starts straight on the engine, past the router's rules: only the guard stands between them.</summary>
    private EngineWork StartWork(ScenarioDefinition definition, string customerId, string key) =>
        new(customerId, ScenarioIds.Enrollment(definition.Id, customerId, key), new Started(), new EnrollmentStart(definition.Id, definition.Version, _h.Time.GetUtcNow(), null));

    [Fact]
    public async Task Concurrent_enroll_events_with_different_triggers_start_one_enrollment_and_send_once()
    {
        await _h.InstallAsync(Definition("welcome"));
        await _h.PutCustomerAsync("c1");

        var reports = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => _h.Router.RouteAsync([Enroll("c1", "welcome", $"k{i}")], Ct)));

        Assert.Equal(1, reports.Sum(r => r.Started));
        Assert.Single(await _h.Enrollments.ForCustomerAsync("c1", Ct));
        var send = Assert.Single(await _h.DrainSendsAsync());
        Assert.Equal(("c1", "welcome-hello"), (send.CustomerId, send.Template));
    }

    [Fact]
    public async Task Concurrent_starts_that_all_passed_the_entry_rules_enter_once()
    {
        var definition = await _h.InstallAsync(Definition("welcome"));
        await _h.PutCustomerAsync("c1");

        var reports = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => _h.Engine.ProcessAsync([StartWork(definition, "c1", $"k{i}")], Ct)));

        var outcomes = reports.SelectMany(r => r.Outcomes).ToList();
        Assert.Equal(1, outcomes.Count(o => o.Result == WorkResult.Decided));
        Assert.Equal(Concurrent - 1, outcomes.Count(o => o.Result == WorkResult.NotEntered));
        Assert.Single(await _h.Enrollments.ForCustomerAsync("c1", Ct));
        Assert.Single(await _h.DrainSendsAsync());
    }

    [Fact]
    public async Task Reentry_after_days_lets_exactly_one_of_concurrent_starts_in_once_the_days_have_passed()
    {
        var definition = await _h.InstallAsync(Definition("monthly", Monthly));
        await _h.PutCustomerAsync("c1");
        await _h.Router.RouteAsync([Enroll("c1", "monthly", "first")], Ct);
        _h.Time.Advance(TimeSpan.FromDays(2));
        await _h.Wakeups.SweepAsync(Ct);
        Assert.All(await _h.Enrollments.ForCustomerAsync("c1", Ct), e => Assert.Equal(EnrollmentStatus.Completed, e.Status));

        var tooSoon = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => _h.Engine.ProcessAsync([StartWork(definition, "c1", $"soon{i}")], Ct)));
        Assert.All(tooSoon.SelectMany(r => r.Outcomes), o => Assert.Equal(WorkResult.NotEntered, o.Result));

        _h.Time.Advance(TimeSpan.FromDays(28));
        var reports = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => _h.Router.RouteAsync([Enroll("c1", "monthly", $"later{i}")], Ct)));

        Assert.Equal(1, reports.Sum(r => r.Started));
        Assert.Equal(2, (await _h.Enrollments.ForCustomerAsync("c1", Ct)).Count);
        Assert.Equal(2, (await _h.DrainSendsAsync()).Count(s => s.Template == "monthly-hello"));
    }

    [Fact]
    public async Task A_start_that_dies_before_its_transaction_leaves_no_guard_and_another_trigger_enters_at_once()
    {
        await _h.InstallAsync(Definition("welcome"));
        await _h.PutCustomerAsync("c1");
        _h.Probe.CrashOnceAt(EngineStage.LedgerWritten);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1", "welcome", "dead")], Ct));
        Assert.Null(await _h.Enrollments.GetGuardAsync("c1", "welcome", Ct));

        // The guard is added in the same transaction as the enrollment: there is no guard without its enrollment to wait out.
        Assert.Equal(1, (await _h.Router.RouteAsync([Enroll("c1", "welcome", "other")], Ct)).Started);
        var enrollment = Assert.Single(await _h.Enrollments.ForCustomerAsync("c1", Ct));
        Assert.Equal(ScenarioIds.Enrollment("welcome", "c1", "other"), enrollment.EnrollmentId);
        Assert.Single(await _h.DrainSendsAsync());
    }

    [Fact]
    public async Task In_the_older_layout_a_guard_whose_start_died_before_saving_blocks_other_triggers_only_for_its_lease()
    {
        await _h.InstallLegacyAsync(Definition("welcome"));
        await _h.PutCustomerAsync("c1");
        _h.Probe.CrashOnceAt(EngineStage.LedgerWritten);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1", "welcome", "dead")], Ct));
        Assert.Empty(await _h.Enrollments.ForCustomerAsync("c1", Ct));

        Assert.Equal(0, (await _h.Router.RouteAsync([Enroll("c1", "welcome", "other")], Ct)).Started);

        _h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (await _h.Router.RouteAsync([Enroll("c1", "welcome", "other")], Ct)).Started);
        var enrollment = Assert.Single(await _h.Enrollments.ForCustomerAsync("c1", Ct));
        Assert.Equal(ScenarioIds.Enrollment("welcome", "c1", "other"), enrollment.EnrollmentId);
    }
    [Fact]
    public async Task An_enrollment_from_before_guards_gets_its_guard_when_its_customer_is_next_routed_and_then_holds_back_a_concurrent_start()
    {
        var definition = await _h.InstallLegacyAsync(Definition("legacy"));
        await _h.PutCustomerAsync("c1");
        await _h.Router.RouteAsync([Enroll("c1", "legacy", "old")], Ct);
        var old = ScenarioIds.Enrollment("legacy", "c1", "old");

        // As it was before guards: the enrollment without its guard row, the scenario not marked as guarded.
        var enrollmentsTable = _h.Storage.Clients.Table(StorageCatalog.Tables.Enrollments);
        await enrollmentsTable.DeleteEntityAsync(EnrollmentStore.Partition("c1"), EnrollmentStore.GuardRow("c1", "legacy"), Azure.ETag.All, Ct);
        await _h.Storage.Clients.Table(StorageCatalog.Tables.Scenarios).UpdateEntityAsync(new Azure.Data.Tables.TableEntity("legacy", "head") { ["Guarded"] = false }, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Merge, Ct);
        Assert.Null(await _h.Enrollments.GetGuardAsync("c1", "legacy", Ct));

        var again = await _h.Router.RouteAsync([Enroll("c1", "legacy", "again")], Ct);

        Assert.Equal(0, again.Started);
        Assert.Equal(old, (await _h.Enrollments.GetGuardAsync("c1", "legacy", Ct))?.Holder);
        var racer = await _h.Engine.ProcessAsync([StartWork(definition, "c1", "racer")], Ct);
        Assert.Equal(WorkResult.NotEntered, Assert.Single(racer.Outcomes).Result);
        Assert.Equal(old, Assert.Single(await _h.Enrollments.ForCustomerAsync("c1", Ct)).EnrollmentId);
        Assert.Single(await _h.DrainSendsAsync());
    }

    [Fact]
    public async Task Guarding_an_older_scenario_gives_each_customer_the_guard_of_their_latest_enrollment_and_marks_it()
    {
        await _h.InstallLegacyAsync(Definition("older", Monthly));
        foreach (var c in new[] { "c1", "c2" })
        {
            await _h.PutCustomerAsync(c);
            await _h.Router.RouteAsync([Enroll(c, "older", "first")], Ct);
        }

        _h.Time.Advance(TimeSpan.FromDays(40));
        await _h.Wakeups.SweepAsync(Ct);
        await _h.Router.RouteAsync([Enroll("c2", "older", "second")], Ct);
        var enrollmentsTable = _h.Storage.Clients.Table(StorageCatalog.Tables.Enrollments);
        foreach (var c in new[] { "c1", "c2" })
        {
            await enrollmentsTable.DeleteEntityAsync(EnrollmentStore.Partition(c), EnrollmentStore.GuardRow(c, "older"), Azure.ETag.All, Ct);
        }

        await _h.Storage.Clients.Table(StorageCatalog.Tables.Scenarios).UpdateEntityAsync(new Azure.Data.Tables.TableEntity("older", "head") { ["Guarded"] = false }, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Merge, Ct);

        var (result, head) = await _h.Service.GuardAsync("older", Ct);

        Assert.Equal(LifecycleResult.Done, result);
        Assert.True(head?.Guarded);
        Assert.Equal(ScenarioIds.Enrollment("older", "c1", "first"), (await _h.Enrollments.GetGuardAsync("c1", "older", Ct))?.Holder);
        Assert.Equal(ScenarioIds.Enrollment("older", "c2", "second"), (await _h.Enrollments.GetGuardAsync("c2", "older", Ct))?.Holder);
        Assert.True((await _h.Scenarios.GetAsync("older", Ct))?.Guarded);
    }

    [Fact]
    public async Task A_format_1_guard_of_an_older_scenario_still_holds_the_customer_and_stays_the_only_guard_when_taken_over()
    {
        await _h.InstallLegacyAsync(Definition("welcome"));
        await _h.PutCustomerAsync("c1");
        // Format-1 guards belong to scenarios from before the Guarded flag, whose starts read the guard first.
        await _h.Storage.Clients.Table(StorageCatalog.Tables.Scenarios).UpdateEntityAsync(new TableEntity("welcome", "head") { ["Guarded"] = false }, Azure.ETag.All, TableUpdateMode.Merge, Ct);
        var table = _h.Storage.Clients.Table(StorageCatalog.Tables.Enrollments);
        await table.AddEntityAsync(new TableEntity(EnrollmentStore.Partition("c1"), "~welcome") { ["GuardOf"] = "welcome", ["Holder"] = "welcome-dead", ["TakenAt"] = _h.Time.GetUtcNow() }, Ct);

        Assert.Equal(0, (await _h.Router.RouteAsync([Enroll("c1", "welcome", "blocked")], Ct)).Started);

        _h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (await _h.Router.RouteAsync([Enroll("c1", "welcome", "later")], Ct)).Started);

        var guards = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {EnrollmentStore.Partition("c1")} and RowKey ge {EnrollmentStore.GuardPrefix}"), cancellationToken: Ct).ToListAsync(Ct);
        var guard = Assert.Single(guards);
        Assert.Equal(("~welcome", ScenarioIds.Enrollment("welcome", "c1", "later")), (guard.RowKey, guard.GetString("Holder")));
    }

    [Fact]
    public async Task Guards_of_different_customers_have_different_row_keys()
    {
        await _h.InstallAsync(Definition("welcome"));
        await _h.PutCustomerAsync("c1");
        await _h.PutCustomerAsync("c2");

        await _h.Router.RouteAsync([Enroll("c1", "welcome", "k"), Enroll("c2", "welcome", "k")], Ct);

        var table = _h.Storage.Clients.Table(StorageCatalog.Tables.Enrollments);
        var guards = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"GuardOf eq {"welcome"}"), cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(2, guards.Count);
        Assert.Equal(2, guards.Select(g => g.RowKey).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal([EnrollmentStore.BucketPartition("c1"), EnrollmentStore.BucketPartition("c2")], guards.Select(g => g.PartitionKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_format_1_frequency_counter_of_the_period_still_counts()
    {
        var table = _h.Storage.Clients.Table(StorageCatalog.Tables.SendCounters);
        await table.AddEntityAsync(new TableEntity("c1", "email:2026-W10") { ["Keys"] = "e1:hello:0", ["Count"] = 1 }, Ct);

        Assert.Equal(1, await _h.Counters.CountAsync("c1", Channel.Email, "2026-W10", Ct));
        Assert.True(await _h.Counters.TryReserveAsync("c1", Channel.Email, "2026-W10", 2, "e2:hello:0", Ct));
        Assert.False(await _h.Counters.TryReserveAsync("c1", Channel.Email, "2026-W10", 2, "e3:hello:0", Ct));
        Assert.True(await _h.Counters.TryReserveAsync("c1", Channel.Email, "2026-W10", 2, "e1:hello:0", Ct));
        Assert.Equal(2, await _h.Counters.CountAsync("c1", Channel.Email, "2026-W10", Ct));
        Assert.Single(await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"c1"}"), cancellationToken: Ct).ToListAsync(Ct));
    }
}
