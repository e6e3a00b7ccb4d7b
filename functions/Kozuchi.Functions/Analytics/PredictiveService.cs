using Kozuchi.Core.Common;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Analytics;

/// <summary>Today's predictive report: from the precomputed report set when it is on, else computed from the tables (and the predictions stored).</summary>
public sealed class PredictiveService(ReportSets reportSets, CustomerStore store, ProfileSnapshots snapshots, CustomerPredictionStore predictions, ShopTime shop, ShopCurrency shopCurrency, TimeProvider time)
{
    public async Task<PredictiveReport> TodayAsync(CancellationToken cancellationToken)
    {
        if (await reportSets.PredictiveForDayAsync(null, cancellationToken).ConfigureAwait(false) is { } precomputed)
        {
            return precomputed;
        }

        // The marker before the scan: predictions stored under it are handed out only while nothing changed since.
        var marker = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        var today = shop.Today(time.GetUtcNow());
        var rows = await PredictiveRows.ScanAsync(store, today, shop, ReportSets.PassParallelism, shopCurrency.Code, cancellationToken).ConfigureAwait(false);
        var result = PredictivePass.Compute(today, rows, shop, predictions.Thresholds, shopCurrency.Code);
        await predictions.StoreAsync(result.Predictions, marker, cancellationToken).ConfigureAwait(false);
        return result.Report;
    }
}
