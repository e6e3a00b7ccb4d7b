using System.Text.Json;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Core.Tests.Scenarios;

public sealed class ScenarioDeciderTests
{
    private static DateTimeOffset Jst(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, Enrollment.Jst);

    [Fact]
    public void First_order_preset_sends_on_day_3_14_and_30_at_ten_then_expires_when_the_goal_window_closes()
    {
        var run = new Enrollment(Definitions.Parse(Definitions.Preset("first-order-steps.json")), at: Jst(4, 6, 12));
        run.Handle(new Started());
        run.RunToEnd();

        Assert.Equal(
            [("thanks", Channel.Line, Jst(4, 10, 10)), ("usage-tip", Channel.Line, Jst(4, 21, 10)), ("f2-offer", Channel.Email, Jst(5, 7, 10))],
            run.Sends.Select(s => (s.StepId, s.Channel, run.State.Sends.Single(r => r.IdempotencyKey == s.IdempotencyKey).At)));
        Assert.Equal(ScenarioOutcome.Expired, run.State.Outcome);
        Assert.Equal(Jst(5, 21, 12), run.State.CompletedAt);
        Assert.Equal("e1:thanks:1", run.Sends.First().IdempotencyKey);
    }

    [Fact]
    public void A_purchase_in_the_goal_window_converts_and_stops_the_remaining_steps()
    {
        var run = new Enrollment(Definitions.Parse(Definitions.Preset("first-order-steps.json")), at: Jst(4, 6, 12), triggerOrderId: "o1");
        run.Handle(new Started());
        run.FireTimer(); // thanks
        var pending = run.State.Timer!;

        run.Now = Jst(4, 15, 20);
        Assert.Empty(run.Handle(new OrderPlaced("o1", 3000m, ["A"], Jst(4, 6, 11))).Commands); // the order that enrolled them
        var decision = run.Handle(new OrderPlaced("o2", 4500m, ["B"], Jst(4, 15, 20)));

        Assert.Equal([new RecordGoal("f2-goal", "o2", 4500m, Jst(4, 15, 20), null), new Complete(ScenarioOutcome.Converted, Jst(4, 15, 20))], decision.Commands);
        Assert.Equal(ScenarioOutcome.Converted, run.State.Outcome);
        Assert.Null(run.State.Timer);
        run.Now = pending.DueAt;
        Assert.Same(run.State, run.Handle(new TimerFired(pending.Token)).State);
        Assert.Single(run.Sends);
    }

    [Fact]
    public void Stale_duplicate_and_early_timers_change_nothing()
    {
        var run = new Enrollment(Definitions.Linear(
            new WaitStep { Id = "w1", Days = 1, Next = "w2" },
            new WaitStep { Id = "w2", Days = 1, Next = "send" },
            new SendStep { Id = "send", Channels = [Channel.Email], Template = "t" }));
        run.Handle(new Started());
        var first = run.State.Timer!;

        var early = run.Handle(new TimerFired(first.Token));
        Assert.Equal([new WakeAt(first.DueAt, first.Token)], early.Commands);
        Assert.Same(first, run.State.Timer);

        run.FireTimer();
        var afterFirst = run.State;
        var duplicate = run.Handle(new TimerFired(first.Token));
        Assert.Same(afterFirst, duplicate.State);
        Assert.Empty(duplicate.Commands);
        Assert.Empty(run.Handle(new TimerFired("e1:t999")).Commands);

        run.RunToEnd();
        Assert.Single(run.Sends);
        Assert.Equal(ScenarioOutcome.Exited, run.State.Outcome);
    }

    [Fact]
    public void Line_in_quiet_hours_waits_until_nine_while_email_goes_at_once()
    {
        var definition = Definitions.Linear(new SendStep { Id = "s", Channels = [Channel.Line, Channel.Email], Template = "t" });
        var run = new Enrollment(definition, at: Jst(4, 6, 22, 30));
        var started = run.Handle(new Started());
        Assert.Equal([new WakeAt(Jst(4, 7, 9), "e1:t1")], started.Commands);

        run.FireTimer();
        Assert.Equal(Channel.Line, Assert.Single(run.Sends).Channel);
        Assert.Equal(Jst(4, 7, 9), run.Now);

        var emailOnly = new Enrollment(definition, Customers.Reachable("c2", line: false), at: Jst(4, 6, 22, 30));
        emailOnly.Handle(new Started());
        Assert.Equal(Channel.Email, Assert.Single(emailOnly.Sends).Channel);
    }

    [Fact]
    public void A_failed_send_falls_back_to_the_next_channel_once()
    {
        var run = new Enrollment(Definitions.Linear(
            new SendStep { Id = "s", Channels = [Channel.Line, Channel.Email], Template = "t", Next = "w" },
            new WaitStep { Id = "w", Days = 7 }));
        run.Handle(new Started());
        var line = Assert.Single(run.Sends);
        Assert.Equal([Channel.Email], line.Fallback);

        run.Now = run.Now.AddMinutes(5);
        var fallback = run.Handle(new SendFailed("s", 1, Channel.Line, "blocked"));
        var email = Assert.IsType<SendCommand>(Assert.Single(fallback.Commands));
        Assert.Equal((Channel.Email, 2, "e1:s:2"), (email.Channel, email.Attempt, email.IdempotencyKey));
        Assert.Empty(email.Fallback);
        Assert.Equal("w", run.State.CurrentStepId);

        Assert.Empty(run.Handle(new SendFailed("s", 1, Channel.Line, "blocked")).Commands);
        Assert.Empty(run.Handle(new SendFailed("s", 2, Channel.Email)).Commands);
        Assert.Equal(2, run.Sends.Count());
    }

    [Fact]
    public void A_fallback_that_fails_into_quiet_hours_is_held_until_they_end()
    {
        var run = new Enrollment(
            Definitions.Linear(new SendStep { Id = "s", Channels = [Channel.Email, Channel.Line], Template = "t", Next = "w" }, new WaitStep { Id = "w", Days = 1 }),
            at: Jst(4, 6, 20, 55));
        run.Handle(new Started());
        run.Now = Jst(4, 6, 23);
        var line = Assert.IsType<SendCommand>(Assert.Single(run.Handle(new SendFailed("s", 1, Channel.Email, "bounce")).Commands));
        Assert.Equal((Channel.Line, Jst(4, 7, 9)), (line.Channel, line.NotBefore));
    }

    [Fact]
    public void Unreachable_channels_are_skipped_and_an_unreachable_customer_just_moves_on()
    {
        var definition = Definitions.Linear(
            new SendStep { Id = "line", Channels = [Channel.Line], Template = "t", Next = "any" },
            new SendStep { Id = "any", Channels = [Channel.Line, Channel.Email], Template = "t" });
        var run = new Enrollment(definition, Customers.Reachable("c", line: false));
        run.Handle(new Started());
        var send = Assert.Single(run.Sends);
        Assert.Equal(("any", Channel.Email), (send.StepId, send.Channel));
        Assert.Contains(run.State.History, v => v is { StepId: "line", Note: "unreachable" });
        Assert.Equal(ScenarioOutcome.Exited, run.State.Outcome);
    }

    [Fact]
    public void Holdout_receives_nothing_but_its_goal_is_recorded_with_its_arm()
    {
        var definition = Definitions.Parse(Definitions.Preset("dormant-reactivation.json"));
        var split = (SplitStep)definition.Step("ab")!;
        var heldOut = Enumerable.Range(0, 1000).Select(i => $"c{i}").First(id => SplitAssignment.Assign(split, definition.Id, id) == SplitStep.HoldoutArm);

        var run = new Enrollment(definition, Customers.Reachable(heldOut), at: Jst(4, 6, 12));
        run.Handle(new Started());
        Assert.True(run.State.HeldOut);
        Assert.Equal(SplitStep.HoldoutArm, run.State.Arm);
        run.Now = Jst(4, 20, 12);
        var converted = run.Handle(new OrderPlaced("o9", 8000m, ["X"], Jst(4, 20, 12)));
        Assert.Contains(new RecordGoal("goal-holdout", "o9", 8000m, Jst(4, 20, 12), SplitStep.HoldoutArm), converted.Commands);
        Assert.Empty(run.Sends);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_decided_winner_takes_newcomers_of_an_auto_winner_split_and_the_holdout_keeps_its_share(bool autoWinner)
    {
        var preset = Definitions.Parse(Definitions.Preset("dormant-reactivation.json"));
        var definition = preset with { Steps = [.. preset.Steps.Select(s => s is SplitStep split ? split with { AutoWinner = autoWinner } : s)] };
        var split = (SplitStep)definition.Step("ab")!;
        var context = new ScenarioContext(ShopTime.Tokyo, Customers.Reachable("x")) { Winners = new Dictionary<string, string> { ["ab"] = "coupon" } };

        var byHash = Enumerable.Range(0, 300).Select(i => $"c{i}").GroupBy(id => SplitAssignment.Assign(split, definition.Id, id)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(3, byHash.Count);
        foreach (var (hashed, ids) in byHash)
        {
            foreach (var id in ids)
            {
                var state = EnrollmentState.New("e-" + id, definition, id, Jst(4, 6, 12), null);
                var decided = ScenarioDecider.Decide(definition, state, new Started(), Jst(4, 6, 12), context with { Customer = Customers.Reachable(id) }).State;
                var expected = hashed == SplitStep.HoldoutArm || !autoWinner ? hashed : "coupon";
                Assert.Equal((expected, hashed == SplitStep.HoldoutArm), (decided.Arm, decided.HeldOut));
            }
        }
    }

    [Fact]
    public void Business_days_skip_golden_week_and_keep_the_time_of_day()
    {
        var run = new Enrollment(Definitions.Linear(new WaitStep { Id = "w", BusinessDays = 1, Next = "s" }, new SendStep { Id = "s", Channels = [Channel.Email], Template = "t" }), at: Jst(5, 1, 15, 30));
        run.Handle(new Started());
        Assert.Equal(Jst(5, 7, 15, 30), run.State.Timer!.DueAt);
    }

    [Theory]
    [InlineData(8, 59, 0, 4, 6, 9)]  // 0 days: first 09:00 at or after now
    [InlineData(9, 0, 0, 4, 6, 9)]
    [InlineData(9, 1, 0, 4, 7, 9)]
    [InlineData(12, 0, 3, 4, 10, 9)] // three days on is 12:00 on the 9th: the next 09:00 is the 10th
    public void Wait_until_a_time_of_day_takes_the_first_such_time_after_the_duration(int hour, int minute, int days, int month, int day, int dueHour)
    {
        var run = new Enrollment(Definitions.Linear(new WaitStep { Id = "w", Days = days, AtTime = new TimeOnly(9, 0) }), at: Jst(4, 6, hour, minute));
        run.Handle(new Started());
        Assert.Equal(Jst(month, day, dueHour), run.State.Timer!.DueAt);
    }

    [Fact]
    public void Waiting_for_a_line_follow_goes_on_at_the_follow_or_at_the_timeout()
    {
        var definition = Definitions.Parse(Definitions.Preset("line-then-email.json"));
        var notFriend = Customers.Reachable("c", line: false);

        var follows = new Enrollment(definition, notFriend, at: Jst(4, 6, 12));
        follows.Handle(new Started());
        Assert.Equal((AwaitedEvent.LineFollow, TimerPurpose.EventTimeout), (follows.State.Awaiting!.Value, follows.State.Timer!.Purpose));
        follows.Now = Jst(4, 8, 18);
        follows.Handle(new LineFollowed(follows.Now));
        Assert.Equal(("wait-1d", Jst(4, 9, 11)), (follows.State.CurrentStepId!, follows.State.Timer!.DueAt));

        var silent = new Enrollment(definition, notFriend, at: Jst(4, 6, 12));
        silent.Handle(new Started());
        silent.FireTimer();
        var send = Assert.Single(silent.Sends);
        Assert.Equal(("email-only", Channel.Email, Jst(4, 13, 12)), (send.StepId, send.Channel, silent.Now));
        Assert.Empty(silent.Handle(new LineFollowed(silent.Now)).Commands);
    }

    [Fact]
    public void A_purchase_satisfies_a_wait_for_purchase_once_even_if_delivered_twice()
    {
        var run = new Enrollment(Definitions.Linear(
            new WaitForEventStep { Id = "p1", Event = AwaitedEvent.Purchase, Timeout = new Duration { Days = 10 }, OnEvent = "p2", OnTimeout = "end" },
            new WaitForEventStep { Id = "p2", Event = AwaitedEvent.Purchase, Timeout = new Duration { Days = 10 }, OnEvent = "thanks", OnTimeout = "end" },
            new SendStep { Id = "thanks", Channels = [Channel.Email], Template = "t" },
            new ExitStep { Id = "end" }));
        run.Handle(new Started());
        run.Now = run.Now.AddDays(1);
        var order = new OrderPlaced("o2", 1000m, [], run.Now);
        run.Handle(order);
        Assert.Equal("p2", run.State.CurrentStepId);
        Assert.Empty(run.Handle(order).Commands);
        Assert.Equal("p2", run.State.CurrentStepId);
    }

    [Fact]
    public void A_cancellation_that_arrives_before_its_order_keeps_the_order_from_counting()
    {
        var run = new Enrollment(Definitions.Linear(new GoalStep { Id = "g", Window = new Duration { Days = 30 } }));
        run.Handle(new Started());
        run.Handle(new OrderCancelled("o5"));
        Assert.Empty(run.Handle(new OrderPlaced("o5", 100m, [], run.Now.AddHours(1))).Commands);
        Assert.False(run.State.IsCompleted);
    }

    [Fact]
    public void Branches_read_the_customer_as_passed_in()
    {
        var definition = Definitions.Linear(
            new BranchStep { Id = "b", Rule = new Kozuchi.Core.Segments.FrequencyRule { Min = 2 }, Then = "repeat", Else = "new" },
            new SendStep { Id = "repeat", Channels = [Channel.Email], Template = "repeat" },
            new SendStep { Id = "new", Channels = [Channel.Email], Template = "new" });
        var newcomer = new Enrollment(definition);
        newcomer.Handle(new Started());
        var regular = new Enrollment(definition, Customers.Reachable("c2") with { Frequency = 3 });
        regular.Handle(new Started());
        Assert.Equal(("new", "repeat"), (newcomer.Sends.Single().Template, regular.Sends.Single().Template));
    }

    [Fact]
    public void Stopping_completes_and_nothing_happens_after()
    {
        var run = new Enrollment(Definitions.Linear(new WaitStep { Id = "w", Days = 1, Next = "s" }, new SendStep { Id = "s", Channels = [Channel.Email], Template = "t" }));
        run.Handle(new Started());
        Assert.Equal([new Complete(ScenarioOutcome.Stopped, run.Now)], run.Handle(new Stopped("paused by shop")).Commands);
        Assert.Equal((ScenarioOutcome.Stopped, "paused by shop"), (run.State.Outcome, run.State.StopReason));
        Assert.Empty(run.FireTimerOrNothing());
    }

    [Fact]
    public void Started_twice_starts_once()
    {
        var run = new Enrollment(Definitions.Linear(new SendStep { Id = "s", Channels = [Channel.Email], Template = "t", Next = "w" }, new WaitStep { Id = "w", Days = 1 }));
        run.Handle(new Started());
        Assert.Empty(run.Handle(new Started()).Commands);
        Assert.Single(run.Sends);
    }

    [Fact]
    public void A_state_for_another_version_is_refused()
    {
        var definition = Definitions.Linear(new ExitStep { Id = "x" });
        var state = EnrollmentState.New("e", definition, "c", DateTimeOffset.UnixEpoch);
        Assert.Throws<ArgumentException>(() => ScenarioDecider.Decide(definition with { Version = 2 }, state, new Started(), DateTimeOffset.UnixEpoch, new ScenarioContext(ShopTime.Tokyo, Customers.Reachable("c"))));
    }

    [Fact]
    public void State_events_and_commands_round_trip_through_json()
    {
        var run = new Enrollment(Definitions.Parse(Definitions.Preset("dormant-reactivation.json")), Customers.Reachable("c7"));
        run.Handle(new Started());
        var json = JsonSerializer.Serialize(run.State, DefinitionJson.Options);
        var back = JsonSerializer.Deserialize<EnrollmentState>(json, DefinitionJson.Options)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, DefinitionJson.Options));

        ScenarioEvent[] events = [new Started(), new TimerFired("e:t1"), new OrderPlaced("o", 1.5m, ["A"], DateTimeOffset.UnixEpoch), new SendFailed("s", 1, Channel.Line, "x")];
        foreach (var e in events)
        {
            Assert.Equal(e.GetType(), JsonSerializer.Deserialize<ScenarioEvent>(JsonSerializer.Serialize(e, DefinitionJson.Options), DefinitionJson.Options)!.GetType());
        }

        var commands = JsonSerializer.Serialize<IReadOnlyList<ScenarioCommand>>(run.Log, DefinitionJson.Options);
        Assert.Contains("\"type\": \"wakeAt\"", commands, StringComparison.Ordinal);
    }
}

internal static class EnrollmentExtensions
{
    public static IReadOnlyList<ScenarioCommand> FireTimerOrNothing(this Enrollment run) => run.State.Timer is null ? [] : run.FireTimer().Commands;
}
