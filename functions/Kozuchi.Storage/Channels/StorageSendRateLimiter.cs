using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Channels;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Channels;

/// <summary>
/// The send budget shared by every instance: one table row per resource and clock-aligned window, counted up under
/// its ETag. Two instances racing for the last slot both read N, one writes N+1, the other gets 412 and reads again,
/// so the budget is never overspent. Old windows are dead rows; they are tiny and a later sweep may drop them.
/// </summary>
public sealed class StorageSendRateLimiter(StorageClients clients, TimeProvider time) : ISendRateLimiter
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.SendBudget);

    public async ValueTask<RateDecision> TryAcquireAsync(string resource, RateLimit limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var pk = TableKeys.Escape(resource);
        // Every lost race means another instance took a slot of the same window, so within one window a caller can
        // lose at most Limit times before it sees the budget spent; a window turning over mid-loop allows one more round.
        var maxAttempts = (2 * limit.Limit) + 2;
        for (var attempt = 0; attempt < maxAttempts; attempt++)
        {
            var now = time.GetUtcNow();
            var rk = limit.WindowStart(now).UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, ["Count"], cancellationToken).ConfigureAwait(false);
            var count = row.HasValue ? row.Value!.GetInt32("Count") ?? 0 : 0;
            if (count >= limit.Limit)
            {
                return RateDecision.Wait(limit.UntilNextWindow(now));
            }

            var entity = new TableEntity(pk, rk) { ["Count"] = count + 1 };
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

                return RateDecision.Grant;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another instance took a slot first: count again.
            }
        }

        // Unreachable in practice (see above); never overspend.
        return RateDecision.Wait(TimeSpan.FromSeconds(1));
    }
}
