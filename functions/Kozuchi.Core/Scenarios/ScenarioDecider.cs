using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Scenarios;

/// <summary>
/// The scenario engine's rules, as a pure function: definition + enrollment state + event + now (+ the customer
/// and the shop's calendar) → new state + commands. It reads no clock and does no I/O, so the same inputs always
/// give the same answer; the engine around it loads the state (with its ETag), calls <see cref="Decide"/>,
/// saves the state, then carries out the commands. See docs/SCENARIOS.md for the semantics.
/// <para>Guarantees the engine can rely on:</para>
/// <list type="bullet">
/// <item>An event that changes nothing returns the same state instance and no commands (duplicates, stale timers, anything after completion).</item>
/// <item>After any decision an enrollment is either completed or has exactly one <see cref="EnrollmentState.Timer"/>, announced by a <see cref="WakeAt"/> when it was set.</item>
/// <item>Every <see cref="SendCommand.IdempotencyKey"/> is emitted at most once over an enrollment's life.</item>
/// <item>A held-out enrollment never gets a <see cref="SendCommand"/>; sends on quiet-hour channels are never due inside quiet hours.</item>
/// </list>
/// </summary>
public static class ScenarioDecider
{
    /// <summary>Steps one decision may pass through; only a definition with a loop without a wait (rejected by validation) reaches it.</summary>
    public const int MaxStepsPerDecision = 1_000;

    /// <summary>Order ids remembered for de-duplication; older ones cannot matter once this many later orders were seen.</summary>
    public const int RememberedOrders = 50;

    public static ScenarioDecision Decide(ScenarioDefinition definition, EnrollmentState state, ScenarioEvent @event, DateTimeOffset now, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        if (definition.Id != state.ScenarioId || definition.Version != state.DefinitionVersion)
        {
            throw new ArgumentException($"Enrollment {state.EnrollmentId} is pinned to {state.ScenarioId} v{state.DefinitionVersion}, not {definition.Id} v{definition.Version}.", nameof(definition));
        }

        if (state.SchemaVersion != EnrollmentState.CurrentSchemaVersion)
        {
            throw new ArgumentException($"Enrollment state schema {state.SchemaVersion} is not supported; migrate it before deciding.", nameof(state));
        }

        var unchanged = new ScenarioDecision(state, []);
        if (state.IsCompleted || (state.Status == EnrollmentStatus.Pending && @event is not Started))
        {
            return unchanged;
        }

        var run = new Run(definition, state, now, context);
        var changed = @event switch
        {
            Started => run.Start(),
            TimerFired t => run.Timer(t.Token),
            OrderPlaced o => run.Order(o),
            OrderCancelled c => run.Cancelled(c.OrderId),
            LineFollowed => run.Awaited(AwaitedEvent.LineFollow),
            SendCompleted s => run.Delivered(s),
            SendFailed f => run.Failed(f),
            Stopped s => run.Stop(s.Reason),
            _ => false,
        };
        return changed ? new ScenarioDecision(run.State, run.Commands) : unchanged;
    }

    private sealed class Run(ScenarioDefinition definition, EnrollmentState state, DateTimeOffset now, ScenarioContext context)
    {
        public EnrollmentState State { get; private set; } = state;
        public List<ScenarioCommand> Commands { get; } = [];

        public bool Start()
        {
            if (State.Status != EnrollmentStatus.Pending)
            {
                return false;
            }

            State = State with { Status = EnrollmentStatus.Active };
            Enter(definition.StartStepId);
            return true;
        }

        public bool Timer(string token)
        {
            if (State.Timer is not { } timer || timer.Token != token)
            {
                return false;
            }

            if (now < timer.DueAt)
            {
                // Delivered early (e.g. re-queued past the queue's 7-day visibility limit): ask again, change nothing.
                Commands.Add(new WakeAt(timer.DueAt, timer.Token));
                return true;
            }

            State = State with { Timer = null };
            var step = State.CurrentStepId is { } id ? definition.Step(id) : null;
            switch (timer.Purpose)
            {
                case TimerPurpose.Wait:
                    Enter(((WaitStep)step!).Next);
                    break;
                case TimerPurpose.EventTimeout:
                    State = State with { Awaiting = null };
                    Enter(((WaitForEventStep)step!).OnTimeout);
                    break;
                case TimerPurpose.QuietHours:
                    Enter(step!.Id);
                    break;
                default:
                    EndFlow();
                    break;
            }

            return true;
        }

        public bool Order(OrderPlaced order)
        {
            if (order.OrderId == State.TriggerOrderId || State.SeenOrderIds.Contains(order.OrderId)
                || State.CancelledOrderIds.Contains(order.OrderId) || order.OrderedAt < State.EnrolledAt)
            {
                return false;
            }

            State = State with { SeenOrderIds = Remember(State.SeenOrderIds, order.OrderId) };
            if (State is { GoalOpenedAt: { } opened, GoalDeadline: { } deadline } && order.OrderedAt >= opened && order.OrderedAt <= deadline)
            {
                Commands.Add(new RecordGoal(State.GoalStepId!, order.OrderId, order.Amount, order.OrderedAt, State.Arm, order.Currency));
                State = State with { ConvertingOrderId = order.OrderId, ConversionAmount = order.Amount, ConversionCurrency = order.Currency };
                Visit(State.GoalStepId!, "converted");
                Finish(ScenarioOutcome.Converted);
                return true;
            }

            Awaited(AwaitedEvent.Purchase);
            return true;
        }

        public bool Cancelled(string orderId)
        {
            // A cancellation does not rewind a step already taken; it only stops a late-arriving placement from counting.
            if (State.SeenOrderIds.Contains(orderId) || State.CancelledOrderIds.Contains(orderId))
            {
                return false;
            }

            State = State with { CancelledOrderIds = Remember(State.CancelledOrderIds, orderId) };
            return true;
        }

        public bool Awaited(AwaitedEvent awaited)
        {
            if (State.Awaiting != awaited || State.CurrentStepId is not { } id || definition.Step(id) is not WaitForEventStep step)
            {
                return false;
            }

            State = State with { Awaiting = null, Timer = null };
            Visit(id, awaited == AwaitedEvent.Purchase ? "purchased" : "followed");
            Enter(step.OnEvent);
            return true;
        }

        public bool Delivered(SendCompleted completed)
        {
            var index = FindSend(completed.StepId, completed.Attempt, completed.Channel);
            if (index < 0 || State.Sends[index].Status != SendStatus.Requested)
            {
                return false;
            }

            State = State with { Sends = Replace(State.Sends, index, State.Sends[index] with { Status = SendStatus.Delivered }) };
            return true;
        }

        public bool Failed(SendFailed failed)
        {
            var index = FindSend(failed.StepId, failed.Attempt, failed.Channel);
            if (index < 0 || State.Sends[index].Status != SendStatus.Requested)
            {
                return false;
            }

            var record = State.Sends[index];
            State = State with { Sends = Replace(State.Sends, index, record with { Status = SendStatus.Failed, Reason = failed.Reason }) };
            if (record.Fallback.Count > 0 && definition.Step(record.StepId) is SendStep step)
            {
                var channel = record.Fallback[0];
                var quiet = definition.Policies.QuietHours;
                DateTimeOffset? notBefore = quiet is not null && quiet.Applies(channel) && quiet.NextAllowed(now, context.Shop) is var allowed && allowed > now ? allowed : null;
                EmitSend(step, channel, [.. record.Fallback.Skip(1)], notBefore);
            }

            return true;
        }

        public bool Stop(string? reason)
        {
            Finish(ScenarioOutcome.Stopped);
            State = State with { StopReason = reason };
            return true;
        }

        /// <summary>Walks from <paramref name="stepId"/> until a step suspends or the flow ends.</summary>
        private void Enter(string? stepId)
        {
            for (var passed = 0; ; passed++)
            {
                if (passed >= MaxStepsPerDecision)
                {
                    throw new InvalidOperationException($"Scenario {definition.Id} v{definition.Version} passed {MaxStepsPerDecision} steps without a wait; validate definitions before running them.");
                }

                if (stepId is null)
                {
                    EndFlow();
                    return;
                }

                var step = definition.Step(stepId) ?? throw new InvalidOperationException($"Scenario {definition.Id} v{definition.Version} has no step '{stepId}'.");
                State = State with { CurrentStepId = step.Id };
                switch (step)
                {
                    case SendStep send:
                        if (!Send(send))
                        {
                            return;
                        }

                        stepId = send.Next;
                        break;
                    case WaitStep wait:
                        Visit(wait.Id, null);
                        SetTimer(WaitUntil(wait), TimerPurpose.Wait);
                        return;
                    case WaitForEventStep waitFor:
                        Visit(waitFor.Id, null);
                        State = State with { Awaiting = waitFor.Event };
                        SetTimer(now + waitFor.Timeout.ToTimeSpan(), TimerPurpose.EventTimeout);
                        return;
                    case BranchStep branch:
                        var matches = SegmentEvaluator.Matches(branch.Rule, context.Customer, new SegmentContext(now, context.Shop, context.Rfm) { Currency = context.Currency });
                        Visit(branch.Id, matches ? "then" : "else");
                        stepId = matches ? branch.Then : branch.Else;
                        break;
                    case SplitStep split:
                        stepId = Split(split);
                        break;
                    case GoalStep goal:
                        Visit(goal.Id, null);
                        State = State with { GoalStepId = goal.Id, GoalOpenedAt = now, GoalDeadline = now + goal.Window.ToTimeSpan() };
                        if (goal.Next is null)
                        {
                            SetTimer(State.GoalDeadline!.Value, TimerPurpose.GoalWindow);
                            return;
                        }

                        stepId = goal.Next;
                        break;
                    default:
                        Visit(step.Id, null);
                        EndFlow();
                        return;
                }
            }
        }

        /// <summary>Sends (or holds, or skips) and says whether the flow goes on; false when it waits for quiet hours to end.</summary>
        private bool Send(SendStep step)
        {
            if (State.HeldOut)
            {
                Visit(step.Id, "held");
                return true;
            }

            var channels = step.Channels.Where(c => context.Customer.Reachability.CanReach(c)).ToList();
            if (channels.Count == 0)
            {
                Visit(step.Id, "unreachable");
                return true;
            }

            var quiet = definition.Policies.QuietHours;
            if (quiet is not null && quiet.Applies(channels[0]) && quiet.NextAllowed(now, context.Shop) is var allowed && allowed > now)
            {
                Visit(step.Id, "quiet");
                SetTimer(allowed, TimerPurpose.QuietHours);
                return false;
            }

            EmitSend(step, channels[0], [.. channels.Skip(1)], null);
            return true;
        }

        private void EmitSend(SendStep step, Channel channel, IReadOnlyList<Channel> fallback, DateTimeOffset? notBefore)
        {
            var attempt = 1 + State.Sends.Count(s => s.StepId == step.Id);
            var key = SendCommand.Key(State.EnrollmentId, step.Id, attempt);
            Commands.Add(new SendCommand(State.EnrollmentId, State.ScenarioId, State.DefinitionVersion, State.CustomerId, step.Id, attempt, channel, fallback, step.Template, State.Arm, key, notBefore));
            State = State with { Sends = [.. State.Sends, new SendRecord(step.Id, attempt, channel, fallback, key, notBefore ?? now, SendStatus.Requested)] };
            Visit(step.Id, $"sent:{channel.Code()}");
        }

        private string? Split(SplitStep split)
        {
            var arm = State.Arms.TryGetValue(split.Id, out var known) ? known : Assign(split);
            var arms = new Dictionary<string, string>(State.Arms, StringComparer.Ordinal) { [split.Id] = arm };
            var holdout = arm == SplitStep.HoldoutArm;
            State = State with { Arms = arms, Arm = State.Arm ?? arm, HeldOut = State.HeldOut || holdout };
            Visit(split.Id, $"arm:{arm}");
            return holdout ? split.Holdout?.Next : split.Arms.First(a => a.Name == arm).Next;
        }

        private string Assign(SplitStep split)
        {
            var assigned = SplitAssignment.Assign(split, State.ScenarioId, State.CustomerId);
            // The holdout keeps its hash share after a winner is decided, so the uplift against it stays measurable.
            return split.AutoWinner && assigned != SplitStep.HoldoutArm && context.Winners.TryGetValue(split.Id, out var winner) && split.Arms.Any(a => a.Name == winner)
                ? winner
                : assigned;
        }

        private DateTimeOffset WaitUntil(WaitStep wait)
        {
            var shop = context.Shop;
            if (wait.BusinessDays > 0)
            {
                var local = shop.Local(now);
                var day = context.Calendar.AddBusinessDays(DateOnly.FromDateTime(local.DateTime), wait.BusinessDays);
                return shop.At(day, wait.AtTime ?? TimeOnly.FromDateTime(local.DateTime));
            }

            var due = now + new TimeSpan(wait.Days, wait.Hours, wait.Minutes, 0);
            if (wait.AtTime is not { } at)
            {
                return due;
            }

            var dueLocal = shop.Local(due);
            var date = DateOnly.FromDateTime(dueLocal.DateTime);
            return TimeOnly.FromDateTime(dueLocal.DateTime) <= at ? shop.At(date, at) : shop.At(date.AddDays(1), at);
        }

        /// <summary>The flow has no next step: complete, unless a goal window is still open — then wait for it.</summary>
        private void EndFlow()
        {
            State = State with { CurrentStepId = null, Awaiting = null };
            if (State.GoalDeadline is { } deadline && deadline > now)
            {
                SetTimer(deadline, TimerPurpose.GoalWindow);
                return;
            }

            Finish(State.GoalDeadline is null ? ScenarioOutcome.Exited : ScenarioOutcome.Expired);
        }

        private void Finish(ScenarioOutcome outcome)
        {
            State = State with { Status = EnrollmentStatus.Completed, Outcome = outcome, CompletedAt = now, Timer = null, Awaiting = null, CurrentStepId = null };
            Commands.Add(new Complete(outcome, now));
        }

        private void SetTimer(DateTimeOffset due, TimerPurpose purpose)
        {
            var sequence = State.TimerSequence + 1;
            var token = $"{State.EnrollmentId}:t{sequence}";
            State = State with { TimerSequence = sequence, Timer = new EnrollmentTimer(token, due, purpose) };
            Commands.Add(new WakeAt(due, token));
        }

        private void Visit(string stepId, string? note) => State = State with { History = [.. State.History, new StepVisit(stepId, now, note)] };

        private int FindSend(string stepId, int attempt, Channel channel)
        {
            for (var i = 0; i < State.Sends.Count; i++)
            {
                if (State.Sends[i] is var s && s.StepId == stepId && s.Attempt == attempt && s.Channel == channel)
                {
                    return i;
                }
            }

            return -1;
        }

        private static IReadOnlyList<T> Replace<T>(IReadOnlyList<T> list, int index, T item)
        {
            var copy = list.ToArray();
            copy[index] = item;
            return copy;
        }

        private static IReadOnlyList<string> Remember(IReadOnlyList<string> ids, string id) =>
            [.. ids.Skip(Math.Max(0, ids.Count - RememberedOrders + 1)), id];
    }
}
