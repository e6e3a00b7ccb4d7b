using Azure.Storage.Queues.Models;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Operations;

namespace Kozuchi.Functions.Operations;

/// <summary>
/// What both hosts do when a queue function throws: the exception is kept with the message's body
/// (<see cref="QueueFailures"/>), so a message that ends in the poison queue is shown with why it failed. Called by
/// the local runtime's runner and by the worker's <see cref="Hosting.Worker.QueueFailureMiddleware"/>; a failure to
/// record never hides the function's own failure.
/// </summary>
public sealed partial class QueueFailureRecorder(QueueFailures failures, ILogger<QueueFailureRecorder> logger)
{
    /// <summary>The catalog's queue a trigger's <c>%KozuchiQueue…%</c> expression stands for; null for anything else.</summary>
    public static string? LogicalQueue(string? queueNameExpression) =>
        queueNameExpression is { Length: > 2 } e && e[0] == '%' && e[^1] == '%' && TriggerNames.Settings.TryGetValue(e[1..^1], out var s) && s.IsQueue ? s.Logical : null;

    public async Task RecordAsync(string? queueNameExpression, string body, long dequeueCount, Exception exception)
    {
        if (LogicalQueue(queueNameExpression) is not { } queue)
        {
            return;
        }

        try
        {
            await failures.RecordAsync(queue, body, exception, dequeueCount, CancellationToken.None);
        }
        catch (Azure.RequestFailedException e)
        {
            LogNotRecorded(logger, e, queue);
        }
    }

    public Task RecordAsync(string? queueNameExpression, QueueMessage message, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(message);
        return RecordAsync(queueNameExpression, message.Body.ToString(), message.DequeueCount, exception);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The failure of a {Queue} message could not be recorded for the operations page")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string queue);
}
