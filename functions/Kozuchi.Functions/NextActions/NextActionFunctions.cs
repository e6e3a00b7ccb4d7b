using Kozuchi.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.NextActions;

/// <summary>次の一手: <c>GET /api/reports/next-actions</c>.</summary>
public static class NextActionFunctions
{
    public static FunctionRegistry AddNextActionFunctions(this FunctionRegistry registry) =>
        registry.Http("ReportNextActions", "GET", "reports/next-actions", NextActionsAsync);

    public static IServiceCollection AddNextActions(this IServiceCollection services) => services.AddSingleton<NextActionService>();

    internal static async Task<Ok<NextActionsView>> NextActionsAsync(NextActionService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.PlanAsync(cancellationToken));
}
