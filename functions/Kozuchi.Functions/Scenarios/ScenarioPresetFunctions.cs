using Kozuchi.Functions.Hosting.Http;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Scenarios;

/// <summary><c>GET /api/scenarios/presets</c>: the built-in presets, for the builder's "create from preset".</summary>
public static class ScenarioPresetFunctions
{
    [Function("ListScenarioPresets")]
    [HttpAccess(Access.Operator)]
    public static IResult List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "scenarios/presets")] HttpRequest req) =>
        TypedResults.Ok(ScenarioPresets.All);
}
