using System.Globalization;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Analytics;

/// <summary>KPIs and targets, cohorts, entry products, product conversion and basket: what the dashboard's pages read.</summary>
public static class AnalyticsFunctions
{
    public static FunctionRegistry AddAnalyticsFunctions(this FunctionRegistry registry) =>
        registry
            .Http("ReportKpis", "GET", "reports/kpis", KpisAsync)
            .Http("ReportTargets", "GET", "reports/targets", TargetsAsync)
            .Http("ReportTargetsSet", "PUT", "reports/targets", SetTargetsAsync)
            .Http("ReportCohorts", "GET", "reports/cohorts", CohortsAsync)
            .Http("ReportProductsEntry", "GET", "reports/products/entry", EntryAsync)
            .Http("ReportProductsConversion", "GET", "reports/products/conversion", ConversionAsync)
            .Http("ReportProductsBasket", "GET", "reports/products/basket", BasketAsync);

    public static IServiceCollection AddAnalytics(this IServiceCollection services)
    {
        services.AddSingleton<KpiTargetStore>();
        services.AddSingleton<AnalyticsService>();
        return services;
    }

    /// <summary>Cohorts and media; LTVs in <see cref="Currency"/>, other currencies' listed apart in each row.</summary>
    public sealed record CohortReport(DateOnly AsOf, IReadOnlyList<Cohort> Cohorts, IReadOnlyList<AcquisitionGroup> ByMedium, string Currency = Currencies.Default);

    /// <summary>Report rows; any money in them is in <see cref="Currency"/> (the base currency unless asked for another).</summary>
    public sealed record RowsReport<T>(DateOnly AsOf, IReadOnlyList<T> Rows, string Currency = Currencies.Default);

    public sealed record ConversionReport(DateOnly AsOf, IReadOnlyList<ProductConversion> Rows, DaysToSecondPurchase DaysToSecond);

    public sealed record TargetInput(string Kpi, string Month, double? Value);

    private const string AsOfError = "asOf is a date YYYY-MM-DD.";

    internal static async Task<Results<Ok<KpiReport>, BadRequest<string>>> KpisAsync(AnalyticsService analytics, string? asOf, string? from, string? currency, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(asOf, out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        if (!analytics.TryCurrency(currency, out var c))
        {
            return TypedResults.BadRequest(ReportService.CurrencyError);
        }

        DateOnly? start = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (!TryMonth(from, out var m))
            {
                return TypedResults.BadRequest("from is a month YYYY-MM.");
            }

            start = m;
        }

        return TypedResults.Ok(await analytics.KpisAsync(day, start, cancellationToken, c));
    }

    internal static async Task<Ok<IReadOnlyList<KpiTarget>>> TargetsAsync(KpiTargetStore targets, CancellationToken cancellationToken) =>
        TypedResults.Ok(await targets.ListAsync(cancellationToken));

    /// <summary>Sets targets: <c>[{kpi, month, value}]</c>; a null value removes that target.</summary>
    internal static async Task<Results<Ok<IReadOnlyList<KpiTarget>>, BadRequest<string>>> SetTargetsAsync(KpiTargetStore targets, IReadOnlyList<TargetInput>? body, CancellationToken cancellationToken)
    {
        if (body is null || body.Count is 0 or > 500)
        {
            return TypedResults.BadRequest("Send 1–500 targets as [{\"kpi\": …, \"month\": \"YYYY-MM\", \"value\": …}].");
        }

        foreach (var t in body)
        {
            if (t is null || !KpiNames.All.Contains(t.Kpi ?? string.Empty) || !TryMonth(t.Month, out _) || t.Value is { } v && (!double.IsFinite(v) || v < 0))
            {
                return TypedResults.BadRequest($"Each target needs a kpi ({string.Join(", ", KpiNames.All)}), a month YYYY-MM and a value ≥ 0 (null removes it).");
            }
        }

        await targets.SetAsync(body.Select(t => (t.Kpi, t.Month, t.Value)), cancellationToken);
        return TypedResults.Ok(await targets.ListAsync(cancellationToken));
    }

    internal static async Task<Results<Ok<CohortReport>, BadRequest<string>>> CohortsAsync(AnalyticsService analytics, string? asOf, string? currency, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(asOf, out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        if (!analytics.TryCurrency(currency, out var c))
        {
            return TypedResults.BadRequest(ReportService.CurrencyError);
        }

        if (await analytics.ReportSetAsync(day, c, cancellationToken) is { } set)
        {
            return TypedResults.Ok(new CohortReport(set.AsOf, set.Cohorts, set.ByMedium, set.Currency));
        }

        var (d, histories) = await analytics.HistoriesAsync(day, cancellationToken);
        return TypedResults.Ok(new CohortReport(d, Cohorts.ByFirstMonth(histories, d, c), Cohorts.ByMedium(histories, d, c), c));
    }

    internal static async Task<Results<Ok<RowsReport<AcquisitionGroup>>, BadRequest<string>>> EntryAsync(AnalyticsService analytics, string? asOf, string? currency, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(asOf, out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        if (!analytics.TryCurrency(currency, out var c))
        {
            return TypedResults.BadRequest(ReportService.CurrencyError);
        }

        if (await analytics.ReportSetAsync(day, c, cancellationToken) is { } set)
        {
            return TypedResults.Ok(new RowsReport<AcquisitionGroup>(set.AsOf, set.ByEntryProduct, set.Currency));
        }

        var (d, histories) = await analytics.HistoriesAsync(day, cancellationToken);
        return TypedResults.Ok(new RowsReport<AcquisitionGroup>(d, Cohorts.ByEntryProduct(histories, d, c), c));
    }

    internal static async Task<Results<Ok<ConversionReport>, BadRequest<string>>> ConversionAsync(AnalyticsService analytics, string? asOf, bool? firstToSecond, int? minCount, int? top, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(asOf, out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        var min = Math.Max(1, minCount ?? 1);
        var take = Math.Clamp(top ?? 100, 1, 10_000);

        // The set keeps every pair (min count 1) in the report's order, so a higher minimum is a filter of it.
        if (firstToSecond != true && await analytics.ReportSetAsync(day, cancellationToken) is { } set)
        {
            return TypedResults.Ok(new ConversionReport(set.AsOf, [.. set.Conversions.Where(c => c.Count >= min).Take(take)], set.DaysToSecond));
        }

        var (d, histories) = await analytics.HistoriesAsync(day, cancellationToken);
        var rows = ProductAnalyses.Conversions(histories, firstToSecond ?? false, min);
        return TypedResults.Ok(new ConversionReport(d, [.. rows.Take(take)], ProductAnalyses.DaysToSecond(histories)));
    }

    internal static async Task<Results<Ok<RowsReport<BasketPair>>, BadRequest<string>>> BasketAsync(AnalyticsService analytics, string? asOf, int? minOrders, int? top, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(asOf, out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        var min = Math.Max(1, minOrders ?? 1);
        var take = Math.Clamp(top ?? 100, 1, 10_000);
        if (await analytics.ReportSetAsync(day, cancellationToken) is { } set)
        {
            return TypedResults.Ok(new RowsReport<BasketPair>(set.AsOf, [.. set.Basket.Where(b => b.Orders >= min).Take(take)]));
        }

        var (d, histories) = await analytics.HistoriesAsync(day, cancellationToken);
        var rows = ProductAnalyses.Basket(histories, min);
        return TypedResults.Ok(new RowsReport<BasketPair>(d, [.. rows.Take(take)]));
    }

    internal static bool TryMonth(string? text, out DateOnly month)
    {
        var ok = DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month);
        return ok && text!.Length == 7;
    }
}

/// <summary>Folds the customer table into analysis histories for a day (default: today in the shop's zone).</summary>
public sealed class AnalyticsService(CustomerStore store, KpiTargetStore targets, ReportSets reportSets, ReportService reports, ShopTime shopTime, TimeProvider time)
{
    /// <summary>Today's precomputed set when <paramref name="asOf"/> is today (or unset), else null: compute from the tables.</summary>
    public Task<ReportSet?> ReportSetAsync(DateOnly? asOf, CancellationToken cancellationToken) => reportSets.ForDayAsync(asOf, cancellationToken);

    /// <summary>As <see cref="ReportSetAsync(DateOnly?, CancellationToken)"/>, for a report in <paramref name="currency"/>: the set holds the base currency's.</summary>
    public Task<ReportSet?> ReportSetAsync(DateOnly? asOf, string currency, CancellationToken cancellationToken) =>
        currency == reports.BaseCurrency ? reportSets.ForDayAsync(asOf, cancellationToken) : Task.FromResult<ReportSet?>(null);

    /// <inheritdoc cref="ReportService.TryCurrency"/>
    public bool TryCurrency(string? text, out string currency) => reports.TryCurrency(text, out currency);

    public async Task<(DateOnly AsOf, IReadOnlyList<CustomerHistory> Histories)> HistoriesAsync(DateOnly? asOf, CancellationToken cancellationToken)
    {
        var day = asOf ?? shopTime.Today(time.GetUtcNow());
        var histories = new List<CustomerHistory>();
        await foreach (var record in store.ScanRecordsAsync(cancellationToken))
        {
            if (CustomerHistory.Of(record, day, shopTime) is { } history)
            {
                histories.Add(history);
            }
        }

        return (day, histories);
    }

    /// <summary>KPIs with money in <paramref name="currency"/> (the base currency by default); targets apply to the base currency's figures.</summary>
    public async Task<KpiReport> KpisAsync(DateOnly? asOf, DateOnly? from, CancellationToken cancellationToken, string? currency = null)
    {
        var c = currency ?? reports.BaseCurrency;
        var goals = c == reports.BaseCurrency ? await targets.ListAsync(cancellationToken) : [];

        // Targets change without touching customers: they are applied to the set's months on every request.
        if (from is null && await ReportSetAsync(asOf, c, cancellationToken) is { } set)
        {
            return new KpiReport(set.AsOf, set.Months, MonthlyKpis.Progress(set.Months, goals), set.Currency);
        }

        var (day, histories) = await HistoriesAsync(asOf, cancellationToken);
        return MonthlyKpis.Compute(histories, day, goals, from, c);
    }
}
