using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Core.Tests.Scenarios;

/// <summary>
/// The decider's guarantees under any order and duplication of events: a script of bytes drives a simulated engine
/// that fires real and stale timers, redelivers events, places and duplicates orders and fails sends.
/// </summary>
public sealed class DeciderProperties
{
    private static readonly ScenarioDefinition[] Presets = [.. Definitions.PresetFiles().Select(f => Definitions.Parse(File.ReadAllText(f)))];

    private sealed record Outcome(List<(SendCommand Send, DateTimeOffset At)> Sends, bool AlwaysWaitingOrDone, bool DuplicateTimersIgnored, EnrollmentState Final);

    private static Outcome Simulate(ScenarioDefinition definition, int customer, byte[] script)
    {
        var profile = Customers.Reachable($"c{customer}", line: (customer & 1) == 0, email: (customer & 2) == 0);
        var context = new ScenarioContext(ShopTime.Tokyo, profile);
        var now = new DateTimeOffset(2026, 4, 6, 0, 0, 0, Enrollment.Jst).AddMinutes((customer & 0xFFFF) % 1440);
        var state = EnrollmentState.New($"e{customer}", definition, profile.CustomerId, now);
        var sends = new List<(SendCommand, DateTimeOffset)>();
        var tokens = new List<string>();
        var delivered = new List<ScenarioEvent>();
        bool waitingOrDone = true, duplicatesIgnored = true;

        void Apply(ScenarioEvent e)
        {
            var decision = ScenarioDecider.Decide(definition, state, e, now, context);
            state = decision.State;
            delivered.Add(e);
            sends.AddRange(decision.Commands.OfType<SendCommand>().Select(s => (s, now)));
            tokens.AddRange(decision.Commands.OfType<WakeAt>().Select(w => w.Token));
            waitingOrDone &= state.IsCompleted || state.Timer is not null;
        }

        Apply(new Started());
        var orders = 0;
        foreach (var b in script)
        {
            switch (b % 8)
            {
                case 0 when state.Timer is { } timer:
                    now = timer.DueAt > now ? timer.DueAt : now;
                    Apply(new TimerFired(timer.Token));
                    var again = ScenarioDecider.Decide(definition, state, new TimerFired(timer.Token), now, context);
                    duplicatesIgnored &= ReferenceEquals(again.State, state) && again.Commands.Count == 0;
                    break;
                case 1 when tokens.Count > 0:
                    Apply(new TimerFired(tokens[b % tokens.Count]));
                    break;
                case 2 when delivered.Count > 0:
                    Apply(delivered[b % delivered.Count]);
                    break;
                case 3:
                    now = now.AddHours(b / 8);
                    Apply(new OrderPlaced($"o{++orders}", 1000m, ["A"], now));
                    break;
                case 4 when orders > 0:
                    Apply(new OrderPlaced($"o{(b % orders) + 1}", 1000m, ["A"], now));
                    break;
                case 5 when sends.Count > 0:
                    var failed = sends[b % sends.Count].Item1;
                    Apply(new SendFailed(failed.StepId, failed.Attempt, failed.Channel, "x"));
                    break;
                case 6 when sends.Count > 0:
                    var done = sends[b % sends.Count].Item1;
                    Apply(new SendCompleted(done.StepId, done.Attempt, done.Channel));
                    break;
                case 7:
                    now = now.AddMinutes(b);
                    Apply(new LineFollowed(now));
                    break;
                default:
                    now = now.AddHours(1);
                    break;
            }
        }

        return new Outcome(sends, waitingOrDone, duplicatesIgnored, state);
    }

    [Property(MaxTest = 300)]
    public bool A_send_is_never_emitted_twice(NonNegativeInt preset, int customer, byte[] script)
    {
        var run = Simulate(Presets[preset.Get % Presets.Length], customer, script);
        var keys = run.Sends.Select(s => s.Send.IdempotencyKey).ToList();
        // The presets have no loops, so each step also uses each channel at most once.
        var perChannel = run.Sends.Select(s => (s.Send.StepId, s.Send.Channel)).ToList();
        return keys.Distinct().Count() == keys.Count && perChannel.Distinct().Count() == perChannel.Count;
    }

    [Property(MaxTest = 300)]
    public bool Every_enrollment_waits_on_a_timer_or_has_ended_and_duplicate_timers_are_no_ops(NonNegativeInt preset, int customer, byte[] script)
    {
        var run = Simulate(Presets[preset.Get % Presets.Length], customer, script);
        return run.AlwaysWaitingOrDone && run.DuplicateTimersIgnored;
    }

    [Property(MaxTest = 300)]
    public bool Nothing_is_due_on_a_quiet_channel_in_quiet_hours(NonNegativeInt preset, int customer, byte[] script)
    {
        var definition = Presets[preset.Get % Presets.Length];
        var quiet = definition.Policies.QuietHours!;
        return Simulate(definition, customer, script).Sends.All(s =>
            !quiet.Applies(s.Send.Channel) || !quiet.Contains(TimeOnly.FromDateTime(ShopTime.Tokyo.Local(s.Send.NotBefore ?? s.At).DateTime)));
    }

    [Property(MaxTest = 500)]
    public bool The_holdout_never_receives_anything(int customer, byte[] script)
    {
        var run = Simulate(Presets.Single(p => p.Id == "dormant-reactivation"), customer, script);
        return !run.Final.HeldOut || run.Sends.Count == 0;
    }

    [Property(MaxTest = 200)]
    public bool A_goal_purchase_ends_the_enrollment_as_converted(int customer, PositiveInt hoursLater)
    {
        var definition = Presets.Single(p => p.Id == "first-order-steps");
        var run = new Enrollment(definition, Customers.Reachable($"c{customer}"));
        run.Handle(new Started());
        var at = run.Now.AddHours(hoursLater.Get % (45 * 24));
        while (run.State.Timer is { } t && t.DueAt <= at)
        {
            run.FireTimer();
        }

        run.Now = at;
        run.Handle(new OrderPlaced("o2", 1m, [], at));
        return run.State.Outcome == ScenarioOutcome.Converted && run.Log.OfType<RecordGoal>().Count() == 1;
    }

    [Fact]
    public void Split_assignment_follows_the_weights_and_is_stable()
    {
        var split = new SplitStep
        {
            Id = "ab",
            Arms = [new SplitArm { Name = "a", Weight = 45 }, new SplitArm { Name = "b", Weight = 45 }],
            Holdout = new SplitHoldout { Weight = 10 },
        };
        const int N = 40_000;
        var counts = Enumerable.Range(0, N).Select(i => SplitAssignment.Assign(split, "scenario-1", $"cust-{i}")).CountBy(a => a).ToDictionary();
        // Five standard errors of a proportion at n = 40,000 is under 1.3 percentage points.
        Assert.InRange(counts["a"] / (double)N, 0.437, 0.463);
        Assert.InRange(counts["b"] / (double)N, 0.437, 0.463);
        Assert.InRange(counts[SplitStep.HoldoutArm] / (double)N, 0.09, 0.11);
        Assert.Equal(SplitAssignment.Assign(split, "scenario-1", "cust-7"), SplitAssignment.Assign(split, "scenario-1", "cust-7"));
        Assert.NotEqual(
            Enumerable.Range(0, 100).Select(i => SplitAssignment.Assign(split, "scenario-1", $"cust-{i}")),
            Enumerable.Range(0, 100).Select(i => SplitAssignment.Assign(split, "scenario-2", $"cust-{i}")));
    }

    [Property(MaxTest = 100)]
    public Property Any_weights_summing_to_100_are_honoured(PositiveInt w)
    {
        var a = (w.Get % 98) + 1;
        var split = new SplitStep { Id = "s", Arms = [new SplitArm { Name = "a", Weight = a }, new SplitArm { Name = "b", Weight = 100 - a }] };
        var share = Enumerable.Range(0, 10_000).Count(i => SplitAssignment.Assign(split, "x", $"c{i}") == "a") / 10_000.0;
        return (Math.Abs(share - (a / 100.0)) < 0.025).Label($"weight {a}% got {share:P2}");
    }
}
