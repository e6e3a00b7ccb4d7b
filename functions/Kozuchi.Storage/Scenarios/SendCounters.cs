using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>A counter as read: the idempotency keys counted in the period, and the ETag of its bucket row (null: no bucket row yet).</summary>
public sealed record SendCounter(string CustomerId, Channel Channel, string PeriodKey, IReadOnlyList<string> Keys, ETag? ETag);

/// <summary>
/// The global frequency cap's counters, one row per customer, channel and period that keeps the idempotency keys it
/// counted (a few per period), so reserving the same send again — a re-run after a crash — is not counted twice.
/// </summary>
/// <remarks>
/// Counters live beside the customer's enrollments and guards in the customer's bucket of <c>KozuchiEnrollments</c>
/// (<see cref="EnrollmentLayout.Buckets"/>, RK <c>{customer}|~c~{channel}:{period}</c>), so the engine reserves them in
/// the same entity group transaction that saves the state that decided the send. Counters written before are in
/// <c>KozuchiSendCounters</c> (PK = customer, RK <c>channel:period:customer</c>; format 1: <c>channel:period</c>, the same
/// for every customer, which made each read a scan in Azurite): read when the bucket has no row for the period, and
/// carried into the bucket row by the next reservation. A new enrollment's first reservation of a period inserts the
/// bucket row without reading, so in the period of the upgrade an older counter can be counted beside it once.
/// </remarks>
public sealed class SendCounters(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Enrollments);
    private readonly TableClient _legacy = clients.Table(StorageCatalog.Tables.SendCounters);

    private static (string Pk, string Rk) Where(string customerId, Channel channel, string periodKey) =>
        (EnrollmentStore.BucketPartition(customerId), EnrollmentStore.CustomerPrefix(customerId) + EnrollmentStore.GuardPrefix + "c~" + channel.Code() + ":" + periodKey);

    /// <summary>True when the send fits under the cap (and is now counted), false when the period is full.</summary>
    public Task<bool> TryReserveAsync(string customerId, Channel channel, string periodKey, int limit, string idempotencyKey, CancellationToken cancellationToken) =>
        TryReserveAsync(customerId, channel, periodKey, limit, idempotencyKey, false, cancellationToken);

    /// <summary>
    /// As above. <paramref name="likelyFirst"/>: the caller expects no row for the period yet (a customer just entering a
    /// dormant scenario), so the row is inserted without reading it first; an existing row fails the insert and the
    /// reservation goes the read-modify-write way.
    /// </summary>
    public async Task<bool> TryReserveAsync(string customerId, Channel channel, string periodKey, int limit, string idempotencyKey, bool likelyFirst, CancellationToken cancellationToken)
    {
        if (likelyFirst && limit >= 1)
        {
            try
            {
                await _table.AddEntityAsync(Reserve(new SendCounter(customerId, channel, periodKey, [], null), idempotencyKey).Entity, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var counter = await ReadAsync(customerId, channel, periodKey, cancellationToken).ConfigureAwait(false);
            if (counter.Keys.Contains(idempotencyKey))
            {
                return true;
            }

            if (counter.Keys.Count >= limit)
            {
                return false;
            }

            var action = Reserve(counter, idempotencyKey);
            try
            {
                if (action.ActionType == TableTransactionActionType.Add)
                {
                    await _table.AddEntityAsync(action.Entity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 8)
            {
            }
        }
    }

    /// <summary>
    /// The write that counts <paramref name="idempotencyKey"/> on top of <paramref name="counter"/>, for a transaction in
    /// the customer's bucket: Add when the bucket has no row (an older counter's keys are carried over), else Replace
    /// If-Match. The caller checks the limit.
    /// </summary>
    public static TableTransactionAction Reserve(SendCounter counter, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(counter);
        return Write(counter.Keys.Contains(idempotencyKey) ? counter : counter with { Keys = [.. counter.Keys, idempotencyKey] });
    }

    /// <summary>The counter with exactly its <see cref="SendCounter.Keys"/>: Add when it has no bucket row yet, else Replace If-Match on the ETag it was read with.</summary>
    public static TableTransactionAction Write(SendCounter counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        var (pk, rk) = Where(counter.CustomerId, counter.Channel, counter.PeriodKey);
        var entity = new TableEntity(pk, rk) { ["Keys"] = string.Join('\n', counter.Keys), ["Count"] = counter.Keys.Count };
        return counter.ETag is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
    }

    public async Task<int> CountAsync(string customerId, Channel channel, string periodKey, CancellationToken cancellationToken) =>
        (await ReadAsync(customerId, channel, periodKey, cancellationToken).ConfigureAwait(false)).Keys.Count;

    /// <summary>The period's counter: the bucket row, else an older row (format 2, then format 1), else empty.</summary>
    public async Task<SendCounter> ReadAsync(string customerId, Channel channel, string periodKey, CancellationToken cancellationToken)
    {
        var (pk, rk) = Where(customerId, channel, periodKey);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row.HasValue)
        {
            return new SendCounter(customerId, channel, periodKey, Keys(row.Value!), row.Value!.ETag);
        }

        var legacyPk = TableKeys.Escape(customerId);
        foreach (var legacyRk in new[] { $"{channel.Code()}:{periodKey}:{legacyPk}", $"{channel.Code()}:{periodKey}" })
        {
            var old = await _legacy.GetEntityIfExistsAsync<TableEntity>(legacyPk, legacyRk, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (old.HasValue)
            {
                return new SendCounter(customerId, channel, periodKey, Keys(old.Value!), null);
            }
        }

        return new SendCounter(customerId, channel, periodKey, [], null);
    }

    private static List<string> Keys(TableEntity e) => e.GetString("Keys") is { Length: > 0 } k ? [.. k.Split('\n')] : [];
}
