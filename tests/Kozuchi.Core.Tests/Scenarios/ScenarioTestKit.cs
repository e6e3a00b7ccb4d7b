using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Core.Tests.Scenarios;

/// <summary>Drives the decider the way the engine will: keep the state, fire the timer it asks for, collect commands.</summary>
internal sealed class Enrollment
{
    public static readonly TimeSpan Jst = TimeSpan.FromHours(9);

    private readonly ScenarioDefinition definition;
    private readonly ScenarioContext context;

    public Enrollment(ScenarioDefinition definition, CustomerProfile? customer = null, string enrollmentId = "e1", DateTimeOffset? at = null, string? triggerOrderId = null)
    {
        this.definition = definition;
        context = new ScenarioContext(ShopTime.Tokyo, customer ?? Customers.Reachable("c1"));
        Now = at ?? new DateTimeOffset(2026, 4, 6, 12, 0, 0, Jst);
        State = EnrollmentState.New(enrollmentId, definition, context.Customer.CustomerId, Now, triggerOrderId);
    }

    public EnrollmentState State { get; private set; }
    public DateTimeOffset Now { get; set; }
    public List<ScenarioCommand> Log { get; } = [];

    public IEnumerable<SendCommand> Sends => Log.OfType<SendCommand>();

    public ScenarioDecision Handle(ScenarioEvent e)
    {
        var decision = ScenarioDecider.Decide(definition, State, e, Now, context);
        State = decision.State;
        Log.AddRange(decision.Commands);
        return decision;
    }

    /// <summary>Moves the clock to the pending timer and fires it.</summary>
    public ScenarioDecision FireTimer()
    {
        var timer = State.Timer ?? throw new InvalidOperationException("No timer pending.");
        Now = timer.DueAt > Now ? timer.DueAt : Now;
        return Handle(new TimerFired(timer.Token));
    }

    /// <summary>Fires timers until the enrollment completes (or a bound is hit).</summary>
    public void RunToEnd(int maxTimers = 100)
    {
        for (var i = 0; i < maxTimers && !State.IsCompleted; i++)
        {
            FireTimer();
        }
    }
}

internal static class Customers
{
    public static CustomerProfile Reachable(string id, bool line = true, bool email = true) => new()
    {
        CustomerId = id,
        Frequency = 1,
        Monetary = 3000m,
        FirstOrderAt = new DateTimeOffset(2026, 4, 6, 11, 0, 0, Enrollment.Jst),
        LastOrderAt = new DateTimeOffset(2026, 4, 6, 11, 0, 0, Enrollment.Jst),
        Reachability = new Reachability { HasEmail = email, EmailOptIn = email, LineUserId = line ? "U1" : null, LineFollowing = line },
    };
}

internal static class Definitions
{
    public static ScenarioDefinition Parse(string json)
    {
        var (definition, errors) = ScenarioJson.Parse(json);
        return definition ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
    }

    public static ScenarioDefinition Linear(params ScenarioStep[] steps) => new()
    {
        Id = "s1",
        Trigger = new FirstOrderTrigger(),
        Steps = steps,
    };

    public static string Preset(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "presets", name));

    public static IEnumerable<string> PresetFiles() => Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "presets"), "*.json").Order(StringComparer.Ordinal);
}
