using Kozuchi.Core.Orders;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// Queue messages one instance receives at the same time, decided together (group commit): while a group is read,
/// decided and written, the messages that arrive wait, and the next group takes them all. Concurrent messages of one
/// instance then never race each other for a customer (a lost race costs re-reads and a second write), and each
/// partition's transaction carries the rows of several messages instead of a few rows of one.
/// <para>
/// A group holds no order twice (a message carrying an order already in the group waits for the next one, so each
/// message's versions are decided as they would be alone) and at most <see cref="MaxOrders"/> orders (a larger
/// message is a group of its own). If a group of several messages fails, each is ingested again alone, so a message
/// that cannot be ingested fails (and is retried, then poisoned) by itself, never its group-mates. Every message
/// gets the results of its own orders; an order is idempotent, so re-running a group or a message changes nothing.
/// </para>
/// </summary>
public sealed class IngestGroups(OrderIngestor ingestor, int maxOrders = IngestGroups.DefaultMaxOrders)
{
    /// <summary>About 8 webhook bodies of 100 orders: a few hundred rows a partition's transaction.</summary>
    public const int DefaultMaxOrders = 800;

    private sealed record Request(IReadOnlyCollection<IncomingOrder> Orders, TaskCompletionSource<IngestResult> Done, CancellationToken CancellationToken);

    private readonly Lock _lock = new();
    private readonly List<Request> _waiting = [];
    private bool _running;
    private int _groups;
    private long _messages;
    private long _orders;

    public int MaxOrders { get; } = maxOrders;

    /// <summary>Groups decided since start (for tests and benchmarks).</summary>
    public int Groups => Volatile.Read(ref _groups);

    /// <summary>Messages decided since start, in all groups (benchmarks: messages per group).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Orders decided since start, in all groups (benchmarks: orders per group, how full its transactions can be).</summary>
    public long Orders => Interlocked.Read(ref _orders);

    /// <summary>Ingests one message's orders with whatever else arrives meanwhile; the result holds this message's orders only.</summary>
    public Task<IngestResult> IngestAsync(IReadOnlyCollection<IncomingOrder> orders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var request = new Request(orders, new TaskCompletionSource<IngestResult>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        lock (_lock)
        {
            _waiting.Add(request);
            if (_running)
            {
                return request.Done.Task;
            }

            _running = true;
        }

        // The loop outlives the call that started it: each caller awaits only its own result.
        _ = Task.Run(RunAsync, CancellationToken.None);
        return request.Done.Task;
    }

    private async Task RunAsync()
    {
        while (TakeGroup() is { Count: > 0 } group)
        {
            Interlocked.Increment(ref _groups);
            Interlocked.Add(ref _messages, group.Count);
            Interlocked.Add(ref _orders, group.Sum(r => r.Orders.Count));
            await DecideAsync(group).ConfigureAwait(false);
        }
    }

    /// <summary>The waiting messages in arrival order, as long as they bring no order already taken and stay under the bound.</summary>
    private List<Request> TakeGroup()
    {
        lock (_lock)
        {
            var group = new List<Request>();
            var keys = new HashSet<OrderKey>();
            foreach (var request in _waiting)
            {
                var mine = request.Orders.Select(o => o.Order.Key).ToHashSet();
                if (group.Count > 0 && (keys.Count + mine.Count > MaxOrders || keys.Overlaps(mine)))
                {
                    continue;
                }

                group.Add(request);
                keys.UnionWith(mine);
            }

            _waiting.RemoveAll(group.Contains);
            if (group.Count == 0)
            {
                _running = false;
            }

            return group;
        }
    }

    private async Task DecideAsync(List<Request> group)
    {
        if (group.Count == 1)
        {
            await AloneAsync(group[0]).ConfigureAwait(false);
            return;
        }

        IngestResult result;
        try
        {
            // The oldest message's token: it is cancelled when the host stops, and so are the others'.
            result = await ingestor.IngestAsync([.. group.SelectMany(r => r.Orders)], null, group[0].CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One message may be what failed: each goes alone, and fails (or not) by itself.
            foreach (var request in group)
            {
                await AloneAsync(request).ConfigureAwait(false);
            }

            return;
        }
        catch (OperationCanceledException e)
        {
            group.ForEach(r => r.Done.TrySetCanceled(e.CancellationToken));
            return;
        }

        foreach (var request in group)
        {
            var mine = request.Orders.Select(o => o.Order.Key).ToHashSet();
            request.Done.TrySetResult(new IngestResult([.. result.Orders.Where(o => mine.Contains(o.Order.Key))], result.Attempts) { Retried = result.Retried });
        }
    }

    private async Task AloneAsync(Request request)
    {
        try
        {
            request.Done.TrySetResult(await ingestor.IngestAsync(request.Orders, null, request.CancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException e)
        {
            request.Done.TrySetCanceled(e.CancellationToken);
        }
        catch (Exception e)
        {
            request.Done.TrySetException(e);
        }
    }
}
