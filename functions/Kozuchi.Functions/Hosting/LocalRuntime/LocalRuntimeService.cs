using Kozuchi.Functions.Hosting.Invocation;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

public sealed class LocalRuntimeOptions
{
    /// <summary>On for <c>kozuchi serve</c>; off in handler mode, where the Functions host delivers triggers.</summary>
    public bool Enabled { get; set; }

    /// <summary>How often watched containers are listed; Azure's Event Grid source needs no polling.</summary>
    public TimeSpan BlobPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// <c>kozuchi serve</c>'s stand-in for the Functions host: one listener per queue function, one scheduler per
/// timer, one poller per watched container. It only delivers triggers; handlers run through the dispatcher.
/// </summary>
public sealed partial class LocalRuntimeService(
    FunctionRegistry registry,
    StorageClients storage,
    StorageReadiness readiness,
    InvocationDispatcher dispatcher,
    HostSettings settings,
    TimeProvider time,
    IOptions<LocalRuntimeOptions> options,
    ILoggerFactory loggers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await readiness.WaitAsync(stoppingToken);
        var logger = loggers.CreateLogger<LocalRuntimeService>();
        var runs = new List<Task>();
        foreach (var function in registry.Functions)
        {
            switch (function.Trigger)
            {
                case QueueTrigger:
                    runs.Add(Guard(new QueueTriggerListener(function, storage, dispatcher, settings, time, logger).RunAsync, function.Name, logger, stoppingToken));
                    break;
                case TimerTrigger:
                    runs.Add(Guard(new TimerTriggerScheduler(function, storage, dispatcher, time, logger).RunAsync, function.Name, logger, stoppingToken));
                    break;
                case BlobTrigger:
                    var poller = new BlobTriggerPoller(function, storage, dispatcher, settings, time, logger);
                    runs.Add(Guard(ct => poller.RunAsync(options.Value.BlobPollInterval, ct), function.Name, logger, stoppingToken));
                    break;
            }
        }

        LogStarted(logger, runs.Count);
        await Task.WhenAll(runs);
    }

    // A trigger loop that dies must not take the others with it; it restarts after a pause.
    private async Task Guard(Func<CancellationToken, Task> run, string functionName, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await run(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopFailed(logger, e, functionName);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 230, Level = LogLevel.Information, Message = "Local runtime delivering triggers for {Count} functions")]
    private static partial void LogStarted(ILogger logger, int count);

    [LoggerMessage(EventId = 231, Level = LogLevel.Error, Message = "The trigger loop of {FunctionName} failed; restarting it")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string functionName);
}
