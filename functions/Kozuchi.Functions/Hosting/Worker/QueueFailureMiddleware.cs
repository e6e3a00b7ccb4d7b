using System.Collections.Concurrent;
using System.Reflection;
using Kozuchi.Functions.Operations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Kozuchi.Functions.Hosting.Worker;

/// <summary>
/// In the isolated worker, a queue function that throws has its exception recorded with the message's body before the
/// host retries it (and, after the last attempt, moves the body to the poison queue), as the local runtime's runner does:
/// the operations page then says why a poisoned message failed. The exception goes on to the host unchanged.
/// </summary>
public sealed class QueueFailureMiddleware : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, string?> Queues = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception e) when (QueueNameOf(context) is { } queueName && Body(context) is { } body)
        {
            var dequeueCount = context.BindingContext.BindingData.TryGetValue("DequeueCount", out var count) && long.TryParse(count?.ToString(), out var n) ? n : 0;
            await context.InstanceServices.GetRequiredService<QueueFailureRecorder>().RecordAsync(queueName, body, dequeueCount, e);
            throw;
        }
    }

    /// <summary>The message text the host passed as the trigger's binding data.</summary>
    private static string? Body(FunctionContext context) =>
        context.BindingContext.BindingData.TryGetValue("QueueTrigger", out var text) && text is not null ? text.ToString() : null;

    /// <summary>The <c>%KozuchiQueue…%</c> expression of the method's queue trigger, or null when it has none.</summary>
    public static string? QueueNameOf(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var definition = context.FunctionDefinition;
        return Queues.GetOrAdd(definition.EntryPoint, static (entryPoint, d) =>
        {
            var dot = entryPoint.LastIndexOf('.');
            var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(entryPoint[..dot])).FirstOrDefault(t => t is not null)
                ?? Assembly.LoadFrom(d.PathToAssembly).GetType(entryPoint[..dot]);
            var method = type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).FirstOrDefault(m => m.Name == entryPoint[(dot + 1)..]);
            return method?.GetParameters().Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).FirstOrDefault(a => a is not null)?.QueueName;
        }, definition);
    }
}
