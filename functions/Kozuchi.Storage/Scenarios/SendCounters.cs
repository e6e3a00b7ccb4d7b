using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// The global frequency cap's counters: PK = customer, RK = channel:period. A row keeps the idempotency keys it counted
/// (a few per period), so reserving the same send again — a re-run after a crash — is not counted twice.
/// </summary>
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
        var rk = $"{channel.Code()}:{periodKey}";
        if (likelyFirst && limit >= 1)
        {
            try
            {
                await _table.AddEntityAsync(new TableEntity(pk, rk) { ["Keys"] = idempotencyKey, ["Count"] = 1 }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
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
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(customerId), $"{channel.Code()}:{periodKey}", cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetInt32("Count") ?? 0 : 0;
    }
}
