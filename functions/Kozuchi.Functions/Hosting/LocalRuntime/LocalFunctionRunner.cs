using System.Diagnostics;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Runs one queue, timer or blob invocation for the local trigger runner: waits for storage, creates the
/// invocation's service scope, calls the function and says whether it failed (the trigger's retry and poison rules
/// act on that, as the host's do).
/// </summary>
public sealed partial class LocalFunctionRunner(IServiceScopeFactory scopes, StorageReadiness readiness, ILogger<LocalFunctionRunner> logger)
{
    public static readonly ActivitySource Activity = new("Kozuchi.Functions");

    /// <summary>Throws <see cref="FunctionFailedException"/> when the function failed.</summary>
    public async Task InvokeAsync(LocalFunction function, LocalTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        using var activity = Activity.StartActivity($"invoke {function.Name}", ActivityKind.Consumer);
        activity?.SetTag("faas.name", function.Name);
        activity?.SetTag("faas.trigger", function.TriggerType);
        await readiness.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await FunctionInvoker.InvokeAsync(function, trigger, scope.ServiceProvider, cancellationToken);
            if (logger.IsEnabled(LogLevel.Information))
            {
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogInvoked(logger, function.Name, elapsedMs);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            LogFailed(logger, e, function.Name);
            throw new FunctionFailedException(function.Name, e);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Executed {FunctionName} in {ElapsedMs:F1} ms")]
    private static partial void LogInvoked(ILogger logger, string functionName, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Execution of {FunctionName} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName);
}

/// <summary>The function threw: the trigger's retry and poison rules apply.</summary>
public sealed class FunctionFailedException(string functionName, Exception inner)
    : Exception($"The function '{functionName}' failed: {inner?.Message}", inner);
