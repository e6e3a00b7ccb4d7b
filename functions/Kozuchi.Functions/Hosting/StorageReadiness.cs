using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting;

/// <summary>
/// Creates missing tables, queues and containers once the server listens. It runs after start-up so that the
/// host's readiness probe is answered at once (Flex Consumption allows 30 s to initialise); work that needs
/// storage awaits <see cref="WaitAsync"/>.
/// </summary>
public sealed partial class StorageReadiness(StorageClients storage, TimeProvider time, ILogger<StorageReadiness> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        var account = storage.Connection.Describe();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StorageInitializer.EnsureCreatedAsync(storage, stoppingToken);
                _ready.TrySetResult();
                LogReady(logger, account);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNotReady(logger, e, account, delay.TotalSeconds);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Storage ready ({Account})")]
    private static partial void LogReady(ILogger logger, string account);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Storage ({Account}) not reachable yet; retrying in {Seconds} s")]
    private static partial void LogNotReady(ILogger logger, Exception exception, string account, double seconds);
}
