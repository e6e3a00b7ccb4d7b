using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Scenarios;

/// <summary>
/// What the builder shows before a definition is stored or activated: whether it is valid, what starts it and when that
/// next happens, which templates (and parts) and channels it lacks — activation is refused while any is missing
/// (<see cref="CanActivate"/>) — and who would enter now, with why the others would not.
/// </summary>
public sealed record ScenarioPreview(
    IReadOnlyList<ScenarioApi.ErrorView> Errors,
    string TriggerType,
    LocalizedText? Trigger,
    DateTimeOffset? NextRun,
    IReadOnlyList<string> Channels,
    IReadOnlyList<string> Templates,
    ScenarioApi.MissingView? Missing,
    bool CanActivate,
    ScenarioAudience? Audience);

/// <summary>
/// A scenario as the list shows it: its head, description, what starts it and its next run, whether it has finished
/// (a broadcast sent whose enrollments have all completed: 完了), and its entered/sent/converted counts (null while the
/// results are first computed).
/// </summary>
public sealed record ScenarioRow(
    ScenarioHead Scenario,
    string? Description,
    string TriggerType,
    LocalizedText Trigger,
    DateTimeOffset? NextRun,
    bool Finished,
    long? Entered,
    long? Sent,
    long? Converted);

/// <summary>The scenario builder's and list's answers, over the engine's own validation, gaps and entry rules.</summary>
public sealed class ScenarioBuilder(ScenarioService service, ScenarioStore store, ScenarioResultsCache results, ScenarioAudiences audiences, SegmentStore segments, ShopTime shop, TimeProvider time)
{
    public async Task<ScenarioPreview> PreviewAsync(string json, CancellationToken cancellationToken)
    {
        var (definition, errors) = ScenarioJson.Parse(json);
        if (definition is null)
        {
            return new ScenarioPreview([.. errors.Select(ScenarioApi.View)], "none", null, null, [], [], null, false, null);
        }

        var gaps = await service.GapsAsync(definition, channels: true, cancellationToken);
        var segmentName = TriggerTexts.SegmentOf(definition.Trigger) is { } segmentId ? (await segments.GetAsync(segmentId, cancellationToken))?.Name : null;
        var sends = definition.Steps.OfType<SendStep>().ToList();
        return new ScenarioPreview(
            [],
            TriggerTexts.Type(definition.Trigger),
            TriggerTexts.Describe(definition.Trigger, shop, segmentName),
            TriggerTexts.NextRun(definition.Trigger, time.GetUtcNow()),
            [.. sends.SelectMany(s => s.Channels).Distinct().Select(c => c.Code())],
            [.. sends.Select(s => s.Template).Distinct(StringComparer.Ordinal)],
            gaps.Any ? ScenarioApi.MissingView.Of(gaps) : null,
            !gaps.Any,
            await audiences.PreviewAsync(definition, cancellationToken));
    }

    public async Task<IReadOnlyList<ScenarioRow>> ListAsync(CancellationToken cancellationToken)
    {
        var heads = await service.ListAsync(cancellationToken);
        var rows = await Task.WhenAll(heads.Select(h => RowAsync(h, cancellationToken)));
        return [.. rows.OfType<ScenarioRow>()];
    }

    /// <summary>A stored scenario's audience: who entered, and why the others its trigger reaches did not.</summary>
    public async Task<ScenarioAudience?> AudienceAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(scenarioId, cancellationToken) is not { } head || await DefinitionAsync(head, cancellationToken) is not { } definition)
        {
            return null;
        }

        return await audiences.ExplainAsync(definition, scenarioId, head.BroadcastAt, cancellationToken);
    }

    private async Task<ScenarioRow?> RowAsync(ScenarioHead head, CancellationToken cancellationToken)
    {
        if (await DefinitionAsync(head, cancellationToken) is not { } definition)
        {
            return null;
        }

        var view = head.ActiveVersion > 0 ? await results.ResultsAsync(head.ScenarioId, cancellationToken) : null;
        var r = view?.Results;
        var broadcastDone = definition.Trigger is BroadcastTrigger && head.BroadcastAt is not null;
        var finished = broadcastDone && r is not null && r.Running == 0 && view!.Current;
        var segmentName = TriggerTexts.SegmentOf(definition.Trigger) is { } segmentId ? (await segments.GetAsync(segmentId, cancellationToken))?.Name : null;
        var live = head.Status == ScenarioStatus.Active;
        return new ScenarioRow(
            head,
            definition.Description,
            TriggerTexts.Type(definition.Trigger),
            TriggerTexts.Describe(definition.Trigger, shop, segmentName),
            live ? TriggerTexts.NextRun(definition.Trigger, time.GetUtcNow(), broadcastDone) : null,
            finished,
            r?.Entered,
            r is null ? null : r.Tally.Accepted,
            r?.Converted);
    }

    /// <summary>
    /// The presets as the builder lists them; a preset started by a segment names it as the shop saved it (as the
    /// preview does): 「離脱リスクの高い優良顧客」 rather than its id, once 次の一手 or the shop has saved that segment.
    /// </summary>
    public async Task<IReadOnlyList<PresetView>> PresetsAsync(CancellationToken cancellationToken)
    {
        var views = new List<PresetView>(PresetSummaries.All.Count);
        foreach (var view in PresetSummaries.All)
        {
            var name = TriggerTexts.SegmentOf(view.Trigger) is { } segmentId ? (await segments.GetAsync(segmentId, cancellationToken))?.Name : null;
            views.Add(string.IsNullOrWhiteSpace(name) ? view : view with { Preset = view.Preset with { Trigger = TriggerTexts.Describe(view.Trigger, shop, name) } });
        }

        return views;
    }

    private Task<ScenarioDefinition?> DefinitionAsync(ScenarioHead head, CancellationToken cancellationToken) =>
        store.GetDefinitionAsync(head.ScenarioId, head.ActiveVersion > 0 ? head.ActiveVersion : head.LatestVersion, cancellationToken);
}

/// <summary>The builder's endpoints: presets summarised, a definition previewed, the list with triggers and next runs, a scenario's audience.</summary>
public sealed class ScenarioBuilderFunctions(ScenarioBuilder builder)
{
    [Function("ListPresetSummaries")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PresetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "scenarios/builder/presets")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await builder.PresetsAsync(cancellationToken));

    [Function("PreviewScenario")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PreviewAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "scenarios/builder/preview")] HttpRequest req, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (req.ContentLength > ScenarioApi.MaxDefinitionBytes)
        {
            return TypedResults.BadRequest(new ScenarioApi.ErrorsView("Too large", [ScenarioApi.View(new ValidationError("$", $"A scenario definition is at most {ScenarioApi.MaxDefinitionBytes} bytes."))]));
        }

        using var reader = new StreamReader(req.Body);
        return TypedResults.Ok(await builder.PreviewAsync(await reader.ReadToEndAsync(cancellationToken), cancellationToken));
    }

    [Function("ListScenarioRows")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "scenarios/builder/list")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await builder.ListAsync(cancellationToken));

    [Function("ScenarioAudience")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> AudienceAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "scenarios/{id}/audience")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await builder.AudienceAsync(id, cancellationToken) is { } audience ? TypedResults.Ok(audience) : TypedResults.NotFound();
}
