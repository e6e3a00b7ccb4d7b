using System.Text.Json.Serialization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;

namespace Kozuchi.Core.Scenarios;

public enum EnrollmentStatus
{
    /// <summary>Created by the engine; <see cref="Started"/> has not been decided yet.</summary>
    Pending,

    /// <summary>Resting on a timer: a wait, an event timeout, quiet hours or an open goal window.</summary>
    Active,

    Completed,
}

public enum ScenarioOutcome
{
    /// <summary>An order inside the goal window.</summary>
    Converted,

    /// <summary>The flow ended and the scenario had no goal.</summary>
    Exited,

    /// <summary>The flow ended and the goal window closed without an order.</summary>
    Expired,

    /// <summary>The shop stopped the scenario (or the enrollment) before it ended.</summary>
    Stopped,
}

public enum TimerPurpose
{
    Wait,
    EventTimeout,
    QuietHours,
    GoalWindow,
}

/// <summary>The one wake-up an active enrollment waits on. A <see cref="TimerFired"/> with another token is stale and ignored.</summary>
public sealed record EnrollmentTimer(string Token, DateTimeOffset DueAt, TimerPurpose Purpose);

/// <summary>One entry of the enrollment's path: the step and what happened there (sent, held, unreachable, arm …).</summary>
public sealed record StepVisit(string StepId, DateTimeOffset At, string? Note = null);

public enum SendStatus
{
    Requested,
    Delivered,
    Failed,
}

/// <summary>A send the decider asked for. <see cref="Attempt"/> counts sends of the step in this enrollment (fallbacks and revisits included).</summary>
public sealed record SendRecord(string StepId, int Attempt, Channel Channel, IReadOnlyList<Channel> Fallback, string IdempotencyKey, DateTimeOffset At, SendStatus Status)
{
    /// <summary>Why a failed send failed (<c>frequency-cap</c>, a suppression, the provider's code), as <see cref="SendFailed"/> said.</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// Everything the decider knows about one customer's run through one scenario version; the engine stores it as is
/// (JSON with <see cref="DefinitionJson.Options"/>) and hands it back with the next event. Lists are short: a
/// scenario has tens of steps, and order ids are kept only while they matter.
/// </summary>
public sealed record EnrollmentState
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string EnrollmentId { get; init; }
    public required string ScenarioId { get; init; }

    /// <summary>The definition version the enrollment is pinned to.</summary>
    public required int DefinitionVersion { get; init; }

    public required string CustomerId { get; init; }
    public required DateTimeOffset EnrolledAt { get; init; }

    /// <summary>The order that enrolled the customer: it must not also satisfy the scenario's own goal or wait.</summary>
    public string? TriggerOrderId { get; init; }

    /// <summary>The checkout (<c>source:token</c>) whose abandonment enrolled the customer: its items and recovery link personalise the sends.</summary>
    public string? TriggerCheckoutId { get; init; }

    public EnrollmentStatus Status { get; init; } = EnrollmentStatus.Pending;

    /// <summary>The step the enrollment rests on; null once the flow has ended (possibly still watching a goal window).</summary>
    public string? CurrentStepId { get; init; }

    public EnrollmentTimer? Timer { get; init; }
    public int TimerSequence { get; init; }

    /// <summary>The event a waitForEvent step waits for, while it does.</summary>
    public AwaitedEvent? Awaiting { get; init; }

    /// <summary>The arm of the first split passed (what reports group by); <see cref="Arms"/> has every split's.</summary>
    public string? Arm { get; init; }

    public IReadOnlyDictionary<string, string> Arms { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Assigned to a holdout: nothing is ever sent, but the goal is still measured.</summary>
    public bool HeldOut { get; init; }

    public IReadOnlyList<StepVisit> History { get; init; } = [];
    public IReadOnlyList<SendRecord> Sends { get; init; } = [];

    public string? GoalStepId { get; init; }
    public DateTimeOffset? GoalOpenedAt { get; init; }
    public DateTimeOffset? GoalDeadline { get; init; }

    /// <summary>Orders already seen (a redelivered order event changes nothing) and orders cancelled before their placement arrived.</summary>
    public IReadOnlyList<string> SeenOrderIds { get; init; } = [];
    public IReadOnlyList<string> CancelledOrderIds { get; init; } = [];

    public ScenarioOutcome? Outcome { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Why a <see cref="ScenarioOutcome.Stopped"/> enrollment was stopped: <c>scenario stopped</c>, <c>merged</c> (its customer was merged into one running the same scenario).</summary>
    public string? StopReason { get; init; }

    public string? ConvertingOrderId { get; init; }
    public decimal? ConversionAmount { get; init; }

    /// <summary>The converting order's currency (null on enrollments converted before it was kept).</summary>
    public string? ConversionCurrency { get; init; }

    [JsonIgnore]
    public bool IsCompleted => Status == EnrollmentStatus.Completed;

    /// <summary>A new enrollment, to be passed to the decider with <see cref="Started"/>.</summary>
    public static EnrollmentState New(string enrollmentId, ScenarioDefinition definition, string customerId, DateTimeOffset enrolledAt, string? triggerOrderId = null, string? triggerCheckoutId = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new EnrollmentState
        {
            EnrollmentId = enrollmentId,
            ScenarioId = definition.Id,
            DefinitionVersion = definition.Version,
            CustomerId = customerId,
            EnrolledAt = enrolledAt,
            TriggerOrderId = triggerOrderId,
            TriggerCheckoutId = triggerCheckoutId,
        };
    }
}

/// <summary>
/// What the decider reads besides the enrollment: the shop's calendar and the customer as they are now (branches
/// evaluate segment rules on them; sends skip channels they cannot be reached on).
/// </summary>
public sealed record ScenarioContext(ShopTime Shop, CustomerProfile Customer)
{
    public BusinessCalendar Calendar { get; init; } = BusinessCalendar.Japan;
    public RfmSettings Rfm { get; init; } = RfmSettings.Default;

    /// <summary>The shop's base currency: what a branch's monetary rule without a currency compares in.</summary>
    public string Currency { get; init; } = Currencies.Default;

    /// <summary>Winners decided for <see cref="SplitStep.AutoWinner"/> splits: split id → arm.</summary>
    public IReadOnlyDictionary<string, string> Winners { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

// ---- Events -------------------------------------------------------------------------------------------------

/// <summary>Something that happened to an enrollment. Events may arrive twice or out of order; the decider tolerates both.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Started), "started")]
[JsonDerivedType(typeof(TimerFired), "timerFired")]
[JsonDerivedType(typeof(OrderPlaced), "orderPlaced")]
[JsonDerivedType(typeof(OrderCancelled), "orderCancelled")]
[JsonDerivedType(typeof(LineFollowed), "lineFollowed")]
[JsonDerivedType(typeof(SendCompleted), "sendCompleted")]
[JsonDerivedType(typeof(SendFailed), "sendFailed")]
[JsonDerivedType(typeof(Stopped), "stopped")]
public abstract record ScenarioEvent;

/// <summary>The enrollment begins at the definition's start step.</summary>
public sealed record Started : ScenarioEvent;

public sealed record TimerFired(string Token) : ScenarioEvent;

public sealed record OrderPlaced(string OrderId, decimal Amount, IReadOnlyList<string> Products, DateTimeOffset OrderedAt, string? Currency = null) : ScenarioEvent;

public sealed record OrderCancelled(string OrderId) : ScenarioEvent;

public sealed record LineFollowed(DateTimeOffset At) : ScenarioEvent;

public sealed record SendCompleted(string StepId, int Attempt, Channel Channel) : ScenarioEvent;

/// <summary>The channel could not deliver (LINE blocked, hard bounce …): the next fallback channel of the step is tried.</summary>
public sealed record SendFailed(string StepId, int Attempt, Channel Channel, string? Reason = null) : ScenarioEvent;

public sealed record Stopped(string? Reason = null) : ScenarioEvent;

// ---- Commands -----------------------------------------------------------------------------------------------

/// <summary>What the engine must carry out after saving the new state. Each is idempotent by its key or token.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SendCommand), "send")]
[JsonDerivedType(typeof(WakeAt), "wakeAt")]
[JsonDerivedType(typeof(RecordGoal), "recordGoal")]
[JsonDerivedType(typeof(Complete), "complete")]
public abstract record ScenarioCommand;

/// <summary>
/// Send <see cref="Template"/> on <see cref="Channel"/>; <see cref="Fallback"/> lists the channels the decider
/// will try next if a <see cref="SendFailed"/> comes back. <see cref="IdempotencyKey"/> (enrollment:step:attempt)
/// is unique over the enrollment's life: the engine records it in the send ledger before queuing, and drops a
/// second send with the same key. <see cref="NotBefore"/> delays delivery (a fallback that fails into quiet hours).
/// </summary>
public sealed record SendCommand(
    string EnrollmentId,
    string ScenarioId,
    int DefinitionVersion,
    string CustomerId,
    string StepId,
    int Attempt,
    Channel Channel,
    IReadOnlyList<Channel> Fallback,
    string Template,
    string? Arm,
    string IdempotencyKey,
    DateTimeOffset? NotBefore = null) : ScenarioCommand
{
    public static string Key(string enrollmentId, string stepId, int attempt) => $"{enrollmentId}:{stepId}:{attempt}";
}

/// <summary>Deliver <c>TimerFired(Token)</c> at <see cref="At"/> (or later). Delivering it early is harmless: the decider asks again.</summary>
public sealed record WakeAt(DateTimeOffset At, string Token) : ScenarioCommand;

/// <summary>A goal conversion to count for the scenario's results (per arm, holdout included).</summary>
public sealed record RecordGoal(string GoalStepId, string OrderId, decimal Amount, DateTimeOffset OrderedAt, string? Arm, string? Currency = null) : ScenarioCommand;

public sealed record Complete(ScenarioOutcome Outcome, DateTimeOffset At) : ScenarioCommand;

/// <summary>The decider's answer: the state to save (with the ETag it was read with) and the commands to carry out after.</summary>
public sealed record ScenarioDecision(EnrollmentState State, IReadOnlyList<ScenarioCommand> Commands);
