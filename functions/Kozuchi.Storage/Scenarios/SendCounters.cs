using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// The global frequency cap's counters: PK = customer, RK = channel:period:customer. A row keeps the idempotency keys it
/// counted (a few per period), so reserving the same send again — a re-run after a crash — is not counted twice.
/// </summary>
/// <remarks>
/// The customer is repeated in the row key because Azurite finds a row by its row key before it filters on the
/// partition: with format 1 (<c>channel:period</c>, the same for every customer) each counter read scanned every
/// customer's counter of the period. A format-1 row of the current period is still read and updated where it is.
/// </remarks>
public sealed class SendCounters(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.SendCounters);

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
        var pk = TableKeys.Escape(customerId);
        // A format-1 row of the period is not looked for here: only in the period of the upgrade can it count twice.
        if (likelyFirst && limit >= 1)
        {
            try
            {
                await _table.AddEntityAsync(new TableEntity(pk, Row(pk, channel, periodKey)) { ["Keys"] = idempotencyKey, ["Count"] = 1 }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var (row, rk) = await ReadAsync(customerId, channel, periodKey, cancellationToken).ConfigureAwait(false);
            var keys = row.HasValue && row.Value!.GetString("Keys") is { Length: > 0 } k ? k.Split('\n').ToList() : [];
            if (keys.Contains(idempotencyKey))
            {
                return true;
            }

            if (keys.Count >= limit)
            {
                return false;
            }

            keys.Add(idempotencyKey);
            var entity = new TableEntity(pk, rk) { ["Keys"] = string.Join('\n', keys), ["Count"] = keys.Count };
            try
            {
                if (row.HasValue)
                {
                    await _table.UpdateEntityAsync(entity, row.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 8)
            {
            }
        }
    }

    public async Task<int> CountAsync(string customerId, Channel channel, string periodKey, CancellationToken cancellationToken)
    {
        var (row, _) = await ReadAsync(customerId, channel, periodKey, cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetInt32("Count") ?? 0 : 0;
    }

    private static string Row(string partition, Channel channel, string periodKey) => $"{channel.Code()}:{periodKey}:{partition}";

    /// <summary>The period's counter and its row key: format 2, else a format-1 row, else absent (format 2 is written).</summary>
    private async Task<(NullableResponse<TableEntity> Row, string RowKey)> ReadAsync(string customerId, Channel channel, string periodKey, CancellationToken cancellationToken)
    {
        var pk = TableKeys.Escape(customerId);
        var legacy = $"{channel.Code()}:{periodKey}";
        var rk = Row(pk, channel, periodKey);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row.HasValue)
        {
            return (row, rk);
        }

        var old = await _table.GetEntityIfExistsAsync<TableEntity>(pk, legacy, cancellationToken: cancellationToken).ConfigureAwait(false);
        return old.HasValue ? (old, legacy) : (row, rk);
    }
}
