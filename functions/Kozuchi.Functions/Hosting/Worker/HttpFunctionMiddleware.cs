using System.Collections.Concurrent;
using System.Reflection;
using Kozuchi.Functions.Hosting.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Kozuchi.Functions.Hosting.Worker;

/// <summary>
/// In the isolated worker, every HTTP function runs through <see cref="HttpFunctionGuard"/> (its declared access, the
/// storage wait, 400 and 503 answers), the same gate <c>kozuchi serve</c>'s endpoints use. It sits inside the ASP.NET
/// Core integration's middleware, which writes the <see cref="IResult"/> left as the invocation's result.
/// </summary>
public sealed class HttpFunctionMiddleware : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, HttpAccessAttribute?> Declared = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        var result = await GuardAsync(context, http, async () =>
        {
            await next(context);
            return context.GetInvocationResult().Value;
        });
        context.GetInvocationResult().Value = result;
    }

    /// <summary>The function's declared access (from its entry point) and the guard, around <paramref name="invoke"/>.</summary>
    public static Task<IResult> GuardAsync(FunctionContext context, HttpContext http, Func<Task<object?>> invoke)
    {
        ArgumentNullException.ThrowIfNull(context);
        var guard = context.InstanceServices.GetRequiredService<HttpFunctionGuard>();
        var access = Declared.GetOrAdd(context.FunctionDefinition.EntryPoint, static (entryPoint, definition) => AccessOf(definition, entryPoint), context.FunctionDefinition);
        return guard.RunAsync(http, access, invoke);
    }

    /// <summary>The <see cref="HttpAccessAttribute"/> on the method the entry point names.</summary>
    public static HttpAccessAttribute? AccessOf(FunctionDefinition definition, string entryPoint)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(entryPoint);
        var dot = entryPoint.LastIndexOf('.');
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(entryPoint[..dot])).FirstOrDefault(t => t is not null)
            ?? Assembly.LoadFrom(definition.PathToAssembly).GetType(entryPoint[..dot]);
        var method = type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).SingleOrDefault(m => m.Name == entryPoint[(dot + 1)..]);
        return method is null ? null : HttpAccessAttribute.Of(method);
    }
}
