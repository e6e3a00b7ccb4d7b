using System.Diagnostics;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Runs one queue, timer or blob invocation for the local trigger runner: waits for storage, creates the
/// invocation's service scope, calls the function and says whether it failed (the trigger's retry and poison rules
/// act on that, as the host's do). An invocation that finds one of the app's tables, queues or containers gone (a
/// storage reset) has them re-created and runs once more (<see cref="StorageRecovery"/>).
/// </summary>
public sealed partial class LocalFunctionRunner(IServiceScopeFactory scopes, StorageReadiness readiness, StorageRecovery recovery, ILogger<LocalFunctionRunner> logger)
{
    /// <summary>The trigger loops re-create what a poll finds missing through the same recovery.</summary>
    public StorageRecovery Recovery => recovery;

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
        try
        {
            await recovery.RunAsync(async ct =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await FunctionInvoker.InvokeAsync(function, trigger, scope.ServiceProvider, ct);
                return true;
            }, cancellationToken);
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
            if (trigger?.Value is Azure.Storage.Queues.Models.QueueMessage message)
            {
                // The invocation's scope is gone with the recovery's attempt: the failure is recorded in a scope of its own.
                await using var scope = scopes.CreateAsyncScope();
                if (scope.ServiceProvider.GetService<Operations.QueueFailureRecorder>() is { } failures)
                {
                    // Best effort: when storage itself is down the reason cannot be kept, and the function's own failure
                    // (retried, then poisoned) must still be what the trigger sees.
                    try
                    {
                        await failures.RecordAsync(function.Trigger["queueName"], message, e);
                    }
                    catch (Exception recording) when (recording is not OperationCanceledException)
                    {
                        LogNotRecorded(logger, recording, function.Name);
                    }
                }
            }

            throw new FunctionFailedException(function.Name, e);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Executed {FunctionName} in {ElapsedMs:F1} ms")]
    private static partial void LogInvoked(ILogger logger, string functionName, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Execution of {FunctionName} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "The failure of {FunctionName} could not be recorded for the operations page")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string functionName);
}

/// <summary>The function threw: the trigger's retry and poison rules apply.</summary>
public sealed class FunctionFailedException(string functionName, Exception inner)
    : Exception($"The function '{functionName}' failed: {inner?.Message}", inner);
