using Kozuchi.Functions.Hosting.Http;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.NextActions;

/// <summary>次の一手: <c>GET /api/reports/next-actions</c>.</summary>
public sealed class NextActionFunctions(NextActionService service)
{
    [Function("ReportNextActions")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> NextActionsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/next-actions")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.PlanAsync(cancellationToken));
}

public static class NextActionsFeature
{
    public static IServiceCollection AddNextActions(this IServiceCollection services) => services.AddSingleton<NextActionService>();
}
