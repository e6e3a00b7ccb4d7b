using Azure.Storage.Queues.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Operations;

public sealed record PoisonQueueSummary(string Queue, string PoisonQueue, int ApproximateCount, IReadOnlyList<PoisonMessage> Sample);

public sealed record PoisonMessage(string Id, DateTimeOffset? InsertedOn, long DequeueCount, string Body);

public sealed record ReplayOutcome(string Queue, int Moved);

/// <summary>
/// The dead-letter side of every queue: what the host (or the local runtime) gave up on, for operators to inspect
/// and, once the cause is fixed, to move back onto the original queue unchanged.
/// </summary>
public sealed class PoisonQueues(StorageClients storage)
{
    private const string Suffix = "-poison";

    public async Task<IReadOnlyList<PoisonQueueSummary>> ListAsync(int sampleSize, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var prefix = storage.Names.Prefix.Length == 0 ? null : storage.Names.Queue(string.Empty);
        await foreach (var item in storage.Queues.GetQueuesAsync(prefix: prefix, cancellationToken: cancellationToken))
        {
            if (item.Name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                names.Add(item.Name);
            }
        }

        // One round trip's wait for the page, not one per queue: the queues are read at once (in listing order).
        return await Task.WhenAll(names.Select(async name =>
        {
            var poison = storage.Queues.GetQueueClient(name);
            var properties = poison.GetPropertiesAsync(cancellationToken);
            var sample = sampleSize > 0
                ? (await poison.PeekMessagesAsync(Math.Min(sampleSize, 32), cancellationToken)).Value
                    .Select(m => new PoisonMessage(m.MessageId, m.InsertedOn, m.DequeueCount, m.Body.ToString()))
                    .ToList()
                : [];
            return new PoisonQueueSummary(Logical(name[..^Suffix.Length]), name, (await properties).Value.ApproximateMessagesCount, sample);
        }));
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> messages from the queue's poison queue back to it, bodies unchanged;
    /// <paramref name="moved"/> is told each body moved (the recorded failure of it is forgotten).
    /// </summary>
    public async Task<ReplayOutcome> ReplayAsync(string logicalQueue, int max, CancellationToken cancellationToken, Func<string, Task>? moved = null)
    {
        var poison = storage.PoisonQueue(logicalQueue);
        var target = storage.Queue(logicalQueue);
        if (!(await poison.ExistsAsync(cancellationToken)).Value)
        {
            throw new ArgumentException($"There is no poison queue for '{logicalQueue}'.", nameof(logicalQueue));
        }

        await target.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var count = 0;
        while (count < max)
        {
            QueueMessage[] batch = await poison.ReceiveMessagesAsync(Math.Min(32, max - count), TimeSpan.FromMinutes(5), cancellationToken);
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                // Send before delete: a crash in between leaves a duplicate, which handlers tolerate, never a loss.
                await target.SendMessageAsync(message.Body.ToString(), cancellationToken);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                count++;
                if (moved is not null)
                {
                    await moved(message.Body.ToString());
                }
            }
        }

        return new ReplayOutcome(logicalQueue, count);
    }

    private string Logical(string physical) =>
        storage.Names.Prefix.Length == 0 ? physical : physical[(storage.Names.Prefix.Length + 1)..];
}
