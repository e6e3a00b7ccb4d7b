using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Scenarios;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Segments;

/// <summary>
/// The segment builder's API: a rule's live count and sample (<c>POST /api/segments/preview</c>), a stored segment's
/// members (<c>GET /api/segments/{id}/members</c>) and the rule language with the day's predictive cuts
/// (<c>GET /api/segments/attributes</c>). Storing is <c>POST /api/segments</c> (the scenario API), which answers with
/// the same evaluation.
/// </summary>
public sealed class SegmentFunctions(SegmentService segments)
{
    [Function("PreviewSegment")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PreviewAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "segments/preview")] HttpRequest req, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (req.ContentLength > ScenarioApi.MaxDefinitionBytes)
        {
            return TypedResults.BadRequest(new ScenarioApi.ErrorsView("Too large", [ScenarioApi.View(new ValidationError("$", $"A segment definition is at most {ScenarioApi.MaxDefinitionBytes} bytes."))]));
        }

        using var reader = new StreamReader(req.Body);
        var (evaluation, errors) = await segments.PreviewAsync(await reader.ReadToEndAsync(cancellationToken), cancellationToken);
        return evaluation is null
            ? TypedResults.BadRequest(new ScenarioApi.ErrorsView("The segment is not valid", [.. errors.Select(ScenarioApi.View)]))
            : TypedResults.Ok(evaluation);
    }

    [Function("SegmentMembers")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> MembersAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "segments/{id}/members")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await segments.PageAsync(id, req.Text("after"), Math.Clamp(req.Number("limit") ?? 100, 1, SegmentService.MaxPage), cancellationToken) is { } page
            ? TypedResults.Ok(page)
            : TypedResults.NotFound();

    [Function("SegmentAttributes")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> AttributesAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "segments/attributes")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await segments.AttributesAsync(cancellationToken));
}

public static class SegmentsFeature
{
    public static IServiceCollection AddSegments(this IServiceCollection services) => services.AddSingleton<SegmentService>();
}
