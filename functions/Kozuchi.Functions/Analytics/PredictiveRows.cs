using System.Collections.Concurrent;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Analytics;

/// <summary>The rows the predictive reports read, from one scan of the customer table when the report pass has not left them.</summary>
public static class PredictiveRows
{
    /// <summary>
    /// Every customer as of <paramref name="day"/>, in table order (partition, then id), as the report pass orders them;
    /// repeat summaries of the customers whose value is in <paramref name="currency"/>, from their orders in it.
    /// </summary>
    public static async Task<IReadOnlyList<PredictiveRow>> ScanAsync(CustomerStore store, DateOnly day, ShopTime shop, int parallelism, string currency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = new ConcurrentBag<(string Partition, PredictiveRow Row)>();
        await store.ReadAllRecordsAsync((record, profile) => rows.Add((
            CustomerEntities.CustomerPartition(record.CustomerId),
            new PredictiveRow(record.CustomerId, CustomerHistory.Of(record, day, shop), profile, RepeatSummaries.FromCustomers([record], day, shop, ClvReports.DaysPerPeriod, currency)))),
            cancellationToken, parallelism).ConfigureAwait(false);
        return [.. rows.OrderBy(r => r.Partition, StringComparer.Ordinal).ThenBy(r => r.Row.CustomerId, StringComparer.Ordinal).Select(r => r.Row)];
    }
}
