using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Customers;

/// <summary>An order as it arrived, with the stored raw payload it came from (for replay and audit).</summary>
public sealed record IncomingOrder(Order Order, string? RawRef);

/// <summary>What one order did: scenarios start from these (first order, any order, cancellation).</summary>
public sealed record IngestedOrder(Order Order, string CustomerId, ApplyOutcome Outcome, bool IsFirstOrder);

public sealed record IngestResult(IReadOnlyList<IngestedOrder> Orders, int Attempts)
{
    public int Created => Orders.Count(o => o.Outcome == ApplyOutcome.Created);
    public int Updated => Orders.Count(o => o.Outcome == ApplyOutcome.Updated);
    public int Unchanged => Orders.Count(o => o.Outcome == ApplyOutcome.Unchanged);
}

/// <summary>
/// Applies a batch of orders to the customer tables: load, decide with the pure <see cref="CustomerLedger"/>, save
/// with ETags, and on a lost race reload and decide again. Safe to run twice on the same batch.
/// </summary>
public sealed partial class OrderIngestor(CustomerStore store, ProfileSnapshots snapshots, TimeProvider time, ILogger<OrderIngestor> logger)
{
    private const int MaxAttempts = 8;

    public async Task<IngestResult> IngestAsync(IReadOnlyCollection<IncomingOrder> incoming, CustomerStore.Session? bulk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incoming);

        // The same order twice in one batch: only its newest version matters.
        var latest = incoming.GroupBy(i => i.Order.Key)
            .Select(g => g.OrderByDescending(i => i.Order.UpdatedAt).First())
            .ToDictionary(i => i.Order.Key, i => (i.Order, i.RawRef));
        var ordered = latest.Values.Select(v => v.Order).OrderBy(o => o.OrderedAt).ThenBy(o => o.Key.ToString(), StringComparer.Ordinal).ToList();

        for (var attempt = 1; ; attempt++)
        {
            // The bulk session is used for the first attempt only; a conflict means someone else wrote, so re-read points.
            var session = attempt == 1 && bulk is not null ? bulk : CustomerStore.NewSession();
            try
            {
                await store.LoadAsync(session, ordered, cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var results = new List<IngestedOrder>(ordered.Count);
                foreach (var order in ordered)
                {
                    var hadOrders = session.Set.OrdersByKey.TryGetValue(order.Key, out var before) ? before.CustomerId : null;
                    var outcome = CustomerLedger.Apply(session.Set, order, now);
                    var customerId = session.Set.OrdersByKey[order.Key].CustomerId;
                    var customer = session.Set.Customers[customerId];
                    var isFirst = outcome == ApplyOutcome.Created && hadOrders is null && customer.Orders.Count(o => o.Counts) == 1 && order.Counts;
                    results.Add(new IngestedOrder(order, customerId, outcome, isFirst));
                }

                await store.SaveAsync(session, latest, cancellationToken).ConfigureAwait(false);
                if (results.Any(r => r.Outcome != ApplyOutcome.Unchanged))
                {
                    await snapshots.TouchAsync(cancellationToken).ConfigureAwait(false);
                }

                if (bulk is not null && !ReferenceEquals(session, bulk))
                {
                    CustomerStore.Absorb(bulk, session);
                }

                return new IngestResult(results, attempt);
            }
            catch (WriteConflictException ex) when (attempt < MaxAttempts)
            {
                LogConflict(logger, attempt, ordered.Count, ex.Message);
                session.Set.ClearDirty();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest attempt {Attempt} of {Count} orders lost a race ({Reason}); re-reading")]
    private static partial void LogConflict(ILogger logger, int attempt, int count, string reason);
}
