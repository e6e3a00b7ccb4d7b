using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

public sealed class LocalRuntimeOptions
{
    /// <summary>On for <c>kozuchi serve</c>; tests turn it off and deliver triggers themselves, step by step.</summary>
    public bool Enabled { get; set; }

    /// <summary>How often watched containers are listed; Azure's Event Grid source needs no polling.</summary>
    public TimeSpan BlobPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Resolves a trigger's <c>%setting%</c> expressions as the host does, from configuration; the storage-name settings
/// default to the names under the app's storage prefix (<see cref="TriggerNames.Defaults"/>).
/// </summary>
public sealed class TriggerBindings(IConfiguration configuration, StorageClients storage)
{
    private readonly Dictionary<string, string?> _defaults = TriggerNames.Defaults(storage.Names);

    public string Resolve(string text) => TriggerNames.Resolve(text, name => configuration[name] ?? _defaults.GetValueOrDefault(name));

    /// <summary>The physical queue a queue trigger listens on.</summary>
    public string QueueName(LocalFunction function) => Resolve(function.Trigger["queueName"] ?? throw new InvalidOperationException($"{function.Name} names no queue."));

    /// <summary>The physical container of a blob trigger's <c>{container}/{name}</c> path.</summary>
    public string ContainerName(LocalFunction function)
    {
        var path = Resolve(function.Trigger["path"] ?? throw new InvalidOperationException($"{function.Name} names no blob path."));
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? path[..slash] : path;
    }

    public string Schedule(LocalFunction function) => Resolve(function.Trigger["schedule"] ?? throw new InvalidOperationException($"{function.Name} has no schedule."));
}

/// <summary>
/// <c>kozuchi serve</c>'s stand-in for the Functions host's triggers: one listener per queue function, one scheduler
/// per timer, one poller per watched container, for the functions in <c>functions.metadata</c>. It only delivers
/// triggers; the functions themselves run as in Azure.
/// </summary>
public sealed partial class LocalRuntimeService(
    FunctionCatalog catalog,
    TriggerBindings bindings,
    StorageClients storage,
    StorageReadiness readiness,
    LocalFunctionRunner runner,
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
        foreach (var function in catalog.Functions)
        {
            if (Loop(function, logger) is { } loop)
            {
                runs.Add(Guard(loop, function.Name, logger, stoppingToken));
            }
        }

        LogStarted(logger, runs.Count);
        await Task.WhenAll(runs);
    }

    /// <summary>The trigger loop of a queue, timer or blob function; null for HTTP functions (they are endpoints).</summary>
    public Func<CancellationToken, Task>? Loop(LocalFunction function, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(function);
        switch (function.TriggerType.ToLowerInvariant())
        {
            case "queuetrigger":
                return new QueueTriggerListener(function, storage.Queues, bindings.QueueName(function), runner, settings, time, logger).RunAsync;
            case "timertrigger":
                var runOnStartup = bool.TryParse(function.Trigger["runOnStartup"], out var r) && r;
                return new TimerTriggerScheduler(function, bindings.Schedule(function), runOnStartup, storage, runner, time, logger).RunAsync;
            case "blobtrigger":
                var poller = new BlobTriggerPoller(function, bindings.ContainerName(function), storage, runner, settings, time, logger);
                return ct => poller.RunAsync(options.Value.BlobPollInterval, ct);
            case "httptrigger":
                return null;
            default:
                throw new InvalidOperationException($"{function.Name}: the local runtime has no {function.TriggerType}.");
        }
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
