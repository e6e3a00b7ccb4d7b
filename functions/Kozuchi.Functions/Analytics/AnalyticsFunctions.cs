using System.Globalization;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Microsoft.Azure.Functions.Worker;
using static Kozuchi.Functions.Analytics.AnalyticsFunctions;

namespace Kozuchi.Functions.Analytics;

/// <summary>KPIs and targets, cohorts, entry products, product conversion and basket: what the dashboard's pages read.</summary>
public sealed class AnalyticsFunctions(AnalyticsService analytics, KpiTargetStore targets)
{
    /// <summary>Cohorts and media; LTVs in <see cref="Currency"/>, other currencies' listed apart in each row.</summary>
    public sealed record CohortReport(DateOnly AsOf, IReadOnlyList<Cohort> Cohorts, IReadOnlyList<AcquisitionGroup> ByMedium, string Currency = Currencies.Default);

    /// <summary>Report rows; any money in them is in <see cref="Currency"/> (the base currency unless asked for another).</summary>
    public sealed record RowsReport<T>(DateOnly AsOf, IReadOnlyList<T> Rows, string Currency = Currencies.Default);

    public sealed record ConversionReport(DateOnly AsOf, IReadOnlyList<ProductConversion> Rows, DaysToSecondPurchase DaysToSecond);

    public sealed record TargetInput(string Kpi, string Month, double? Value);

    private const string AsOfError = "asOf is a date YYYY-MM-DD.";

    [Function("ReportKpis")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> KpisAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/kpis")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(req.Text("asOf"), out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        if (!analytics.TryCurrency(req.Text("currency"), out var currency))
        {
            return TypedResults.BadRequest(ReportService.CurrencyError);
        }

        DateOnly? start = null;
        if (req.Text("from") is { } from)
        {
            if (!TryMonth(from, out var m))
            {
                return TypedResults.BadRequest("from is a month YYYY-MM.");
            }

            start = m;
        }

        return TypedResults.Ok(await analytics.KpisAsync(day, start, cancellationToken, currency));
    }

    [Function("ReportTargets")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> TargetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/targets")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await targets.ListAsync(cancellationToken));

    /// <summary>Sets targets: <c>[{kpi, month, value}]</c>; a null value removes that target.</summary>
    [Function("ReportTargetsSet")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> SetTargetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "reports/targets")] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await req.ReadJsonAsync<IReadOnlyList<TargetInput>>(cancellationToken);
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

    [Function("ReportCohorts")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> CohortsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/cohorts")] HttpRequest req, CancellationToken cancellationToken) =>
        !ReportService.TryDay(req.Text("asOf"), out var day) ? TypedResults.BadRequest(AsOfError)
        : !analytics.TryCurrency(req.Text("currency"), out var currency) ? TypedResults.BadRequest(ReportService.CurrencyError)
        : TypedResults.Ok(await analytics.CohortsAsync(day, cancellationToken, currency));

    [Function("ReportProductsEntry")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> EntryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/products/entry")] HttpRequest req, CancellationToken cancellationToken) =>
        !ReportService.TryDay(req.Text("asOf"), out var day) ? TypedResults.BadRequest(AsOfError)
        : !analytics.TryCurrency(req.Text("currency"), out var currency) ? TypedResults.BadRequest(ReportService.CurrencyError)
        : TypedResults.Ok(await analytics.EntryProductsAsync(day, cancellationToken, currency));

    [Function("ReportProductsConversion")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ConversionAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/products/conversion")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(req.Text("asOf"), out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        var report = await analytics.ConversionsAsync(day, req.Flag("firstToSecond") ?? false, Math.Max(1, req.Number("minCount") ?? 1), Math.Clamp(req.Number("top") ?? 100, 1, 10_000), cancellationToken);
        return TypedResults.Ok(report);
    }

    [Function("ReportProductsBasket")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> BasketAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/products/basket")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(req.Text("asOf"), out var day))
        {
            return TypedResults.BadRequest(AsOfError);
        }

        return TypedResults.Ok(await analytics.BasketAsync(day, Math.Max(1, req.Number("minOrders") ?? 1), Math.Clamp(req.Number("top") ?? 100, 1, 10_000), cancellationToken));
    }

    internal static bool TryMonth(string? text, out DateOnly month)
    {
        var ok = DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month);
        return ok && text!.Length == 7;
    }
}

public static class AnalyticsFeature
{
    public static IServiceCollection AddAnalytics(this IServiceCollection services)
    {
        services.AddSingleton<KpiTargetStore>();
        services.AddSingleton<AnalyticsService>();
        services.AddSingleton<ClvReports>();
        return services;
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

    /// <summary>Cohorts and media with LTVs in <paramref name="currency"/> (the base currency by default).</summary>
    public async Task<CohortReport> CohortsAsync(DateOnly? asOf, CancellationToken cancellationToken, string? currency = null)
    {
        var c = currency ?? reports.BaseCurrency;
        if (await ReportSetAsync(asOf, c, cancellationToken) is { } set)
        {
            return new CohortReport(set.AsOf, set.Cohorts, set.ByMedium, set.Currency);
        }

        var (d, histories) = await HistoriesAsync(asOf, cancellationToken);
        return new CohortReport(d, Cohorts.ByFirstMonth(histories, d, c), Cohorts.ByMedium(histories, d, c), c);
    }

    /// <summary>Entry products with LTVs in <paramref name="currency"/> (the base currency by default).</summary>
    public async Task<RowsReport<AcquisitionGroup>> EntryProductsAsync(DateOnly? asOf, CancellationToken cancellationToken, string? currency = null)
    {
        var c = currency ?? reports.BaseCurrency;
        if (await ReportSetAsync(asOf, c, cancellationToken) is { } set)
        {
            return new RowsReport<AcquisitionGroup>(set.AsOf, set.ByEntryProduct, set.Currency);
        }

        var (d, histories) = await HistoriesAsync(asOf, cancellationToken);
        return new RowsReport<AcquisitionGroup>(d, Cohorts.ByEntryProduct(histories, d, c), c);
    }

    public async Task<ConversionReport> ConversionsAsync(DateOnly? asOf, bool firstToSecond, int minCount, int top, CancellationToken cancellationToken)
    {
        // The set keeps every pair (min count 1) in the report's order, so a higher minimum is a filter of it.
        if (!firstToSecond && await ReportSetAsync(asOf, cancellationToken) is { } set)
        {
            return new ConversionReport(set.AsOf, [.. set.Conversions.Where(c => c.Count >= minCount).Take(top)], set.DaysToSecond);
        }

        var (d, histories) = await HistoriesAsync(asOf, cancellationToken);
        var rows = ProductAnalyses.Conversions(histories, firstToSecond, minCount);
        return new ConversionReport(d, [.. rows.Take(top)], ProductAnalyses.DaysToSecond(histories));
    }

    public async Task<RowsReport<BasketPair>> BasketAsync(DateOnly? asOf, int minOrders, int top, CancellationToken cancellationToken)
    {
        if (await ReportSetAsync(asOf, cancellationToken) is { } set)
        {
            return new RowsReport<BasketPair>(set.AsOf, [.. set.Basket.Where(b => b.Orders >= minOrders).Take(top)]);
        }

        var (d, histories) = await HistoriesAsync(asOf, cancellationToken);
        return new RowsReport<BasketPair>(d, [.. ProductAnalyses.Basket(histories, minOrders).Take(top)]);
    }
}
