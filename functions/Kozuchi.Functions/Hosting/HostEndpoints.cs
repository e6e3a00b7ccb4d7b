using System.Text.Json;
using Kozuchi.Functions.Hosting.Invocation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Hosting;

/// <summary>
/// The custom-handler surface: <c>GET /</c> for the host's readiness probe, <c>POST /{FunctionName}</c> for
/// payload-mode invocations, and every registered HTTP function under <c>/api</c> (forwarded as-is).
/// </summary>
public static class HostEndpoints
{
    public const string ApiPrefix = "/api";

    private static readonly JsonSerializerOptions ResultJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    public static IEndpointRouteBuilder MapFunctionHost(this IEndpointRouteBuilder app)
    {
        var registry = app.ServiceProvider.GetRequiredService<FunctionRegistry>();

        // The host polls the root until anything answers; it must not wait on storage or warm-up.
        app.MapGet("/", () => TypedResults.Text("kozuchi")).ExcludeFromDescription();

        foreach (var function in registry.Functions.Where(f => f.IsHttp))
        {
            var trigger = (HttpTrigger)function.Trigger;
            var endpoint = app.MapMethods($"{ApiPrefix}/{trigger.Route}", trigger.Methods, function.Endpoint!)
                .WithName(function.Name)
                .WithMetadata(function);
            if (trigger.Access == Access.Operator)
            {
                endpoint.AddEndpointFilter(Security.OperatorAccessFilter.InvokeAsync);
            }

            if (!function.Name.Equals("Health", StringComparison.Ordinal))
            {
                // A webhook arriving while storage is still being prepared waits for it rather than failing.
                endpoint.AddEndpointFilter(async (context, next) =>
                {
                    await context.HttpContext.RequestServices.GetRequiredService<StorageReadiness>().WaitAsync(context.HttpContext.RequestAborted);
                    return await next(context);
                });
            }
        }

        app.MapPost("/{functionName}", InvokeAsync).ExcludeFromDescription();
        return app;
    }

    internal static async Task<Results<JsonHttpResult<InvocationResult>, ProblemHttpResult>> InvokeAsync(
        string functionName,
        HttpRequest request,
        InvocationDispatcher dispatcher,
        CancellationToken cancellationToken)
    {
        var invocationId = request.Headers["X-Azure-Functions-InvocationId"].FirstOrDefault() ?? request.HttpContext.TraceIdentifier;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        try
        {
            var payload = InvocationPayload.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            var result = await dispatcher.InvokeAsync(functionName, payload, invocationId, cancellationToken);
            return TypedResults.Json(result, ResultJson);
        }
        catch (UnknownFunctionException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Unknown function");
        }
        catch (InvalidInvocationException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Malformed invocation");
        }
        catch (InvocationFailedException e)
        {
            // Non-2xx is what makes the host count a failure, retry, and finally poison the message.
            return TypedResults.Problem(
                e.InnerException?.Message ?? e.Message,
                statusCode: StatusCodes.Status500InternalServerError,
                title: $"{functionName} failed",
                extensions: new Dictionary<string, object?> { ["Logs"] = e.Logs });
        }
    }
}
