using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Scenarios;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Scenarios;

/// <summary>The scenario API: create from JSON (validated), lifecycle, lists, results, a customer's enrollments, the segments triggers name.</summary>
public static class ScenarioApi
{
    /// <summary>Definitions are small; a larger body is a mistake (or an attack), not a scenario.</summary>
    public const int MaxDefinitionBytes = 256 * 1024;

    public sealed record ErrorView(string Path, string? NodeId, string? Field, string Message, string Text);

    public sealed record ErrorsView(string Title, IReadOnlyList<ErrorView> Errors)
    {
        /// <summary>With 422: the templates (and parts) and the channels the scenario needs and the app lacks.</summary>
        public MissingView? Missing { get; init; }
    }

    public sealed record MissingTemplateView(string Template, bool Exists, IReadOnlyList<string> Channels, IReadOnlyList<string> Steps);

    public sealed record MissingChannelView(string Channel, string Problem, IReadOnlyList<string> Steps);

    public sealed record MissingView(IReadOnlyList<MissingTemplateView> Templates, IReadOnlyList<MissingChannelView> Channels)
    {
        public static MissingView Of(ScenarioGaps gaps)
        {
            ArgumentNullException.ThrowIfNull(gaps);
            return new(
                [.. gaps.Templates.Select(t => new MissingTemplateView(t.Template, t.Exists, [.. t.Channels.Select(c => c.Code())], t.Steps))],
                [.. gaps.Channels.Select(c => new MissingChannelView(c.Channel.Code(), c.Problem, c.Steps))]);
        }
    }

    public sealed record StopView(ScenarioHead Scenario, int EnrollmentsStopped);

    public static FunctionRegistry AddScenarioApi(this FunctionRegistry registry) =>
        registry
            .Http("CreateScenario", "POST", "scenarios", CreateAsync)
            .Http("ListScenarios", "GET", "scenarios", ListAsync)
            .Http("ActivateScenario", "POST", "scenarios/{id}/activate", ActivateAsync)
            .Http("PauseScenario", "POST", "scenarios/{id}/pause", PauseAsync)
            .Http("ResumeScenario", "POST", "scenarios/{id}/resume", ResumeAsync)
            .Http("StopScenario", "POST", "scenarios/{id}/stop", StopAsync)
            .Http("ScenarioResults", "GET", "scenarios/{id}/results", ResultsAsync)
            .Http("CustomerEnrollments", "GET", "customers/{id}/enrollments", EnrollmentsAsync)
            .Http("PutSegment", "POST", "segments", PutSegmentAsync)
            .Http("GetSegment", "GET", "segments/{id}", GetSegmentAsync);

    /// <summary>Stores (or replaces) a segment that segment-entry and broadcast triggers name; validated like a scenario.</summary>
    internal static async Task<Results<Ok<SegmentDefinition>, BadRequest<ErrorsView>>> PutSegmentAsync(HttpRequest request, SegmentStore segments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var reader = new StreamReader(request.Body);
        var (definition, errors) = SegmentJson.Parse(await reader.ReadToEndAsync(cancellationToken));
        if (definition is null)
        {
            return TypedResults.BadRequest(new ErrorsView("The segment is not valid", [.. errors.Select(View)]));
        }

        await segments.PutAsync(definition, cancellationToken);
        return TypedResults.Ok(definition);
    }

    internal static async Task<Results<Ok<SegmentDefinition>, NotFound>> GetSegmentAsync(string id, SegmentStore segments, CancellationToken cancellationToken) =>
        await segments.GetAsync(id, cancellationToken) is { } definition ? TypedResults.Ok(definition) : TypedResults.NotFound();

    internal static async Task<Results<Created<ScenarioHead>, Ok<ScenarioHead>, BadRequest<ErrorsView>, Conflict<ErrorsView>, UnprocessableEntity<ErrorsView>>> CreateAsync(HttpRequest request, ScenarioService service, ScenarioStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxDefinitionBytes)
        {
            return TypedResults.BadRequest(new ErrorsView("Too large", [View(new ValidationError("$", $"A scenario definition is at most {MaxDefinitionBytes} bytes."))]));
        }

        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(cancellationToken);
        var created = await service.CreateAsync(json, null, cancellationToken);
        if (created.Gaps.Any)
        {
            return TypedResults.UnprocessableEntity(Unprocessable("The scenario names templates that do not exist (or lack a part for a channel)", created.Gaps));
        }

        if (created.Outcome is null)
        {
            return TypedResults.BadRequest(new ErrorsView("The scenario is not valid", [.. created.Errors.Select(View)]));
        }

        var definition = created.Definition!;
        if (created.Outcome == StoreOutcome.Conflict)
        {
            return TypedResults.Conflict(new ErrorsView("Version conflict", [View(new ValidationError("$.version",
                $"Scenario '{definition.Id}' already has version {definition.Version} or a later one with other content; give the edit a higher version.", null, "version"))]));
        }

        var head = (await store.GetAsync(definition.Id, cancellationToken))!;
        return created.Outcome == StoreOutcome.Created
            ? TypedResults.Created($"/api/scenarios/{definition.Id}", head)
            : TypedResults.Ok(head);
    }

    internal static async Task<Ok<IReadOnlyList<ScenarioHead>>> ListAsync(ScenarioService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ListAsync(cancellationToken));

    /// <summary>422 with every missing template, part and channel when the scenario would fail at send time.</summary>
    internal static async Task<Results<Ok<ScenarioHead>, NotFound, Conflict<ScenarioHead>, UnprocessableEntity<ErrorsView>>> ActivateAsync(string id, ScenarioService service, CancellationToken cancellationToken)
    {
        var activation = await service.ActivateAsync(id, cancellationToken);
        return activation.Result switch
        {
            LifecycleResult.Refused => TypedResults.UnprocessableEntity(Unprocessable("The scenario cannot be activated: it needs templates or channels this app does not have", activation.Problems)),
            LifecycleResult.NotFound => TypedResults.NotFound(),
            LifecycleResult.Invalid => TypedResults.Conflict(activation.Head!),
            _ => TypedResults.Ok(activation.Head!),
        };
    }

    private static ErrorsView Unprocessable(string title, ScenarioGaps gaps) => new(title, [.. gaps.Errors.Select(View)]) { Missing = MissingView.Of(gaps) };

    internal static async Task<Results<Ok<ScenarioHead>, NotFound, Conflict<ScenarioHead>>> PauseAsync(string id, ScenarioService service, CancellationToken cancellationToken) =>
        Lifecycle(await service.PauseAsync(id, cancellationToken));

    internal static async Task<Results<Ok<ScenarioHead>, NotFound, Conflict<ScenarioHead>>> ResumeAsync(string id, ScenarioService service, CancellationToken cancellationToken) =>
        Lifecycle(await service.ResumeAsync(id, cancellationToken));

    internal static async Task<Results<Ok<StopView>, NotFound, Conflict<ScenarioHead>>> StopAsync(string id, ScenarioService service, CancellationToken cancellationToken)
    {
        var (result, head, stopped) = await service.StopAsync(id, cancellationToken);
        return result switch
        {
            LifecycleResult.NotFound => TypedResults.NotFound(),
            LifecycleResult.Invalid => TypedResults.Conflict(head!),
            _ => TypedResults.Ok(new StopView(head!, stopped)),
        };
    }

    internal static async Task<Results<Ok<ScenarioResultsView>, NotFound>> ResultsAsync(string id, ScenarioResultsCache results, CancellationToken cancellationToken) =>
        await results.ResultsAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    internal static async Task<Ok<IReadOnlyList<EnrollmentSummary>>> EnrollmentsAsync(string id, ScenarioService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.EnrollmentsOfAsync(id, cancellationToken));

    private static Results<Ok<ScenarioHead>, NotFound, Conflict<ScenarioHead>> Lifecycle((LifecycleResult Result, ScenarioHead? Head) outcome) => outcome.Result switch
    {
        LifecycleResult.NotFound => TypedResults.NotFound(),
        LifecycleResult.Invalid => TypedResults.Conflict(outcome.Head!),
        _ => TypedResults.Ok(outcome.Head!),
    };

    private static ErrorView View(ValidationError e) => new(e.Path, e.NodeId, e.Field, e.Message, e.ToString());
}
