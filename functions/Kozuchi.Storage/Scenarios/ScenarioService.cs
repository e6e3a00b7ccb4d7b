using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Scenarios.Stats;
using Microsoft.Extensions.Options;

namespace Kozuchi.Storage.Scenarios;

public enum LifecycleResult
{
    Done,
    NotFound,

    /// <summary>The transition is not allowed from the current status (resume of a scenario that is not paused …).</summary>
    Invalid,
}

public sealed record CreateResult(StoreOutcome? Outcome, ScenarioDefinition? Definition, IReadOnlyList<ValidationError> Errors);

public sealed record DecidedWinner(string ScenarioId, string SplitId, string Arm);

/// <param name="ComputedAt">When the results were read from the enrollments.</param>
/// <param name="Current">False when answered from earlier results while the enrollments' latest changes are being counted.</param>
public sealed record ScenarioResultsView(string ScenarioId, ScenarioStatus Status, int ActiveVersion, ScenarioResults Results, DateTimeOffset ComputedAt, bool Current = true);

/// <summary>What the API and the CLI do with scenarios: create, lifecycle, lists, results.</summary>
public sealed class ScenarioService(ScenarioStore scenarios, EnrollmentStore enrollments, ScenarioEngine engine, ScenarioWakeups wakeups, TimeProvider time, IOptions<ScenarioEngineOptions> options)
{
    public async Task<CreateResult> CreateAsync(string json, ScenarioValidationOptions? validation, CancellationToken cancellationToken)
    {
        var (definition, errors) = ScenarioJson.Parse(json, validation);
        if (definition is null)
        {
            return new CreateResult(null, null, errors);
        }

        return new CreateResult(await scenarios.AddVersionAsync(definition, time.GetUtcNow(), cancellationToken).ConfigureAwait(false), definition, []);
    }

    public Task<IReadOnlyList<ScenarioHead>> ListAsync(CancellationToken cancellationToken) => scenarios.ListAsync(cancellationToken);

    public async Task<(LifecycleResult Result, ScenarioHead? Head)> ActivateAsync(string scenarioId, CancellationToken cancellationToken) =>
        await TransitionAsync(scenarioId, ScenarioStatus.Active, _ => true, cancellationToken).ConfigureAwait(false);

    public async Task<(LifecycleResult Result, ScenarioHead? Head)> PauseAsync(string scenarioId, CancellationToken cancellationToken) =>
        await TransitionAsync(scenarioId, ScenarioStatus.Paused, s => s == ScenarioStatus.Active, cancellationToken).ConfigureAwait(false);

    /// <summary>Back to active, then a sweep: the timers and held sends that came due while paused go out now.</summary>
    public async Task<(LifecycleResult Result, ScenarioHead? Head)> ResumeAsync(string scenarioId, CancellationToken cancellationToken)
    {
        var result = await TransitionAsync(scenarioId, ScenarioStatus.Active, s => s == ScenarioStatus.Paused, cancellationToken).ConfigureAwait(false);
        if (result.Result == LifecycleResult.Done)
        {
            await wakeups.SweepAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Stopped, then every running enrollment ends as stopped now (an enrollment missed here is stopped by its next event or timer).</summary>
    public async Task<(LifecycleResult Result, ScenarioHead? Head, int Stopped)> StopAsync(string scenarioId, CancellationToken cancellationToken)
    {
        var (result, head) = await TransitionAsync(scenarioId, ScenarioStatus.Stopped, s => s != ScenarioStatus.Stopped, cancellationToken).ConfigureAwait(false);
        if (result != LifecycleResult.Done)
        {
            return (result, head, 0);
        }

        var stopped = 0;
        var running = await enrollments.ForScenarioAsync(scenarioId, activeOnly: true, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in running.Chunk(100))
        {
            var report = await engine.ProcessAsync([.. chunk.Select(e => new EngineWork(e.CustomerId, e.EnrollmentId, new Stopped("scenario stopped")))], cancellationToken).ConfigureAwait(false);
            stopped += report.Outcomes.Count(o => o.Result == WorkResult.Decided);
        }

        return (result, head, stopped);
    }

    /// <summary>
    /// For a scenario created before entry guards: gives every customer with an enrollment of it the guards their
    /// partition lacks, then marks the scenario guarded, so its enroll events skip the partition read from then on.
    /// Enrollments started meanwhile take their guards themselves.
    /// </summary>
    public async Task<(LifecycleResult Result, ScenarioHead? Head)> GuardAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (await scenarios.GetAsync(scenarioId, cancellationToken).ConfigureAwait(false) is not { } head)
        {
            return (LifecycleResult.NotFound, null);
        }

        if (head.Guarded)
        {
            return (LifecycleResult.Done, head);
        }

        var customers = await enrollments.ForScenarioAsync(scenarioId, activeOnly: false, cancellationToken).Select(e => e.CustomerId).Distinct(StringComparer.Ordinal).ToListAsync(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(customers, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallelism, CancellationToken = cancellationToken }, async (customerId, ct) =>
            await enrollments.ForCustomerWithGuardsAsync(customerId, legacy: true, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return (LifecycleResult.Done, await scenarios.MarkGuardedAsync(scenarioId, cancellationToken).ConfigureAwait(false));
    }

    public async Task<ScenarioResultsView?> ResultsAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (await scenarios.GetAsync(scenarioId, cancellationToken).ConfigureAwait(false) is not { } head)
        {
            return null;
        }

        var definition = await scenarios.GetDefinitionAsync(scenarioId, Math.Max(head.ActiveVersion, 1), cancellationToken).ConfigureAwait(false)
            ?? await scenarios.GetDefinitionAsync(scenarioId, head.LatestVersion, cancellationToken).ConfigureAwait(false);
        var armOrder = definition?.Steps.OfType<SplitStep>().SelectMany(s => s.Arms.Select(a => a.Name)).ToList();
        var rows = await enrollments.ForScenarioAsync(scenarioId, activeOnly: false, cancellationToken)
            .Select(e => new EnrollmentOutcome(e.Arm, e.HeldOut, e.Sends, e.Outcome == ScenarioOutcome.Converted, e.ConversionAmount ?? 0, CostOf(e.SendsByChannel)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new ScenarioResultsView(scenarioId, head.Status, head.ActiveVersion, ScenarioResults.Compute(rows, armOrder, minSamplePerArm: options.Value.WinnerMinSamplePerArm), time.GetUtcNow());
    }

    /// <summary>
    /// For each active scenario with auto-winner splits still open: when its results name a winner, the winner is
    /// recorded and new customers go to it from the engine's next batch. Returns what was decided.
    /// </summary>
    public async Task<IReadOnlyList<DecidedWinner>> ApplyAutoWinnersAsync(CancellationToken cancellationToken)
    {
        var decided = new List<DecidedWinner>();
        foreach (var head in await scenarios.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (head.Status != ScenarioStatus.Active
                || await scenarios.GetDefinitionAsync(head.ScenarioId, head.ActiveVersion, cancellationToken).ConfigureAwait(false) is not { } definition)
            {
                continue;
            }

            var open = definition.Steps.OfType<SplitStep>().Where(s => s.AutoWinner && !head.Winners.ContainsKey(s.Id)).ToList();
            if (open.Count == 0 || await ResultsAsync(head.ScenarioId, cancellationToken).ConfigureAwait(false) is not { Results.Winner.Arm: { } arm })
            {
                continue;
            }

            foreach (var split in open.Where(s => s.Arms.Any(a => a.Name == arm)))
            {
                await scenarios.SetWinnerAsync(head.ScenarioId, split.Id, arm, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                decided.Add(new DecidedWinner(head.ScenarioId, split.Id, arm));
            }
        }

        return decided;
    }

    private decimal CostOf(IReadOnlyDictionary<Channel, int> sends) =>
        sends.Sum(s => s.Value * options.Value.UnitCosts.GetValueOrDefault(s.Key));

    public Task<IReadOnlyList<EnrollmentSummary>> EnrollmentsOfAsync(string customerId, CancellationToken cancellationToken) =>
        enrollments.ForCustomerAsync(customerId, cancellationToken);

    private async Task<(LifecycleResult Result, ScenarioHead? Head)> TransitionAsync(string scenarioId, ScenarioStatus to, Func<ScenarioStatus, bool> allowed, CancellationToken cancellationToken)
    {
        if (await scenarios.GetAsync(scenarioId, cancellationToken).ConfigureAwait(false) is not { } head)
        {
            return (LifecycleResult.NotFound, null);
        }

        if (!allowed(head.Status))
        {
            return (LifecycleResult.Invalid, head);
        }

        return (LifecycleResult.Done, await scenarios.SetStatusAsync(scenarioId, to, time.GetUtcNow(), cancellationToken).ConfigureAwait(false));
    }
}
