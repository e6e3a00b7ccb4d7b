using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Scenarios;

/// <summary>
/// A scenario as a shop writes it: a trigger that enrolls customers and a graph of steps linked by ids.
/// <see cref="SchemaVersion"/> versions the JSON shape; <see cref="Version"/> is the shop's edit number — an
/// enrollment is pinned to the version it started on, so editing a running scenario never moves customers
/// mid-flight. docs/SCENARIOS.md documents every field.
/// </summary>
public sealed record ScenarioDefinition
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Id { get; init; }
    public int Version { get; init; } = 1;
    public string? Name { get; init; }
    public string? Description { get; init; }

    /// <summary>Null only in a definition that failed validation ("missing trigger").</summary>
    public ScenarioTrigger? Trigger { get; init; }

    /// <summary>The first step; the first listed step when left out.</summary>
    public string? Start { get; init; }

    public IReadOnlyList<ScenarioStep> Steps { get; init; } = [];
    public ScenarioPolicies Policies { get; init; } = new();

    [JsonIgnore]
    public string StartStepId => Start ?? (Steps.Count > 0 ? Steps[0].Id : "");

    public ScenarioStep? Step(string id)
    {
        foreach (var step in Steps)
        {
            if (step.Id == id)
            {
                return step;
            }
        }

        return null;
    }
}

public sealed record ScenarioPolicies
{
    /// <summary>No sends on the listed channels during these local hours; a send waits for their end. Null turns them off.</summary>
    /// <remarks>
    /// Written even when null: definitions are stored without null properties, and a missing one reads as the default,
    /// so "quietHours": null came back from storage as 21:00–09:00.
    /// </remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public QuietHours? QuietHours { get; init; } = QuietHours.Default;

    /// <summary>Whether a customer who already went through the scenario may enter it again; never by default.</summary>
    public ReentryPolicy Reentry { get; init; } = ReentryPolicy.Never;
}

public enum ReentryMode
{
    /// <summary>One enrollment per customer, ever: step mails after the first order must not restart.</summary>
    Never,

    /// <summary>Again once <see cref="ReentryPolicy.Days"/> have passed since the last enrollment began (and it has ended).</summary>
    AfterDays,
}

/// <summary>
/// The re-entry rule the engine applies before starting an enrollment. A customer is never enrolled twice at the same
/// time in one scenario, whatever the rule: two parallel runs would send every step twice.
/// </summary>
public sealed record ReentryPolicy
{
    public static ReentryPolicy Never { get; } = new();

    public ReentryMode Mode { get; init; } = ReentryMode.Never;

    /// <summary>Days from the previous enrollment's start, for <see cref="ReentryMode.AfterDays"/>.</summary>
    public int Days { get; init; }
}

/// <summary>A local time window (wrapping midnight when <see cref="Start"/> is after <see cref="End"/>) in which some channels stay silent.</summary>
public sealed record QuietHours
{
    /// <summary>21:00–09:00 for LINE and calls: a LINE message at night wakes people up; email waits in the inbox.</summary>
    public static QuietHours Default { get; } = new() { Start = new TimeOnly(21, 0), End = new TimeOnly(9, 0), Channels = [Channel.Line, Channel.Phone] };

    [JsonConverter(typeof(TimeOfDayJsonConverter))]
    public required TimeOnly Start { get; init; }

    [JsonConverter(typeof(TimeOfDayJsonConverter))]
    public required TimeOnly End { get; init; }

    public required IReadOnlyList<Channel> Channels { get; init; }

    public bool Applies(Channel channel) => Channels.Contains(channel);

    public bool Contains(TimeOnly local) => Start <= End ? local >= Start && local < End : local >= Start || local < End;

    /// <summary><paramref name="now"/> when outside the window, else the window's end in the shop's zone.</summary>
    public DateTimeOffset NextAllowed(DateTimeOffset now, ShopTime shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var local = shop.Local(now);
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (!Contains(time))
        {
            return now;
        }

        var day = DateOnly.FromDateTime(local.DateTime);
        return shop.At(Start > End && time >= Start ? day.AddDays(1) : day, End);
    }
}

/// <summary>Times of day as "HH:mm" (seconds allowed), the way shops write them.</summary>
public sealed class TimeOfDayJsonConverter : JsonConverter<TimeOnly>
{
    private static readonly string[] Formats = ["H\\:mm", "HH\\:mm", "H\\:mm\\:ss", "HH\\:mm\\:ss"];

    public override TimeOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && TimeOnly.TryParseExact(reader.GetString(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new JsonException("A time of day must be a string \"HH:mm\".");

    public override void Write(Utf8JsonWriter writer, TimeOnly value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString(value.Second == 0 ? "HH\\:mm" : "HH\\:mm\\:ss", CultureInfo.InvariantCulture));
    }
}

/// <summary>A span of time written as days, hours and minutes.</summary>
public sealed record Duration
{
    public int Days { get; init; }
    public int Hours { get; init; }
    public int Minutes { get; init; }

    public TimeSpan ToTimeSpan() => new(Days, Hours, Minutes, 0);
}

// ---- Triggers -------------------------------------------------------------------------------------------

/// <summary>What enrolls a customer. The engine matches triggers (<see cref="ScenarioTriggers"/>) and starts the decider with <see cref="Started"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(FirstOrderTrigger), "firstOrder")]
[JsonDerivedType(typeof(AnyOrderTrigger), "anyOrder")]
[JsonDerivedType(typeof(ProductOrderTrigger), "productOrder")]
[JsonDerivedType(typeof(SegmentEntryTrigger), "segmentEntry")]
[JsonDerivedType(typeof(DaysSinceLastOrderTrigger), "daysSinceLastOrder")]
[JsonDerivedType(typeof(FirstOrderAnniversaryTrigger), "firstOrderAnniversary")]
[JsonDerivedType(typeof(BirthdayTrigger), "birthday")]
[JsonDerivedType(typeof(BroadcastTrigger), "broadcast")]
[JsonDerivedType(typeof(CartAbandonedTrigger), "cartAbandoned")]
public abstract record ScenarioTrigger
{
    public static IReadOnlySet<string> TypeNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "firstOrder", "anyOrder", "productOrder", "segmentEntry", "daysSinceLastOrder", "firstOrderAnniversary", "birthday", "broadcast", "cartAbandoned",
    };
}

/// <summary>The customer's first counted order (F becomes 1).</summary>
public sealed record FirstOrderTrigger : ScenarioTrigger;

/// <summary>Every order.</summary>
public sealed record AnyOrderTrigger : ScenarioTrigger;

/// <summary>An order containing any (or all) of the product keys.</summary>
public sealed record ProductOrderTrigger : ScenarioTrigger
{
    public required IReadOnlyList<string> Products { get; init; }
    public ProductMatch Match { get; init; } = ProductMatch.Any;
}

/// <summary>A <c>segment.enter</c> event of the segment.</summary>
public sealed record SegmentEntryTrigger : ScenarioTrigger
{
    public required string SegmentId { get; init; }
}

/// <summary>The day (shop time) on which exactly <see cref="Days"/> days have passed since the last order.</summary>
public sealed record DaysSinceLastOrderTrigger : ScenarioTrigger
{
    public required int Days { get; init; }
}

/// <summary>Each yearly anniversary of the first order (29 February counts on 28 February in other years).</summary>
public sealed record FirstOrderAnniversaryTrigger : ScenarioTrigger;

/// <summary><see cref="DaysBefore"/> days before the birthday (0: on the day).</summary>
public sealed record BirthdayTrigger : ScenarioTrigger
{
    public int DaysBefore { get; init; }
}

/// <summary>One-off: the members of a segment at <see cref="At"/> are enrolled once.</summary>
public sealed record BroadcastTrigger : ScenarioTrigger
{
    public required string SegmentId { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// A checkout (cart) with no order from the same customer or cart within <see cref="Delay"/> of its last update
/// (カゴ落ち). Checked again when the delay has passed, so an order in between starts nothing.
/// </summary>
public sealed record CartAbandonedTrigger : ScenarioTrigger
{
    /// <summary>The longest delay: a checkout's timer is one delayed queue message, visible after at most 7 days.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    /// <summary>One hour when left out.</summary>
    public Duration? Delay { get; init; }

    [JsonIgnore]
    public TimeSpan EffectiveDelay => Delay?.ToTimeSpan() ?? Checkouts.Abandonment.DefaultDelay;
}

// ---- Steps ----------------------------------------------------------------------------------------------

/// <summary>
/// A node of the scenario graph. A missing <c>next</c> ends the flow as an exit would. Suspending steps (wait,
/// waitForEvent, a goal without next) are the only places an enrollment rests between events.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SendStep), "send")]
[JsonDerivedType(typeof(WaitStep), "wait")]
[JsonDerivedType(typeof(WaitForEventStep), "waitForEvent")]
[JsonDerivedType(typeof(BranchStep), "branch")]
[JsonDerivedType(typeof(SplitStep), "split")]
[JsonDerivedType(typeof(GoalStep), "goal")]
[JsonDerivedType(typeof(ExitStep), "exit")]
public abstract record ScenarioStep
{
    public static IReadOnlySet<string> TypeNames { get; } = new HashSet<string>(StringComparer.Ordinal) { "send", "wait", "waitForEvent", "branch", "split", "goal", "exit" };

    public required string Id { get; init; }

    /// <summary>The step ids this step can go to, with the field that names each (for validation messages).</summary>
    [JsonIgnore]
    public abstract IEnumerable<(string Field, string Target)> Links { get; }

    protected static IEnumerable<(string, string)> Link(string field, string? target) => target is null ? [] : [(field, target)];
}

/// <summary>Sends a template on the first channel the customer can be reached on; later channels are the fallback when a send fails.</summary>
public sealed record SendStep : ScenarioStep
{
    public required IReadOnlyList<Channel> Channels { get; init; }
    public required string Template { get; init; }
    public string? Next { get; init; }

    public override IEnumerable<(string Field, string Target)> Links => Link("next", Next);
}

/// <summary>
/// Waits a duration (elapsed days, hours, minutes) or a number of business days (weekends and Japanese public
/// holidays skipped; the time of day kept), then, with <see cref="AtTime"/>, until the first such local time.
/// </summary>
public sealed record WaitStep : ScenarioStep
{
    public int Days { get; init; }
    public int Hours { get; init; }
    public int Minutes { get; init; }
    public int BusinessDays { get; init; }

    [JsonConverter(typeof(TimeOfDayJsonConverter))]
    public TimeOnly? AtTime { get; init; }

    public string? Next { get; init; }

    public override IEnumerable<(string Field, string Target)> Links => Link("next", Next);
}

public enum AwaitedEvent
{
    Purchase,
    LineFollow,
}

/// <summary>Waits for an event; goes to <see cref="OnEvent"/> when it comes, to <see cref="OnTimeout"/> when the timeout passes first.</summary>
public sealed record WaitForEventStep : ScenarioStep
{
    public required AwaitedEvent Event { get; init; }
    public required Duration Timeout { get; init; }
    public string? OnEvent { get; init; }
    public string? OnTimeout { get; init; }

    public override IEnumerable<(string Field, string Target)> Links => [.. Link("onEvent", OnEvent), .. Link("onTimeout", OnTimeout)];
}

/// <summary>Goes to <see cref="Then"/> when the customer (as the engine passes them in) matches the rule now, else to <see cref="Else"/>.</summary>
public sealed record BranchStep : ScenarioStep
{
    public required SegmentRule Rule { get; init; }
    public string? Then { get; init; }
    public string? Else { get; init; }

    public override IEnumerable<(string Field, string Target)> Links => [.. Link("then", Then), .. Link("else", Else)];
}

public sealed record SplitArm
{
    public required string Name { get; init; }
    public required int Weight { get; init; }
    public string? Next { get; init; }
}

/// <summary>The holdout: measured like an arm (it keeps its goal window) but never sent anything.</summary>
public sealed record SplitHoldout
{
    public required int Weight { get; init; }
    public string? Next { get; init; }
}

/// <summary>A/B/n split: weights in percent, arms plus holdout summing to 100. Assignment is a hash of scenario, split and customer.</summary>
public sealed record SplitStep : ScenarioStep
{
    public const string HoldoutArm = "holdout";

    public required IReadOnlyList<SplitArm> Arms { get; init; }
    public SplitHoldout? Holdout { get; init; }

    /// <summary>
    /// When the results name a winner (every arm has its minimum sample and one converts significantly better), new
    /// customers go to that arm; those already assigned keep theirs and the holdout keeps its share.
    /// </summary>
    public bool AutoWinner { get; init; }

    public override IEnumerable<(string Field, string Target)> Links =>
        [.. Arms.SelectMany((a, i) => Link($"arms[{i}].next", a.Next)), .. Link("holdout.next", Holdout?.Next)];
}

/// <summary>
/// Opens a goal window: an order within <see cref="Window"/> from here ends the enrollment as converted. With
/// <see cref="Next"/> the flow goes on while the window is open; without it the enrollment waits here until the window closes.
/// </summary>
public sealed record GoalStep : ScenarioStep
{
    public required Duration Window { get; init; }
    public string? Next { get; init; }

    public override IEnumerable<(string Field, string Target)> Links => Link("next", Next);
}

public sealed record ExitStep : ScenarioStep
{
    public override IEnumerable<(string Field, string Target)> Links => [];
}
