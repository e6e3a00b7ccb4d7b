using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Delivers one queue function's messages locally with the host's semantics: batches of
/// <c>batchSize</c>, a failed message becomes visible again after <c>visibilityTimeout</c>, and after
/// <c>maxDequeueCount</c> failed attempts it is moved, intact, to <c>&lt;queue&gt;-poison</c>.
/// </summary>
public sealed partial class QueueTriggerListener
{
    // The host hides a message for 10 minutes while it runs and renews the hold: a crash releases it then.
    internal static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private readonly LocalFunction _function;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly LocalFunctionRunner _runner;
    private readonly HostSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary><paramref name="queueName"/> is the physical queue its trigger names; failures end in <c>&lt;queue&gt;-poison</c> beside it.</summary>
    public QueueTriggerListener(LocalFunction function, QueueServiceClient queues, string queueName, LocalFunctionRunner runner, HostSettings settings, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _function = function;
        _queue = queues.GetQueueClient(queueName);
        _poison = queues.GetQueueClient(queueName + "-poison");
        _runner = runner;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    public string FunctionName => _function.Name;

    /// <summary>Receives one batch and handles it; returns how many messages it received.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        QueueMessage[] messages = await _queue.ReceiveMessagesAsync(_settings.QueueBatchSize, Lease, cancellationToken);
        await Task.WhenAll(messages.Select(m => HandleAsync(m, cancellationToken)));
        return messages.Length;
    }

    /// <summary>
    /// Polls until cancelled, as the host does: a batch of <c>batchSize</c> is handled concurrently, and as soon as no more
    /// than <c>newBatchThreshold</c> messages are still being handled the next batch is fetched, so at most
    /// <c>batchSize + newBatchThreshold</c> run at once and a slow message never leaves the instance idle. While the
    /// queue is empty, polling backs off exponentially to <c>maxPollingInterval</c>.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var running = new List<Task>();
        try
        {
            var delay = TimeSpan.FromMilliseconds(100);
            while (!cancellationToken.IsCancellationRequested)
            {
                running.RemoveAll(t => t.IsCompleted);
                if (running.Count > _settings.QueueNewBatchThreshold)
                {
                    await Task.WhenAny(running);
                    continue;
                }

                int received;
                var generation = _runner.Recovery.Generation;
                try
                {
                    QueueMessage[] messages = await _queue.ReceiveMessagesAsync(_settings.QueueBatchSize, Lease, cancellationToken);
                    running.AddRange(messages.Select(m => HandleLoggedAsync(m, cancellationToken)));
                    received = messages.Length;
                }
                catch (RequestFailedException e) when (StorageRecovery.IsMissingResource(e))
                {
                    // The queue is gone (a storage reset): re-created once, logged once by the recovery, polled again after
                    // the usual pause (which grows if the queue cannot be made again yet: a name still being deleted in Azure).
                    await _runner.Recovery.RecoverAsync(generation, e, cancellationToken);
                    received = 0;
                }
                catch (RequestFailedException e)
                {
                    LogPollFailed(_logger, e, _function.Name);
                    received = 0;
                }

                if (received > 0)
                {
                    delay = TimeSpan.FromMilliseconds(100);
                    continue;
                }

                await Task.Delay(delay, _time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.QueueMaxPollingInterval.Ticks));
            }
        }
        finally
        {
            // Messages still being handled finish (or are cancelled) before the loop is said to have stopped.
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
        }
    }

    /// <summary>One message handled beside the loop: a failure settling it is logged (the message reappears after its hold).</summary>
    private async Task HandleLoggedAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await HandleAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSettleFailed(_logger, e, _function.Name, message.MessageId);
        }
    }

    private async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        if (message.DequeueCount > _settings.MaxDequeueCount)
        {
            // Already failed its allowance in an earlier life of this process (or another instance).
            await MoveToPoisonAsync(message, message.PopReceipt, cancellationToken);
            return;
        }

        var receipt = message.PopReceipt;
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewTask = RenewAsync(message.MessageId, () => receipt, r => receipt = r, renewal.Token);
        bool succeeded;
        try
        {
            await _runner.InvokeAsync(_function, LocalTrigger.Queue(message), cancellationToken);
            succeeded = true;
        }
        catch (FunctionFailedException)
        {
            succeeded = false;
        }
        finally
        {
            await renewal.CancelAsync();
            await renewTask;
        }

        if (succeeded)
        {
            await _queue.DeleteMessageAsync(message.MessageId, receipt, cancellationToken);
        }
        else if (message.DequeueCount >= _settings.MaxDequeueCount)
        {
            await MoveToPoisonAsync(message, receipt, cancellationToken);
        }
        else
        {
            await _queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: _settings.QueueVisibilityTimeout, cancellationToken: cancellationToken);
        }
    }

    private async Task RenewAsync(string messageId, Func<string> receipt, Action<string> setReceipt, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Lease / 2, _time, cancellationToken);
                var updated = await _queue.UpdateMessageAsync(messageId, receipt(), visibilityTimeout: Lease, cancellationToken: cancellationToken);
                setReceipt(updated.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, string popReceipt, CancellationToken cancellationToken)
    {
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _poison.SendMessageAsync(message.Body.ToString(), cancellationToken);
        await _queue.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken);
        LogPoisoned(_logger, _function.Name, message.MessageId, message.DequeueCount);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Polling the queue of {FunctionName} failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Settling message {MessageId} of {FunctionName} failed; it is delivered again when its hold ends")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string functionName, string messageId);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Message {MessageId} of {FunctionName} moved to the poison queue after {DequeueCount} attempts")]
    private static partial void LogPoisoned(ILogger logger, string functionName, string messageId, long dequeueCount);
}
