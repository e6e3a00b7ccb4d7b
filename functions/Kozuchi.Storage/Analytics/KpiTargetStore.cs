using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Analytics;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Analytics;

/// <summary>KPI targets set by the shop, one row per month and KPI; a handful of rows, read whole.</summary>
public sealed class KpiTargetStore(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Targets);

    public async Task<IReadOnlyList<KpiTarget>> ListAsync(CancellationToken cancellationToken)
    {
        var targets = new List<KpiTarget>();
        await foreach (var e in _table.QueryAsync<TableEntity>(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.GetDouble("Value") is { } value)
            {
                targets.Add(new KpiTarget(e.RowKey, e.PartitionKey, value));
            }
        }

        return [.. targets.OrderBy(t => t.Month, StringComparer.Ordinal).ThenBy(t => t.Kpi, StringComparer.Ordinal)];
    }

    /// <summary>Sets each target (replacing the month's earlier value for that KPI); a null value removes it.</summary>
    public async Task SetAsync(IEnumerable<(string Kpi, string Month, double? Value)> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        foreach (var month in targets.GroupBy(t => t.Month, StringComparer.Ordinal))
        {
            var latest = month.GroupBy(t => t.Kpi, StringComparer.Ordinal).Select(g => g.Last()).ToList();
            // One partition per month: a month's targets change in one transaction.
            var upserts = latest.Where(t => t.Value is not null)
                .Select(t => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(t.Month, t.Kpi) { ["Value"] = t.Value!.Value }))
                .ToList();
            if (upserts.Count > 0)
            {
                await _table.SubmitTransactionAsync(upserts, cancellationToken).ConfigureAwait(false);
            }

            // A delete of a missing row would fail a whole batch; one by one, a missing row is simply done.
            foreach (var removed in latest.Where(t => t.Value is null))
            {
                await _table.DeleteEntityAsync(removed.Month, removed.Kpi, ETag.All, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
