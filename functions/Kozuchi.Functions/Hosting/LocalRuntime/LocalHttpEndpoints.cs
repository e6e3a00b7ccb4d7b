using Kozuchi.Functions.Hosting.Http;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// The HTTP functions of <c>functions.metadata</c> as ASP.NET Core endpoints on the routes and methods the host would
/// serve (<c>/api/{route}</c>), each through <see cref="HttpFunctionGuard"/> as in Azure. These are the only endpoints
/// <c>kozuchi serve</c> has: no invocation endpoint, nothing to run a queue, timer or blob function over HTTP.
/// </summary>
public static class LocalHttpEndpoints
{
    public static IEndpointRouteBuilder MapLocalFunctions(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var catalog = app.ServiceProvider.GetRequiredService<FunctionCatalog>();
        var prefix = app.ServiceProvider.GetRequiredService<HostSettings>().RoutePrefix;
        foreach (var function in catalog.Functions.Where(f => f.IsHttp))
        {
            var access = HttpAccessAttribute.Of(function.Method);
            var route = string.IsNullOrEmpty(prefix) ? function.Trigger["route"] ?? function.Name : $"{prefix}/{function.Trigger["route"] ?? function.Name}";
            var methods = function.Trigger.List("methods").Select(m => m.ToUpperInvariant()).ToList();
            RequestDelegate run = http => RunAsync(http, function, access);
            app.MapMethods("/" + route, methods.Count > 0 ? methods : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], run)
                .WithName(function.Name)
                .WithMetadata(function);
        }

        return app;
    }

    private static async Task RunAsync(HttpContext http, LocalFunction function, HttpAccessAttribute? access)
    {
        var guard = http.RequestServices.GetRequiredService<HttpFunctionGuard>();
        var result = await guard.RunAsync(http, access, () => FunctionInvoker.InvokeAsync(function, LocalTrigger.Http(http), http.RequestServices, http.RequestAborted));
        await result.ExecuteAsync(http);
    }
}
