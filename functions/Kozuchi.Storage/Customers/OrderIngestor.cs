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
    /// <summary>Decisions made again because another writer changed a row they needed (only those orders go round again).</summary>
    public int Retried { get; init; }

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
public sealed partial class OrderIngestor(CustomerStore store, ProfileSnapshots snapshots, TimeProvider time, ILogger<OrderIngestor> logger, ErasedIdentifiers? erased = null, IIngestProbe? probe = null, CustomerSearchIndex? search = null)
{
    private const int MaxAttempts = 12;

    public async Task<IngestResult> IngestAsync(IReadOnlyCollection<IncomingOrder> incoming, CustomerStore.Session? bulk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incoming);

        var (screened, flagged) = await ScreenAsync(incoming, cancellationToken).ConfigureAwait(false);
        var (latest, ordered) = Latest(screened);
        var decided = new Dictionary<OrderKey, IngestedOrder>();
        var pending = ordered;

        // Orders whose row a write proved to exist: their rows are read on the next attempt.
        var existing = new HashSet<OrderKey>();
        var retried = 0;

        for (var attempt = 1; ; attempt++)
        {
            // The bulk session is used for the first attempt only; a conflict means someone else wrote, so re-read points.
            var session = attempt == 1 && bulk is not null ? bulk : CustomerStore.NewCachedSession();
            try
            {
                await store.LoadAsync(session, pending, cancellationToken, existing).ConfigureAwait(false);
                var names = search is null ? null : CustomerSearchIndex.Before(session.Set);
                if (session.Preloaded)
                {
                    // A preloaded session holds the whole tables: it is written as a whole, and a lost race retries on points.
                    var all = Decide(session.Set, pending, latest, flagged, time.GetUtcNow(), null);
                    await IndexAsync(session.Set, names, pending, cancellationToken).ConfigureAwait(false);
                    await store.SaveAsync(session, latest, cancellationToken).ConfigureAwait(false);
                    await TouchIfChangedAsync(all, cancellationToken).ConfigureAwait(false);
                    CustomerStore.Freeze(session);
                    return new IngestResult(all, attempt);
                }

                // Point reads: only the orders whose rows another writer changed meanwhile go round again.
                var effects = new List<CustomerStore.OrderEffects>(pending.Count);
                var results = Decide(session.Set, pending, latest, flagged, time.GetUtcNow(), effects);
                await IndexAsync(session.Set, names, pending, cancellationToken).ConfigureAwait(false);
                if (probe is not null)
                {
                    await probe.DecidedAsync(cancellationToken).ConfigureAwait(false);
                }
                var blocked = await store.SavePartialAsync(session, latest, effects, cancellationToken).ConfigureAwait(false);
                existing.UnionWith(session.ExistingOrders);
                foreach (var r in results.Where(r => !blocked.Contains(r.Order.Key)))
                {
                    decided[r.Order.Key] = r;
                }

                if (bulk is not null)
                {
                    CustomerStore.Absorb(bulk, session);
                }

                if (blocked.Count == 0)
                {
                    var final = ordered.Select(o => decided[o.Key]).ToList();
                    await TouchIfChangedAsync(final, cancellationToken).ConfigureAwait(false);
                    if (bulk is not null)
                    {
                        CustomerStore.Freeze(bulk);
                    }

                    return new IngestResult(final, attempt) { Retried = retried };
                }

                if (attempt >= MaxAttempts)
                {
                    await TouchIfChangedAsync([.. decided.Values], cancellationToken).ConfigureAwait(false);
                    throw new WriteConflictException($"{blocked.Count} of {ordered.Count} orders lost {attempt} write races in a row.");
                }

                LogConflict(logger, attempt, blocked.Count, ordered.Count);
                pending = [.. pending.Where(o => blocked.Contains(o.Key))];
                store.Forget(session, pending.Where(o => session.Implicated.Contains(o.Key)));
                retried += pending.Count;
            }
            catch (WriteConflictException ex) when (session.Preloaded && attempt < MaxAttempts)
            {
                LogBulkConflict(logger, attempt, ordered.Count, ex.Message);
                session.Set.ClearDirty();
                pending = ordered;
                retried += pending.Count;
            }

            // Concurrent batches that share customers would collide again at once: back off, growing and jittered,
            // so one of them wins. This is contention backoff on the wall clock, not domain time.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
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
        var names = search is null ? null : CustomerSearchIndex.Before(bulk.Set);
        var results = Decide(bulk.Set, ordered, latest, flagged, time.GetUtcNow(), null);
        await IndexAsync(bulk.Set, names, ordered, cancellationToken).ConfigureAwait(false);
        await store.SaveNewOrdersAsync(bulk, latest, cancellationToken).ConfigureAwait(false);
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

    /// <param name="effects">When given (a point-read or cached session), what each order's decision changed is added to it.</param>
    private static List<IngestedOrder> Decide(IngestWorkingSet set, List<Order> ordered, Dictionary<OrderKey, (Order Order, string? RawRef)> latest, HashSet<OrderKey> flagged, DateTimeOffset now, List<CustomerStore.OrderEffects>? effects)
    {
        var results = new List<IngestedOrder>(ordered.Count);
        var journal = effects is null ? null : new EffectsJournal(set);
        try
        {
            foreach (var order in ordered)
            {
                var outcome = CustomerLedger.Apply(set, order, now);
                var customerId = set.OrdersByKey[order.Key].CustomerId;
                var customer = set.Customers[customerId];
                if (customer.State == CustomerState.Erased && latest.TryGetValue(order.Key, out var kept))
                {
                    // A later version of an erased customer's order (a refund): its amounts count, its personal fields are not kept.
                    latest[order.Key] = (OrderRowsParticipant.Anonymise(kept.Order), kept.RawRef);
                }
                else if (flagged.Contains(order.Key) && !customer.Flags.Contains(CustomerFlags.ErasedIdentifier))
                {
                    customer = customer with { Flags = [.. customer.Flags, CustomerFlags.ErasedIdentifier] };
                    set.Customers[customerId] = customer;
                    set.DirtyCustomers.Add(customerId);
                }

                if (effects is not null)
                {
                    Vouch(set, order);
                }

                // Created means no customer held the order (a row written before an interrupted attempt's customer does not count).
                var isFirst = outcome == ApplyOutcome.Created && customer.Orders.Count(o => o.Counts) == 1 && order.Counts;
                results.Add(new IngestedOrder(order, customerId, outcome, isFirst, customer.Find(order.Key)?.Counts ?? order.Counts));
                if (journal is not null)
                {
                    effects!.Add(journal.Take(order.Key));
                }
            }
        }
        finally
        {
            journal?.Close();
        }

        return results;
    }

    /// <summary>
    /// What each decision changed, told from the keys it marked dirty (every change the ledger makes marks its key):
    /// a marked row whose value differs from what it was before this decision (a new record instance, another owner,
    /// another order row). Only the marked keys are compared, against their value when the previous decision ended.
    /// </summary>
    private sealed class EffectsJournal
    {
        private readonly IngestWorkingSet _set;
        private readonly Dictionary<string, CustomerRecord> _customers;
        private readonly Dictionary<IdentityKey, string> _identities;
        private readonly Dictionary<OrderKey, StoredOrderRef> _orders;

        public EffectsJournal(IngestWorkingSet set)
        {
            _set = set;
            _customers = new Dictionary<string, CustomerRecord>(set.Customers, StringComparer.Ordinal);
            _identities = new Dictionary<IdentityKey, string>(set.Identities);
            _orders = new Dictionary<OrderKey, StoredOrderRef>(set.OrdersByKey);
            set.DirtyCustomers.OpenJournal();
            set.DirtyIdentities.OpenJournal();
            set.DirtyOrders.OpenJournal();
        }

        public CustomerStore.OrderEffects Take(OrderKey order) => new(
            order,
            Changed(_set.DirtyCustomers.TakeJournal(), _set.Customers, _customers, static (a, b) => ReferenceEquals(a, b), StringComparer.Ordinal),
            Changed(_set.DirtyIdentities.TakeJournal(), _set.Identities, _identities, static (a, b) => a == b, EqualityComparer<IdentityKey>.Default),
            Changed(_set.DirtyOrders.TakeJournal(), _set.OrdersByKey, _orders, static (a, b) => a == b, EqualityComparer<OrderKey>.Default));

        public void Close()
        {
            _set.DirtyCustomers.CloseJournal();
            _set.DirtyIdentities.CloseJournal();
            _set.DirtyOrders.CloseJournal();
        }

        private static HashSet<TKey> Changed<TKey, TValue>(IReadOnlyList<TKey> marked, Dictionary<TKey, TValue> now, Dictionary<TKey, TValue> before, Func<TValue, TValue, bool> same, IEqualityComparer<TKey> comparer)
            where TKey : notnull
        {
            var changed = new HashSet<TKey>(comparer);
            foreach (var key in marked)
            {
                if (now.TryGetValue(key, out var value) && (!before.TryGetValue(key, out var was) || !same(was, value)))
                {
                    changed.Add(key);
                    before[key] = value;
                }
            }

            return changed;
        }
    }

    /// <summary>
    /// The customers an order's identifiers (and its row) lead to are all written with If-Match on what was read, even
    /// unchanged: the ledger writes the one it chose and every one it merged, and this adds the ones it only looked at
    /// (the owner of a shared identifier of separated customers). So a decision made on a cached row another writer
    /// changed meanwhile is always refused, never written (docs/INGEST.md, "The ingest cache").
    /// </summary>
    private static void Vouch(IngestWorkingSet set, Order order)
    {
        var owners = IdentityKey.From(order).Select(k => set.Identities.GetValueOrDefault(k)).OfType<string>();
        if (set.OrdersByKey.TryGetValue(order.Key, out var row))
        {
            owners = owners.Append(row.CustomerId);
        }

        foreach (var id in owners.Select(o => CustomerLedger.Resolve(set, o)).ToList())
        {
            if (set.Customers.TryGetValue(id, out var record) && set.DirtyCustomers.Add(id))
            {
                // A new instance, so that the order's effects name it and a refusal sends the order round again.
                set.Customers[id] = record with { };
            }
        }
    }

    /// <summary>Customer search's index gets the names the batch gave its customers (before they are saved: a retry indexes again).</summary>
    private Task IndexAsync(IngestWorkingSet set, IReadOnlyDictionary<string, IReadOnlyCollection<(SearchMatch Kind, string Token)>>? before, List<Order> ordered, CancellationToken cancellationToken) =>
        search is null || before is null ? Task.CompletedTask : search.IndexChangesAsync(set, before, ordered, cancellationToken);

    /// <summary>Reports snapshots stale only when the batch changed something (a redelivery keeps them current).</summary>
    private Task TouchIfChangedAsync(List<IngestedOrder> results, CancellationToken cancellationToken) =>
        results.Any(r => r.Outcome != ApplyOutcome.Unchanged) ? snapshots.TouchAsync(cancellationToken) : Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderKey} carries an erased customer's identifier: kept without personal fields, customer flagged erased-identifier")]
    private static partial void LogErasedIdentifier(ILogger logger, string orderKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest attempt {Attempt}: {Blocked} of {Count} orders lost a race on a row another writer changed; re-reading those")]
    private static partial void LogConflict(ILogger logger, int attempt, int blocked, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest attempt {Attempt} of {Count} orders on a preloaded session lost a race ({Reason}); re-reading points")]
    private static partial void LogBulkConflict(ILogger logger, int attempt, int count, string reason);
}

/// <summary>
/// The seam between an ingest batch's decisions and its writes, where another writer can be made to change a row the
/// batch read (tests); production has none.
/// </summary>
public interface IIngestProbe
{
    /// <summary>A point-read batch (or its retry) has read its rows and decided, and writes nothing yet.</summary>
    ValueTask DecidedAsync(CancellationToken cancellationToken);
}
