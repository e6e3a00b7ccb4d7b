using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Segments;

/// <summary><c>GET /api/segments</c>: the stored segments (id, name, description, rule), for the segment page's list and the builder.</summary>
public sealed class SegmentListFunctions(SegmentStore segments)
{
    [Function("ListSegments")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "segments")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok((await segments.ListAsync(cancellationToken)).OrderBy(s => s.Id, StringComparer.Ordinal));
}
