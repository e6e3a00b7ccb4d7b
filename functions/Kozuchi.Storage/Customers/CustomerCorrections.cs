using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Customers;

/// <summary>What a correction did: the customer corrected and the one the orders went to, or why nothing changed.</summary>
public sealed record CorrectionResult(string CustomerId, string? OtherCustomerId, string? Refusal)
{
    public bool Done => Refusal is null;
}

/// <summary>
/// The shop's corrections to identity resolution: undo a merge, or split orders off a customer they were wrongly
/// attached to. Decided by the pure <see cref="CustomerLedger"/> on the rows it needs, saved with ETags, retried when
/// an order for the same customer lands meanwhile.
/// </summary>
public sealed partial class CustomerCorrections(CustomerStore store, ProfileSnapshots snapshots, TimeProvider time, ILogger<CustomerCorrections> logger, CustomerSearchIndex? search = null)
{
    private const int MaxAttempts = 8;

    public Task<CorrectionResult> UnmergeAsync(string survivorId, string mergedId, CancellationToken cancellationToken) =>
        CorrectAsync(survivorId, (set, orders, now) => CustomerLedger.Unmerge(set, survivorId, mergedId, orders, now) ? mergedId : null,
            $"{mergedId} is not merged into {survivorId}.", cancellationToken);

    public Task<CorrectionResult> SplitAsync(string customerId, IReadOnlySet<OrderKey> orders, CancellationToken cancellationToken) =>
        CorrectAsync(customerId, (set, all, now) => CustomerLedger.Split(set, customerId, orders, all, now),
            "The orders to split off must be some, but not all, of the customer's orders.", cancellationToken);

    private async Task<CorrectionResult> CorrectAsync(string customerId, Func<IngestWorkingSet, IReadOnlyCollection<Order>, DateTimeOffset, string?> decide, string refusal, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var record = await store.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
            if (record is not { State: CustomerState.Active })
            {
                return new CorrectionResult(customerId, null, $"No active customer {customerId}.");
            }

            var orders = new List<Order>(record.Orders.Count);
            foreach (var summary in record.Orders)
            {
                orders.Add(await store.GetOrderAsync(summary.Key, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Order row {summary.Key} of customer {customerId} is missing."));
            }

            var session = CustomerStore.NewSession();
            try
            {
                await store.LoadAsync(session, orders, cancellationToken).ConfigureAwait(false);
                await store.LoadCustomersAsync(session, [customerId, .. record.Merges.Select(m => m.MergedCustomerId)], cancellationToken).ConfigureAwait(false);
                var names = CustomerSearchIndex.Before(session.Set);
                var other = decide(session.Set, orders, time.GetUtcNow());
                if (other is null)
                {
                    return new CorrectionResult(customerId, null, refusal);
                }

                // The separated customer takes the names of its orders: customer search finds it by them.
                if (search is not null)
                {
                    await search.IndexChangesAsync(session.Set, names, orders, cancellationToken).ConfigureAwait(false);
                }

                await store.SaveAsync(session, new Dictionary<OrderKey, (Order, string?)>(), cancellationToken).ConfigureAwait(false);
                await snapshots.TouchAsync(cancellationToken).ConfigureAwait(false);
                LogCorrected(logger, customerId, other, attempt);
                return new CorrectionResult(customerId, other, null);
            }
            catch (WriteConflictException) when (attempt < MaxAttempts)
            {
                // An order for one of them landed meanwhile: read again and decide on the new state.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId}: orders separated into {OtherCustomerId} (attempt {Attempt})")]
    private static partial void LogCorrected(ILogger logger, string customerId, string otherCustomerId, int attempt);
}
