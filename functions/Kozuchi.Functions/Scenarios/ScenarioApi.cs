using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Scenarios;

/// <summary>The scenario API: create from JSON (validated), lifecycle, lists, results, a customer's enrollments, the segments triggers name.</summary>
public sealed class ScenarioApi(ScenarioService service, ScenarioStore store, ScenarioResultsCache results, SegmentStore segments)
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

    /// <summary>Stores (or replaces) a segment that segment-entry and broadcast triggers name; validated like a scenario.</summary>
    [Function("PutSegment")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PutSegmentAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "segments")] HttpRequest req, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(req);
        using var reader = new StreamReader(req.Body);
        var (definition, errors) = SegmentJson.Parse(await reader.ReadToEndAsync(cancellationToken));
        if (definition is null)
        {
            return TypedResults.BadRequest(new ErrorsView("The segment is not valid", [.. errors.Select(View)]));
        }

        await segments.PutAsync(definition, cancellationToken);
        return TypedResults.Ok(definition);
    }

    [Function("GetSegment")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> GetSegmentAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "segments/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await segments.GetAsync(id, cancellationToken) is { } definition ? TypedResults.Ok(definition) : TypedResults.NotFound();

    [Function("CreateScenario")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "scenarios")] HttpRequest req, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (req.ContentLength > MaxDefinitionBytes)
        {
            return TypedResults.BadRequest(new ErrorsView("Too large", [View(new ValidationError("$", $"A scenario definition is at most {MaxDefinitionBytes} bytes."))]));
        }

        using var reader = new StreamReader(req.Body);
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

    [Function("ListScenarios")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "scenarios")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ListAsync(cancellationToken));

    /// <summary>422 with every missing template, part and channel when the scenario would fail at send time.</summary>
    [Function("ActivateScenario")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ActivateAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "scenarios/{id}/activate")] HttpRequest req, string id, CancellationToken cancellationToken)
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

    [Function("PauseScenario")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PauseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "scenarios/{id}/pause")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        Lifecycle(await service.PauseAsync(id, cancellationToken));

    [Function("ResumeScenario")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ResumeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "scenarios/{id}/resume")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        Lifecycle(await service.ResumeAsync(id, cancellationToken));

    [Function("StopScenario")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> StopAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "scenarios/{id}/stop")] HttpRequest req, string id, CancellationToken cancellationToken)
    {
        var (result, head, stopped) = await service.StopAsync(id, cancellationToken);
        return result switch
        {
            LifecycleResult.NotFound => TypedResults.NotFound(),
            LifecycleResult.Invalid => TypedResults.Conflict(head!),
            _ => TypedResults.Ok(new StopView(head!, stopped)),
        };
    }

    [Function("ScenarioResults")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ResultsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "scenarios/{id}/results")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await results.ResultsAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    [Function("CustomerEnrollments")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> EnrollmentsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}/enrollments")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.EnrollmentsOfAsync(id, cancellationToken));

    private static IResult Lifecycle((LifecycleResult Result, ScenarioHead? Head) outcome) => outcome.Result switch
    {
        LifecycleResult.NotFound => TypedResults.NotFound(),
        LifecycleResult.Invalid => TypedResults.Conflict(outcome.Head!),
        _ => TypedResults.Ok(outcome.Head!),
    };

    private static ErrorView View(ValidationError e) => new(e.Path, e.NodeId, e.Field, e.Message, e.ToString());
}
