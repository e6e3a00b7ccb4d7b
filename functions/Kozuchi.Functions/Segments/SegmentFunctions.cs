using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Scenarios;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Segments;

/// <summary>
/// The segment builder's API: a rule's live count and sample (<c>POST /api/segments/preview</c>), a stored segment's
/// members (<c>GET /api/segments/{id}/members</c>) and the rule language with the day's predictive cuts
/// (<c>GET /api/segments/attributes</c>). Storing is <c>POST /api/segments</c> (the scenario API), which answers with
/// the same evaluation.
/// </summary>
public static class SegmentFunctions
{
    public static FunctionRegistry AddSegmentFunctions(this FunctionRegistry registry) =>
        registry
            .Http("PreviewSegment", "POST", "segments/preview", PreviewAsync)
            .Http("SegmentMembers", "GET", "segments/{id}/members", MembersAsync)
            .Http("SegmentAttributes", "GET", "segments/attributes", AttributesAsync);

    public static IServiceCollection AddSegments(this IServiceCollection services) => services.AddSingleton<SegmentService>();

    internal static async Task<Results<Ok<SegmentEvaluation>, BadRequest<ScenarioApi.ErrorsView>>> PreviewAsync(HttpRequest request, SegmentService segments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > ScenarioApi.MaxDefinitionBytes)
        {
            return TypedResults.BadRequest(new ScenarioApi.ErrorsView("Too large", [ScenarioApi.View(new ValidationError("$", $"A segment definition is at most {ScenarioApi.MaxDefinitionBytes} bytes."))]));
        }

        using var reader = new StreamReader(request.Body);
        var (evaluation, errors) = await segments.PreviewAsync(await reader.ReadToEndAsync(cancellationToken), cancellationToken);
        return evaluation is null
            ? TypedResults.BadRequest(new ScenarioApi.ErrorsView("The segment is not valid", [.. errors.Select(ScenarioApi.View)]))
            : TypedResults.Ok(evaluation);
    }

    internal static async Task<Results<Ok<SegmentMembersPage>, NotFound>> MembersAsync(string id, string? after, int? limit, SegmentService segments, CancellationToken cancellationToken) =>
        await segments.PageAsync(id, after, Math.Clamp(limit ?? 100, 1, SegmentService.MaxPage), cancellationToken) is { } page ? TypedResults.Ok(page) : TypedResults.NotFound();

    internal static async Task<Ok<SegmentAttributes>> AttributesAsync(SegmentService segments, CancellationToken cancellationToken) =>
        TypedResults.Ok(await segments.AttributesAsync(cancellationToken));
}
