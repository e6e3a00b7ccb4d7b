using System.Collections.Concurrent;
using System.Reflection;
using Kozuchi.Functions.Operations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Kozuchi.Functions.Hosting.Worker;

/// <summary>
/// In the isolated worker, a queue function that throws has its exception recorded with the message's body before the
/// host retries it (and, after the last attempt, moves the body to the poison queue), as the local runtime's runner does:
/// the operations page then says why a poisoned message failed. The exception goes on to the host unchanged, also when
/// the record cannot be written (storage down): that is logged, and the function's own failure is what the host retries.
/// </summary>
public sealed partial class QueueFailureMiddleware : IFunctionsWorkerMiddleware
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
            try
            {
                await context.InstanceServices.GetRequiredService<QueueFailureRecorder>().RecordAsync(queueName, body, dequeueCount, e);
            }
            catch (Exception recording)
            {
                // Whatever went wrong while recording (an outage ends in the SDK's AggregateException after its retries),
                // the function's exception below is the one the host must see.
                var logger = context.InstanceServices.GetService<ILoggerFactory>()?.CreateLogger<QueueFailureMiddleware>();
                if (logger is not null)
                {
                    LogNotRecorded(logger, recording, context.FunctionDefinition.Name);
                }
            }

            throw;
        }
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "The failure of {FunctionName} could not be recorded for the operations page")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string functionName);

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
