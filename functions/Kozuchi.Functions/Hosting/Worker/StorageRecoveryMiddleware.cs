using Kozuchi.Storage.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Kozuchi.Functions.Hosting.Worker;

/// <summary>
/// In the isolated worker, a queue, timer or blob invocation that finds one of the app's tables, queues or containers
/// gone (a storage reset) has them re-created and runs once more, as <c>kozuchi serve</c>'s runner does. HTTP functions
/// get the same from <see cref="Http.HttpFunctionGuard"/>, which can replay the buffered request.
/// </summary>
public sealed class StorageRecoveryMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not null)
        {
            await next(context);
            return;
        }

        var recovery = context.InstanceServices.GetRequiredService<StorageRecovery>();
        await recovery.RunAsync(async _ =>
        {
            await next(context);
            return true;
        }, context.CancellationToken);
    }
}
