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

    /// <summary>Activation refused: a template or a channel provider it needs is missing (<see cref="ActivationResult.Problems"/>).</summary>
    Refused,
}

public sealed record CreateResult(StoreOutcome? Outcome, ScenarioDefinition? Definition, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>Templates the definition needs and the app lacks (then <see cref="Outcome"/> is null and nothing was stored).</summary>
    public ScenarioGaps Gaps { get; init; } = ScenarioGaps.None;
}

public sealed record DecidedWinner(string ScenarioId, string SplitId, string Arm);

/// <param name="ComputedAt">When the results were read from the enrollments.</param>
/// <param name="Current">False when answered from earlier results while the enrollments' latest changes are being counted.</param>
public sealed record ScenarioResultsView(string ScenarioId, ScenarioStatus Status, int ActiveVersion, ScenarioResults Results, DateTimeOffset ComputedAt, bool Current = true);

/// <summary>What the API and the CLI do with scenarios: create, lifecycle, lists, results.</summary>
/// <param name="preflight">What definitions are checked against before they are stored or activated (the app's templates and providers).</param>
/// <param name="ledger">Where results count each send's fate; without it (engine tests), every send not failed counts as sent.</param>
/// <param name="shopCurrency">The shop's base currency: results' revenue, costs and ROAS are in it (JPY when not given).</param>
public sealed class ScenarioService(ScenarioStore scenarios, EnrollmentStore enrollments, ScenarioEngine engine, ScenarioWakeups wakeups, TimeProvider time, IOptions<ScenarioEngineOptions> options,
    IScenarioPreflight? preflight = null, SendLedger? ledger = null, ShopCurrency? shopCurrency = null)
{
    private readonly IScenarioPreflight _preflight = preflight ?? IScenarioPreflight.None;

    /// <summary>
    /// Parses, validates and stores a definition. Unless <paramref name="validation"/> says otherwise, it is checked
    /// against the app's templates: a send to a template that does not exist, or lacks the part for one of the step's
    /// channels, refuses it with <see cref="CreateResult.Gaps"/> listing every missing template and part.
    /// </summary>
    public async Task<CreateResult> CreateAsync(string json, ScenarioValidationOptions? validation, CancellationToken cancellationToken)
    {
        var (definition, errors) = ScenarioJson.Parse(json, validation);
        if (definition is null)
        {
            return new CreateResult(null, null, errors);
        }

        if (validation is null && await GapsAsync(definition, channels: false, cancellationToken).ConfigureAwait(false) is { Any: true } gaps)
        {
            return new CreateResult(null, definition, gaps.Errors) { Gaps = gaps };
        }

        return new CreateResult(await scenarios.AddVersionAsync(definition, time.GetUtcNow(), cancellationToken).ConfigureAwait(false), definition, []);
    }

    public Task<IReadOnlyList<ScenarioHead>> ListAsync(CancellationToken cancellationToken) => scenarios.ListAsync(cancellationToken);

    /// <summary>
    /// Activates the latest version, unless it would fail at send time: a template missing (or without the part for a
    /// channel the scenario sends on), or a channel with no provider configured. Then nothing changes and
    /// <see cref="ActivationResult.Problems"/> lists every missing template, part and channel.
    /// </summary>
    public async Task<ActivationResult> ActivateAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (await scenarios.GetAsync(scenarioId, cancellationToken).ConfigureAwait(false) is not { } head)
        {
            return new ActivationResult(LifecycleResult.NotFound, null, ScenarioGaps.None);
        }

        if (await scenarios.GetDefinitionAsync(scenarioId, head.LatestVersion, cancellationToken).ConfigureAwait(false) is { } definition
            && await GapsAsync(definition, channels: true, cancellationToken).ConfigureAwait(false) is { Any: true } gaps)
        {
            return new ActivationResult(LifecycleResult.Refused, head, gaps);
        }

        var (result, activated) = await TransitionAsync(scenarioId, ScenarioStatus.Active, _ => true, cancellationToken).ConfigureAwait(false);
        return new ActivationResult(result, activated, ScenarioGaps.None);
    }

    /// <summary>What stands in the way of running <paramref name="definition"/> here: missing templates and parts, and (with <paramref name="channels"/>) channels without a provider.</summary>
    public async Task<ScenarioGaps> GapsAsync(ScenarioDefinition definition, bool channels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var templates = (await _preflight.ValidationAsync(cancellationToken).ConfigureAwait(false)).TemplateChannels is { } parts
            ? ScenarioValidator.MissingTemplates(definition, parts)
            : [];
        var sends = definition.Steps.OfType<SendStep>().ToList();
        var missing = !channels ? [] : sends.SelectMany(s => s.Channels).Distinct().Order()
            .Select(c => (Channel: c, Problem: _preflight.ChannelProblem(c)))
            .Where(c => c.Problem is not null)
            .Select(c => new MissingChannel(c.Channel, c.Problem!, [.. sends.Where(s => s.Channels.Contains(c.Channel)).Select(s => s.Id)]))
            .ToList();
        return templates.Count == 0 && missing.Count == 0 ? ScenarioGaps.None : new ScenarioGaps(templates, missing);
    }

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
        var sends = await SendsByEnrollmentAsync(scenarioId, cancellationToken).ConfigureAwait(false);
        var rows = await enrollments.ForScenarioAsync(scenarioId, activeOnly: false, cancellationToken)
            .Select(e => Outcome(e, sends))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new ScenarioResultsView(scenarioId, head.Status, head.ActiveVersion, ScenarioResults.Compute(rows, armOrder, minSamplePerArm: options.Value.WinnerMinSamplePerArm, currency: (shopCurrency ?? ShopCurrency.Default).Code), time.GetUtcNow());
    }

    /// <summary>
    /// One enrollment for results. With the send ledger, its sends are counted by fate (sent, sandbox, failed,
    /// suppressed, pending) and only what a provider accepted makes a recipient and costs money; without it (engine
    /// tests), every send not failed counts as sent.
    /// </summary>
    private EnrollmentOutcome Outcome(EnrollmentSummary e, Dictionary<string, List<SendOutcome>>? sends)
    {
        var converted = e.Outcome == ScenarioOutcome.Converted;
        if (sends is null)
        {
            return new EnrollmentOutcome(e.Arm, e.HeldOut, e.Sends, converted, e.ConversionAmount ?? 0, CostOf(e.SendsByChannel.ToDictionary(p => p.Key, p => (long)p.Value)), e.ConversionCurrency) { Running = e.Status != EnrollmentStatus.Completed };
        }

        var tally = SendTally.Of(sends.GetValueOrDefault(e.EnrollmentId) ?? [], e.Held.FrequencyCapped, e.Held.Unreachable, e.Held.QuietHours);
        return new EnrollmentOutcome(e.Arm, e.HeldOut, (int)tally.Accepted, converted, e.ConversionAmount ?? 0, CostOf(tally.SentByChannel), e.ConversionCurrency) { Tally = tally, Running = e.Status != EnrollmentStatus.Completed };
    }

    private async Task<Dictionary<string, List<SendOutcome>>?> SendsByEnrollmentAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (ledger is null)
        {
            return null;
        }

        var byEnrollment = new Dictionary<string, List<SendOutcome>>(StringComparer.Ordinal);
        await foreach (var entry in ledger.ForScenarioAsync(scenarioId, cancellationToken).ConfigureAwait(false))
        {
            var enrollmentId = entry.IdempotencyKey[..entry.IdempotencyKey.IndexOf(':', StringComparison.Ordinal)];
            if (!byEnrollment.TryGetValue(enrollmentId, out var list))
            {
                byEnrollment[enrollmentId] = list = [];
            }

            list.Add(new SendOutcome(entry.Channel, Fate(entry), entry.Outcome, entry.Delivery == "Delivered"));
        }

        return byEnrollment;
    }

    private static SendFate Fate(LedgerEntry entry) => entry.Status switch
    {
        LedgerStatus.Sent when entry.Provider == "sandbox" => SendFate.Sandbox,
        LedgerStatus.Sent => SendFate.Sent,
        LedgerStatus.Failed => SendFate.Failed,
        LedgerStatus.Suppressed => SendFate.Suppressed,
        _ => SendFate.Pending,
    };

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

    private decimal CostOf(IReadOnlyDictionary<Channel, long> sends) =>
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
