using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Erasure;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Customers;

/// <summary>An order as it arrived, with the stored raw payload it came from (for replay and audit).</summary>
public sealed record IncomingOrder(Order Order, string? RawRef);

/// <summary>
/// What one order did: scenarios start from these (first order, any order, cancellation). <see cref="HeldCounts"/>
/// says whether the version the customer holds now counts — false when this delivery lost to a cancellation (the
/// paid version arriving after its same-second or later cancellation), so it starts nothing.
/// </summary>
public sealed record IngestedOrder(Order Order, string CustomerId, ApplyOutcome Outcome, bool IsFirstOrder, bool HeldCounts = true);

public sealed record IngestResult(IReadOnlyList<IngestedOrder> Orders, int Attempts)
{
    public int Created => Orders.Count(o => o.Outcome == ApplyOutcome.Created);
    public int Updated => Orders.Count(o => o.Outcome == ApplyOutcome.Updated);
    public int Unchanged => Orders.Count(o => o.Outcome == ApplyOutcome.Unchanged);
}

/// <summary>
/// Applies a batch of orders to the customer tables: load, decide with the pure <see cref="CustomerLedger"/>, save
/// with ETags, and on a lost race reload and decide again. Safe to run twice on the same batch. An order that carries an
/// erased customer's identifier (<see cref="ErasedIdentifiers"/>) is kept without its personal fields, on an anonymous
/// customer flagged <see cref="CustomerFlags.ErasedIdentifier"/>, so the erased person is never recreated silently.
/// </summary>
public sealed partial class OrderIngestor(CustomerStore store, ProfileSnapshots snapshots, TimeProvider time, ILogger<OrderIngestor> logger, ErasedIdentifiers? erased = null)
{
    private const int MaxAttempts = 12;

    public async Task<IngestResult> IngestAsync(IReadOnlyCollection<IncomingOrder> incoming, CustomerStore.Session? bulk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incoming);

        var (screened, flagged) = await ScreenAsync(incoming, cancellationToken).ConfigureAwait(false);
        var (latest, ordered) = Latest(screened);

        for (var attempt = 1; ; attempt++)
        {
            // The bulk session is used for the first attempt only; a conflict means someone else wrote, so re-read points.
            var session = attempt == 1 && bulk is not null ? bulk : CustomerStore.NewSession();
            try
            {
                await store.LoadAsync(session, ordered, cancellationToken).ConfigureAwait(false);
                var results = Decide(session.Set, ordered, latest, flagged, time.GetUtcNow());
                await store.SaveAsync(session, latest, cancellationToken).ConfigureAwait(false);
                await TouchIfChangedAsync(results, cancellationToken).ConfigureAwait(false);

                if (bulk is not null && !ReferenceEquals(session, bulk))
                {
                    CustomerStore.Absorb(bulk, session);
                }

                if (bulk is not null)
                {
                    CustomerStore.Freeze(bulk);
                }

                return new IngestResult(results, attempt);
            }
            catch (WriteConflictException ex) when (attempt < MaxAttempts)
            {
                LogConflict(logger, attempt, ordered.Count, ex.Message);
                session.Set.ClearDirty();

                // Concurrent batches that share customers would collide again at once: back off, growing and jittered,
                // so one of them wins. This is contention backoff on the wall clock, not domain time.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The bulk path as a pipeline: this batch is decided and its customers written while the previous batch's identity
    /// and order rows are still being written (<paramref name="previous"/>); then those are awaited and this batch's
    /// start. At most one second phase is in flight and it completes before the next starts, so the ETags of rows
    /// written again are current; customers still go before their own batch's orders, so a crash leaves nothing a
    /// re-run does not repair. A <see cref="WriteConflictException"/> (someone else wrote meanwhile) surfaces to the
    /// caller, which re-applies the batches in flight on the point-read path.
    /// </summary>
    public async Task<(IngestResult Result, Task Pending)> IngestPipelinedAsync(IReadOnlyCollection<IncomingOrder> incoming, CustomerStore.Session bulk, Task? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(bulk);
        var (screened, flagged) = await ScreenAsync(incoming, cancellationToken).ConfigureAwait(false);
        var (latest, ordered) = Latest(screened);
        await store.LoadAsync(bulk, ordered, cancellationToken).ConfigureAwait(false);
        var results = Decide(bulk.Set, ordered, latest, flagged, time.GetUtcNow());
        await store.SaveCustomersAsync(bulk, cancellationToken).ConfigureAwait(false);
        await TouchIfChangedAsync(results, cancellationToken).ConfigureAwait(false);

        var rest = CustomerStore.TakeRest(bulk, latest);
        CustomerStore.Freeze(bulk);

        if (previous is not null)
        {
            await previous.ConfigureAwait(false);
        }

        var pending = store.WriteRestAsync(bulk, rest, cancellationToken);
        return (new IngestResult(results, 1), pending);
    }

    /// <summary>The same order twice in one batch: only its latest version matters (<see cref="OrderVersions"/>); applied oldest order first.</summary>
    private static (Dictionary<OrderKey, (Order Order, string? RawRef)> Latest, List<Order> Ordered) Latest(IReadOnlyCollection<IncomingOrder> incoming)
    {
        var latest = incoming.GroupBy(i => i.Order.Key)
            .Select(g => g.Aggregate((a, b) => OrderVersions.Compare(b.Order, a.Order) > 0 ? b : a))
            .ToDictionary(i => i.Order.Key, i => (i.Order, i.RawRef));
        return (latest, latest.Values.Select(v => v.Order).OrderBy(o => o.OrderedAt).ThenBy(o => o.Key.ToString(), StringComparer.Ordinal).ToList());
    }

    /// <summary>Orders carrying an erased identifier lose their personal fields before anything is decided.</summary>
    private async Task<(IReadOnlyCollection<IncomingOrder> Orders, HashSet<OrderKey> Flagged)> ScreenAsync(IReadOnlyCollection<IncomingOrder> incoming, CancellationToken cancellationToken)
    {
        var flagged = new HashSet<OrderKey>();
        if (erased is null || incoming.Count == 0)
        {
            return (incoming, flagged);
        }

        var isErased = await erased.ScreenAsync(cancellationToken).ConfigureAwait(false);
        var screened = new List<IncomingOrder>(incoming.Count);
        foreach (var item in incoming)
        {
            if (IdentityKey.From(item.Order).Any(isErased))
            {
                flagged.Add(item.Order.Key);
                screened.Add(item with { Order = OrderRowsParticipant.Anonymise(item.Order) });
                LogErasedIdentifier(logger, item.Order.Key.ToString());
            }
            else
            {
                screened.Add(item);
            }
        }

        return (screened, flagged);
    }

    private static List<IngestedOrder> Decide(IngestWorkingSet set, List<Order> ordered, Dictionary<OrderKey, (Order Order, string? RawRef)> latest, HashSet<OrderKey> flagged, DateTimeOffset now)
    {
        var results = new List<IngestedOrder>(ordered.Count);
        foreach (var order in ordered)
        {
            var hadOrders = set.OrdersByKey.TryGetValue(order.Key, out var before) ? before.CustomerId : null;
            var outcome = CustomerLedger.Apply(set, order, now);
            var customerId = set.OrdersByKey[order.Key].CustomerId;
            var customer = set.Customers[customerId];
            if (customer.State == CustomerState.Erased && latest.TryGetValue(order.Key, out var stored))
            {
                // A later version of an erased customer's order (a refund): its amounts count, its personal fields are not kept.
                latest[order.Key] = (OrderRowsParticipant.Anonymise(stored.Order), stored.RawRef);
            }
            else if (flagged.Contains(order.Key) && !customer.Flags.Contains(CustomerFlags.ErasedIdentifier))
            {
                customer = customer with { Flags = [.. customer.Flags, CustomerFlags.ErasedIdentifier] };
                set.Customers[customerId] = customer;
                set.DirtyCustomers.Add(customerId);
            }

            var isFirst = outcome == ApplyOutcome.Created && hadOrders is null && customer.Orders.Count(o => o.Counts) == 1 && order.Counts;
            results.Add(new IngestedOrder(order, customerId, outcome, isFirst, customer.Find(order.Key)?.Counts ?? order.Counts));
        }

        return results;
    }

    /// <summary>Reports snapshots stale only when the batch changed something (a redelivery keeps them current).</summary>
    private Task TouchIfChangedAsync(List<IngestedOrder> results, CancellationToken cancellationToken) =>
        results.Any(r => r.Outcome != ApplyOutcome.Unchanged) ? snapshots.TouchAsync(cancellationToken) : Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderKey} carries an erased customer's identifier: kept without personal fields, customer flagged erased-identifier")]
    private static partial void LogErasedIdentifier(ILogger logger, string orderKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest attempt {Attempt} of {Count} orders lost a race ({Reason}); re-reading")]
    private static partial void LogConflict(ILogger logger, int attempt, int count, string reason);
}
