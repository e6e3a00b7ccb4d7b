using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Bench;

/// <summary>
/// The pure decider's cost per decision (BenchmarkDotNet, in process), beside the cost of serialising the enrollment
/// state it returns — what the engine pays anyway to store it — as the reference in the same run.
/// </summary>
[MemoryDiagnoser]
public class DeciderBenchmarks
{
    private ScenarioDefinition _definition = null!;
    private ScenarioContext _context = null!;
    private EnrollmentState _fresh = null!;
    private EnrollmentState _waiting = null!;
    private TimerFired _timer = null!;
    private DateTimeOffset _now;
    private DateTimeOffset _due;

    [GlobalSetup]
    public void Setup()
    {
        var json = File.ReadAllText(Path.Combine(Kozuchi.Testing.Azurite.RepositoryRoot(), "scenarios", "presets", "first-order-steps.json"));
        _definition = ScenarioJson.Parse(json).Definition ?? throw new InvalidOperationException("first-order-steps preset does not parse");
        _now = new DateTimeOffset(2026, 4, 6, 12, 0, 0, TimeSpan.FromHours(9));
        var customer = new CustomerProfile
        {
            CustomerId = "c1",
            Frequency = 1,
            Monetary = 5980m,
            FirstOrderAt = _now,
            LastOrderAt = _now,
            Reachability = new Reachability { HasEmail = true, EmailOptIn = true, LineUserId = "U1", LineFollowing = true },
        };
        _context = new ScenarioContext(ShopTime.Tokyo, customer);
        _fresh = EnrollmentState.New("e1", _definition, "c1", _now, "o1");
        _waiting = ScenarioDecider.Decide(_definition, _fresh, new Started(), _now, _context).State;
        var timer = _waiting.Timer ?? throw new InvalidOperationException("The preset's first step should wait.");
        _timer = new TimerFired(timer.Token);
        _due = timer.DueAt;
    }

    [Benchmark(Description = "decide: start an enrollment")]
    public ScenarioDecision Start() => ScenarioDecider.Decide(_definition, _fresh, new Started(), _now, _context);

    [Benchmark(Description = "decide: a wake-up that sends and waits again")]
    public ScenarioDecision WakeUp() => ScenarioDecider.Decide(_definition, _waiting, _timer, _due, _context);

    [Benchmark(Baseline = true, Description = "reference: serialise the enrollment state (what storing it costs)")]
    public string Serialise() => JsonSerializer.Serialize(_waiting, DefinitionJson.Options);

    public static void Run() =>
        BenchmarkRunner.Run<DeciderBenchmarks>(DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator));
}
