using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

public sealed class ScenarioEngineTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero); // 12:00 in Tokyo, a Monday

    private static string Welcome(string id = "welcome", string reentry = "", int waitDays = 1, string channels = "\"email\"") => $$"""
        {
          "schemaVersion": 1, "id": "{{id}}", "version": 1, "trigger": { "type": "anyOrder" },
          "policies": { "quietHours": null {{reentry}} },
          "steps": [
            { "type": "send", "id": "hello", "channels": [{{channels}}], "template": "{{id}}-hello", "next": "wait" },
            { "type": "wait", "id": "wait", "days": {{waitDays}}, "next": "bye" },
            { "type": "send", "id": "bye", "channels": [{{channels}}], "template": "{{id}}-bye", "next": "end" },
            { "type": "exit", "id": "end" }
          ]
        }
        """;

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start, o => o.SweepGrace = TimeSpan.FromMinutes(2));

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ScenarioEventItem Enroll(string customerId, string scenarioId = "welcome", string key = "k1") =>
        new() { Kind = ScenarioEventKind.Enroll, CustomerId = customerId, ScenarioId = scenarioId, TriggerKey = key };

    private static string EnrollmentId(string customerId, string scenarioId = "welcome", string key = "k1") => ScenarioIds.Enrollment(scenarioId, customerId, key);

    private async Task<StoredEnrollment> EnrollmentAsync(string customerId, string scenarioId = "welcome", string key = "k1") =>
        (await _h.Enrollments.GetAsync(customerId, EnrollmentId(customerId, scenarioId, key), Ct))!;

    [Fact]
    public async Task Crash_between_ledger_write_and_state_save_then_redelivery_sends_once()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        _h.Probe.CrashOnceAt(EngineStage.LedgerWritten);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1")], Ct));

        Assert.Null(await _h.Enrollments.GetAsync("c1", EnrollmentId("c1"), Ct));
        var recorded = await _h.Ledger.GetAsync(SendCommand.Key(EnrollmentId("c1"), "hello", 1), Ct);
        Assert.Equal(LedgerStatus.Recorded, recorded!.Status);
        Assert.Empty(await _h.DrainSendsAsync());

        await _h.Router.RouteAsync([Enroll("c1")], Ct);

        var send = Assert.Single(await _h.DrainSendsAsync());
        Assert.Equal(("c1", "welcome-hello", Channel.Email), (send.CustomerId, send.Template, send.Channel));
        Assert.Equal(1, _h.RecipientsSeen);
        Assert.Equal(EnrollmentStatus.Active, (await EnrollmentAsync("c1")).State.Status);
    }

    [Fact]
    public async Task Crash_between_state_save_and_queueing_then_redelivery_sends_once()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        _h.Probe.CrashOnceAt(EngineStage.StateSaved);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1")], Ct));

        var saved = await EnrollmentAsync("c1");
        Assert.IsType<SendCommand>(Assert.Single(saved.Outbox, c => c is SendCommand));
        Assert.Empty(await _h.DrainSendsAsync());

        await _h.Router.RouteAsync([Enroll("c1")], Ct);

        Assert.Single(await _h.DrainSendsAsync());
        Assert.Empty((await EnrollmentAsync("c1")).Outbox);
        Assert.Equal(LedgerStatus.Sent, (await _h.Ledger.GetAsync(SendCommand.Key(EnrollmentId("c1"), "hello", 1), Ct))!.Status);
    }

    [Fact]
    public async Task A_batch_that_saved_moves_the_enrollment_marker_even_when_it_fails_afterwards()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        await _h.PutCustomerAsync("c2");
        var changes = new EnrollmentChanges(_h.Storage.Clients);
        var before = await changes.MarkerAsync(Ct);
        _h.Probe.CrashOnceAt(EngineStage.StateSaved);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1")], Ct));
        var afterCrash = await changes.MarkerAsync(Ct);
        await _h.Router.RouteAsync([Enroll("c2")], Ct);

        Assert.NotEqual(before, afterCrash);
        Assert.NotEqual(afterCrash, await changes.MarkerAsync(Ct));
    }

    [Fact]
    public async Task Crash_after_state_save_is_finished_by_the_sweep_when_the_message_is_never_redelivered()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        _h.Probe.CrashOnceAt(EngineStage.StateSaved);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1")], Ct));

        _h.Time.Advance(TimeSpan.FromMinutes(5));
        var swept = await _h.Wakeups.SweepAsync(Ct);

        Assert.Equal(1, swept.Due);
        Assert.Equal("welcome-hello", Assert.Single(await _h.DrainSendsAsync()).Template);

        // The lost run's wake-up was never queued either; the index still knows the timer.
        _h.Time.Advance(TimeSpan.FromDays(1));
        await _h.Wakeups.SweepAsync(Ct);
        Assert.Equal("welcome-bye", Assert.Single(await _h.DrainSendsAsync()).Template);
        Assert.Equal(ScenarioOutcome.Exited, (await EnrollmentAsync("c1")).State.Outcome);
        Assert.Null(await _h.NextDueAsync());
    }

    [Fact]
    public async Task Crash_between_queueing_and_marking_is_delivered_once_even_when_queued_again_after_the_lease()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        _h.Probe.CrashOnceAt(EngineStage.SendsQueued);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _h.Router.RouteAsync([Enroll("c1")], Ct));

        // The redelivered message finds a fresh claim: it does not queue again and leaves the outbox for the sweep.
        await _h.Router.RouteAsync([Enroll("c1")], Ct);
        Assert.NotEmpty((await EnrollmentAsync("c1")).Outbox);

        // After the claim's lease the sweep cannot know whether the message left, so it queues again; the channel's ledger claim drops the copy.
        _h.Time.Advance(SendLedger.ClaimLease + TimeSpan.FromMinutes(1));
        await _h.Wakeups.SweepAsync(Ct);

        Assert.Single(await _h.DrainSendsAsync());
        Assert.Equal(2, _h.RecipientsSeen);
        Assert.Empty((await EnrollmentAsync("c1")).Outbox);
    }

    [Fact]
    public async Task A_message_delivered_twice_even_concurrently_sends_once()
    {
        await _h.InstallAsync(Welcome());
        foreach (var c in new[] { "c1", "c2", "c3" })
        {
            await _h.PutCustomerAsync(c);
        }

        ScenarioEventItem[] batch = [Enroll("c1"), Enroll("c2"), Enroll("c3")];
        await _h.Router.RouteAsync(batch, Ct);
        await _h.Router.RouteAsync(batch, Ct);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _h.Router.RouteAsync(batch, Ct)));

        var sends = await _h.DrainSendsAsync();
        Assert.Equal(["c1", "c2", "c3"], sends.Select(s => s.CustomerId).Order());
        Assert.Equal(3, _h.RecipientsSeen);
    }

    [Fact]
    public async Task Sends_of_one_batch_leave_in_one_message_with_many_recipients()
    {
        await _h.InstallAsync(Welcome());
        var customers = Enumerable.Range(1, 30).Select(i => $"c{i:00}").ToList();
        foreach (var c in customers)
        {
            await _h.PutCustomerAsync(c);
        }

        var report = await _h.Router.RouteAsync([.. customers.Select(c => Enroll(c))], Ct);

        Assert.Equal(30, report.Started);
        Assert.Equal(1, await _h.QueueLengthAsync(StorageCatalog.Queues.SendEmail));
        Assert.Equal(30, (await _h.DrainSendsAsync()).Count);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_timer_lose_the_etag_race_and_decide_once()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        await _h.Router.RouteAsync([Enroll("c1")], Ct);
        await _h.DrainSendsAsync();
        var token = (await EnrollmentAsync("c1")).State.Timer!.Token;
        _h.Time.Advance(TimeSpan.FromDays(1));

        var reports = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            _h.Engine.ProcessAsync([new EngineWork("c1", EnrollmentId("c1"), new TimerFired(token))], Ct)));

        Assert.Equal(1, reports.Count(r => r.Outcomes[0].Result == WorkResult.Decided));
        Assert.Equal("welcome-bye", Assert.Single(await _h.DrainSendsAsync()).Template);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused()
    {
        var definition = (await _h.InstallAsync(Welcome()));
        var state = EnrollmentState.New("e1", definition, "c1", Start);
        var first = await _h.Enrollments.SaveAsync(state, [], null, EnrollmentLayout.Buckets, Ct);
        Assert.NotNull(first);
        Assert.Null(await _h.Enrollments.SaveAsync(state, [], null, EnrollmentLayout.Buckets, Ct));

        var second = await _h.Enrollments.SaveAsync(state with { Status = EnrollmentStatus.Active }, [], first, EnrollmentLayout.Buckets, Ct);

        Assert.NotNull(second);
        Assert.Null(await _h.Enrollments.SaveAsync(state with { Status = EnrollmentStatus.Completed }, [], first, EnrollmentLayout.Buckets, Ct));
        Assert.Equal(EnrollmentStatus.Active, (await _h.Enrollments.GetAsync("c1", "e1", Ct))!.State.Status);
    }

    [Fact]
    public async Task The_ledger_records_claims_and_delivers_each_key_once()
    {
        var send = new SendCommand("e1", "welcome", 1, "c1", "hello", 1, Channel.Email, [], "t", null, SendCommand.Key("e1", "hello", 1));

        Assert.True(await _h.Ledger.RecordAsync(send, Start, Ct));
        Assert.False(await _h.Ledger.RecordAsync(send, Start, Ct));
        Assert.False(await _h.Ledger.ClaimForDeliveryAsync(send.IdempotencyKey, Start, Ct));
        Assert.Equal(ClaimResult.Claimed, await _h.Ledger.ClaimAsync(send, Start, Ct));
        Assert.Equal(ClaimResult.Busy, await _h.Ledger.ClaimAsync(send, Start.AddMinutes(1), Ct));
        await _h.Ledger.MarkQueuedAsync(send, "b1", Start, Ct);
        Assert.Equal(ClaimResult.AlreadyQueued, await _h.Ledger.ClaimAsync(send, Start.AddHours(1), Ct));
        Assert.True(await _h.Ledger.ClaimForDeliveryAsync(send.IdempotencyKey, Start, Ct));
        Assert.False(await _h.Ledger.ClaimForDeliveryAsync(send.IdempotencyKey, Start, Ct));
    }

    [Fact]
    public async Task A_wake_up_due_beyond_seven_days_is_requeued_and_acts_only_when_due()
    {
        await _h.InstallAsync(Welcome(waitDays: 20));
        await _h.PutCustomerAsync("c1");
        await _h.Router.RouteAsync([Enroll("c1")], Ct);
        await _h.DrainSendsAsync();
        var timer = (await EnrollmentAsync("c1")).State.Timer!;
        Assert.Equal(Start.AddDays(20), timer.DueAt);
        var wakeup = new WakeupMessage { CustomerId = "c1", EnrollmentId = EnrollmentId("c1"), Token = timer.Token, DueAt = timer.DueAt };
        var queued = await _h.QueueLengthAsync(StorageCatalog.Queues.ScenarioWakeups);

        // Arrives after the 7-day visibility maximum, 13 days early.
        _h.Time.Advance(TimeSpan.FromDays(7));
        Assert.Equal(WakeupResult.Requeued, await _h.Wakeups.HandleAsync(wakeup, Ct));

        Assert.Equal(queued + 1, await _h.QueueLengthAsync(StorageCatalog.Queues.ScenarioWakeups));
        Assert.Equal(timer, (await EnrollmentAsync("c1")).State.Timer);
        Assert.Empty(await _h.DrainSendsAsync());

        _h.Time.Advance(TimeSpan.FromDays(13));
        Assert.Equal(WakeupResult.Delivered, await _h.Wakeups.HandleAsync(wakeup, Ct));
        Assert.Equal(WakeupResult.Delivered, await _h.Wakeups.HandleAsync(wakeup, Ct));

        Assert.Equal("welcome-bye", Assert.Single(await _h.DrainSendsAsync()).Template);
        Assert.True((await EnrollmentAsync("c1")).State.IsCompleted);
        Assert.Null(await _h.NextDueAsync());
    }

    [Fact]
    public async Task A_paused_scenario_holds_its_timers_and_resume_sends_what_came_due()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        await _h.PutCustomerAsync("c2");
        await _h.Router.RouteAsync([Enroll("c1")], Ct);
        await _h.DrainSendsAsync();
        await _h.Service.PauseAsync("welcome", Ct);

        _h.Time.Advance(TimeSpan.FromDays(3));
        var swept = await _h.Wakeups.SweepAsync(Ct);
        Assert.Equal(1, swept.Held);
        Assert.Empty(await _h.DrainSendsAsync());
        Assert.Equal(0, (await _h.Router.RouteAsync([Enroll("c2")], Ct)).Started);

        await _h.Service.ResumeAsync("welcome", Ct);

        Assert.Equal("welcome-bye", Assert.Single(await _h.DrainSendsAsync()).Template);
    }

    [Fact]
    public async Task Stopping_a_scenario_ends_its_running_enrollments_and_sends_nothing_more()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1");
        await _h.PutCustomerAsync("c2");
        await _h.Router.RouteAsync([Enroll("c1"), Enroll("c2")], Ct);
        await _h.DrainSendsAsync();

        var (result, _, stopped) = await _h.Service.StopAsync("welcome", Ct);
        _h.Time.Advance(TimeSpan.FromDays(2));
        await _h.Wakeups.SweepAsync(Ct);

        Assert.Equal((LifecycleResult.Done, 2), (result, stopped));
        Assert.Empty(await _h.DrainSendsAsync());
        Assert.Equal(ScenarioOutcome.Stopped, (await EnrollmentAsync("c1")).State.Outcome);
        Assert.Null(await _h.NextDueAsync());
    }

    [Fact]
    public async Task The_frequency_cap_turns_a_send_over_the_limit_into_a_fallback()
    {
        await using var capped = await EngineHarness.StartAsync(azurite, Start, o => o.FrequencyCap = new FrequencyCap
        {
            Period = CapPeriod.Week,
            Limits = new Dictionary<Channel, int> { [Channel.Email] = 1 },
        });
        await capped.InstallAsync(Welcome("first"));
        await capped.InstallAsync(Welcome("second", channels: "\"email\", \"line\""));
        await capped.PutCustomerAsync("c1", email: true, line: true);

        await capped.Router.RouteAsync([Enroll("c1", "first")], Ct);
        await capped.Router.RouteAsync([Enroll("c1", "second")], Ct);

        var sends = await capped.DrainSendsAsync();
        Assert.Equal([("first-hello", Channel.Email), ("second-hello", Channel.Line)], sends.Select(s => (s.Template, s.Channel)).Order());
        Assert.Equal(1, await capped.Counters.CountAsync("c1", Channel.Email, "2026-W10", Ct));
    }

    [Fact]
    public async Task Reentry_never_enrolls_a_customer_once_and_after_days_again_once_the_days_have_passed()
    {
        await _h.InstallAsync(Welcome("once"));
        await _h.InstallAsync(Welcome("monthly", reentry: ", \"reentry\": { \"mode\": \"afterDays\", \"days\": 30 }"));
        await _h.PutCustomerAsync("c1");
        foreach (var scenario in new[] { "once", "monthly" })
        {
            await _h.Router.RouteAsync([Enroll("c1", scenario, "a")], Ct);
        }

        Assert.Equal(0, (await _h.Router.RouteAsync([Enroll("c1", "monthly", "b")], Ct)).Started); // still running
        _h.Time.Advance(TimeSpan.FromDays(2));
        await _h.Wakeups.SweepAsync(Ct);
        Assert.Equal(0, (await _h.Router.RouteAsync([Enroll("c1", "monthly", "c")], Ct)).Started); // ended, but too soon

        _h.Time.Advance(TimeSpan.FromDays(29));
        var report = await _h.Router.RouteAsync([Enroll("c1", "once", "d"), Enroll("c1", "monthly", "d")], Ct);

        Assert.Equal(1, report.Started);
        var enrollments = await _h.Service.EnrollmentsOfAsync("c1", Ct);
        Assert.Equal(1, enrollments.Count(e => e.ScenarioId == "once"));
        Assert.Equal(2, enrollments.Count(e => e.ScenarioId == "monthly"));
    }

    [Fact]
    public async Task A_customer_no_channel_of_the_scenario_can_reach_is_not_enrolled()
    {
        await _h.InstallAsync(Welcome());
        await _h.PutCustomerAsync("c1", email: false, line: true);

        var report = await _h.Router.RouteAsync([Enroll("c1")], Ct);

        Assert.Equal((0, 1), (report.Started, report.Skipped));
        Assert.Empty(await _h.Service.EnrollmentsOfAsync("c1", Ct));
    }

    [Fact]
    public async Task Orders_reach_running_enrollments_and_history_does_not_start_scenarios()
    {
        await _h.InstallAsync("""
            {
              "schemaVersion": 1, "id": "f2", "trigger": { "type": "firstOrder" },
              "steps": [
                { "type": "goal", "id": "goal", "window": { "days": 30 }, "next": "wait" },
                { "type": "wait", "id": "wait", "days": 10, "next": "offer" },
                { "type": "send", "id": "offer", "channels": ["email"], "template": "f2-offer" }
              ]
            }
            """);
        var old = await _h.IngestAsync(EngineHarness.NewOrder("old", "old@example.jp", Start.AddDays(-40)));
        var first = await _h.IngestAsync(EngineHarness.NewOrder("o1", "a@example.jp", Start));
        await _h.RouteEventsAsync(times: 2);
        var customerId = first.Orders[0].CustomerId;
        Assert.Single(await _h.Service.EnrollmentsOfAsync(customerId, Ct));
        Assert.Empty(await _h.Service.EnrollmentsOfAsync(old.Orders[0].CustomerId, Ct));

        _h.Time.Advance(TimeSpan.FromDays(5));
        await _h.IngestAsync(EngineHarness.NewOrder("o2", "a@example.jp", _h.Time.GetUtcNow(), total: 4200m));
        await _h.RouteEventsAsync(times: 2);

        var enrollment = Assert.Single(await _h.Service.EnrollmentsOfAsync(customerId, Ct));
        Assert.Equal((ScenarioOutcome.Converted, 4200m), (enrollment.Outcome!.Value, enrollment.ConversionAmount!.Value));
        _h.Time.Advance(TimeSpan.FromDays(10));
        await _h.Wakeups.SweepAsync(Ct);
        Assert.Empty(await _h.DrainSendsAsync());
    }

    [Fact]
    public async Task A_product_order_starts_only_on_orders_with_the_product_and_ingest_publishes_cancellations()
    {
        await _h.InstallAsync(EngineHarness.Preset("line-then-email.json"));
        var other = await _h.IngestAsync(EngineHarness.NewOrder("x1", "x@example.jp", Start, sku: "SET-4"));
        var trial = await _h.IngestAsync(EngineHarness.NewOrder("t1", "t@example.jp", Start, sku: "TRIAL-SET"));
        await _h.RouteEventsAsync();

        Assert.Empty(await _h.Service.EnrollmentsOfAsync(other.Orders[0].CustomerId, Ct));
        var enrollment = Assert.Single(await _h.Service.EnrollmentsOfAsync(trial.Orders[0].CustomerId, Ct));
        Assert.Equal("await-follow", (await _h.Enrollments.GetAsync(enrollment.CustomerId, enrollment.EnrollmentId, Ct))!.State.CurrentStepId);

        var cancelled = EngineHarness.NewOrder("t1", "t@example.jp", Start, sku: "TRIAL-SET") with { Status = Kozuchi.Core.Orders.OrderStatus.Cancelled, UpdatedAt = Start.AddHours(1) };
        var events = ScenarioEventPublisher.FromIngest(await _h.IngestAsync(cancelled));

        var e = Assert.Single(events);
        Assert.Equal((ScenarioEventKind.OrderCancelled, "test:t1"), (e.Kind, e.OrderId));
    }
}
