using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

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

    /// <summary>Polls until cancelled, backing off exponentially to <c>maxPollingInterval</c> while the queue is empty.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await PollOnceAsync(cancellationToken);
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

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Message {MessageId} of {FunctionName} moved to the poison queue after {DequeueCount} attempts")]
    private static partial void LogPoisoned(ILogger logger, string functionName, string messageId, long dequeueCount);
}
