using Kozuchi.Core.Analytics;
using System.Globalization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Reports;

/// <summary>Reports over the customer aggregate: the summary and the RFM grid (with drill-down and movement), and the precomputed set.</summary>
public sealed class ReportFunctions(ReportService reports, ReportSets reportSets, ReportSetRefresh refresh, IOptions<ReportSetOptions> options)
{
    public sealed record PrecomputeAnswer(DateOnly AsOf, DateTimeOffset ComputedAt, double ComputeSeconds, int Customers);

    /// <summary>A customer in a cell: their monetary figure is in <see cref="Currency"/>, their own (first order's) currency.</summary>
    public sealed record RfmCustomerRow(string CustomerId, int Frequency, decimal Monetary, DateTimeOffset? LastOrderAt, IReadOnlyList<string> EntryProducts, bool CanEmail, bool CanLine, string Currency = Currencies.Default)
    {
        /// <summary>The customer's name, read for the page asked for (never kept in the report set: its blob holds no personal data).</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? Name { get; init; }
    }

    public sealed record RfmCustomerPage(int R, int F, int Total, IReadOnlyList<RfmCustomerRow> Customers);

    /// <summary>Computes today's set now unless the current one is still valid (then answers at once), and says when it was computed.</summary>
    [Function("ReportSetPrecompute")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PrecomputeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "reports/precompute")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (!options.Value.Precomputed)
        {
            return TypedResults.Conflict("Precomputed reports are off (Kozuchi__Reports__Precomputed=false).");
        }

        var set = await reportSets.CurrentAsync(reportSets.Today, cancellationToken);
        return TypedResults.Ok(new PrecomputeAnswer(set.AsOf, set.ComputedAt, set.ComputeSeconds, set.Rfm.Customers));
    }

    /// <summary>What the dashboard's report pages are answered from (the set's day and time, current or being recomputed).</summary>
    [Function("ReportFreshness")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> FreshnessAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/freshness")] HttpRequest req, CancellationToken cancellationToken) =>
        options.Value.Precomputed ? TypedResults.Ok(await reportSets.FreshnessAsync(cancellationToken)) : TypedResults.NoContent();

    [Function("ReportSummary")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> SummaryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/summary")] HttpRequest req, CancellationToken cancellationToken) =>
        reports.TryCurrency(req.Text("currency"), out var currency)
            ? TypedResults.Ok(await reports.SummaryAsync(cancellationToken, currency))
            : TypedResults.BadRequest(ReportService.CurrencyError);

    /// <summary>Product names by key (SKU), for the pages that list products by key: <c>{"KZ-1": "こづち 薬用ローション"}</c>.</summary>
    [Function("ReportProductNames")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ProductNamesAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/products/names")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reports.ProductNamesAsync(cancellationToken));

    [Function("ReportRfm")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> RfmAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/rfm")] HttpRequest req, CancellationToken cancellationToken) =>
        !ReportService.TryDay(req.Text("asOf"), out var day) ? TypedResults.BadRequest("asOf must be a date YYYY-MM-DD.")
        : !reports.TryCurrency(req.Text("currency"), out var currency) ? TypedResults.BadRequest(ReportService.CurrencyError)
        : TypedResults.Ok(await reports.RfmAsync(day, cancellationToken, currency));

    [Function("ReportRfmCustomers")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> RfmCustomersAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/rfm/customers")] HttpRequest req, CancellationToken cancellationToken)
    {
        var (r, f) = (req.RequiredNumber("r"), req.RequiredNumber("f"));
        if (r is < 1 or > 5 || f is < 1 or > 5 || !ReportService.TryDay(req.Text("asOf"), out var day))
        {
            return TypedResults.BadRequest("r and f are 1–5; asOf is a date YYYY-MM-DD.");
        }

        return TypedResults.Ok(await reports.RfmCustomersAsync(day, r, f, Math.Max(0, req.Number("skip") ?? 0), Math.Clamp(req.Number("take") ?? 50, 1, 500), cancellationToken));
    }

    [Function("ReportRfmMovement")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> RfmMovementAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/rfm/movement")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (!ReportService.TryDay(req.RequiredText("from"), out var a) || !ReportService.TryDay(req.RequiredText("to"), out var b) || a is null || b is null)
        {
            return TypedResults.BadRequest("from and to are dates YYYY-MM-DD.");
        }

        return TypedResults.Ok(await reports.MovementAsync(a.Value, b.Value, cancellationToken));
    }

    /// <summary>Timer: keeps today's set and every scenario's results ready, so the first page after a change (or after midnight) does not pay the scan.</summary>
    [Function("ReportSetRefresh")]
    public Task RefreshAsync([TimerTrigger(ReportSetRefresh.Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        refresh.RunAsync(cancellationToken);
}

public static class ReportsFeature
{
    public static IServiceCollection AddReports(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ReportSetOptions>(configuration.GetSection("Kozuchi:Reports"));
        services.AddSingleton<ReportSetStore>();
        services.AddSingleton<ReportSets>();
        services.AddSingleton<ReportService>();
        services.AddSingleton<ReportSetRefresh>();
        return services;
    }
}

/// <summary>Report queries shared by the HTTP functions and the CLI.</summary>
public sealed class ReportService(CustomerStore store, ProfileSnapshots snapshots, ReportSets reportSets, ShopTime shopTime, TimeProvider time, ShopCurrency shopCurrency)
{
    public const string CurrencyError = "currency is an ISO 4217 code (three letters, e.g. JPY, USD).";

    internal static ReportFunctions.RfmCustomerRow Row(CustomerProfile p) =>
        new(p.CustomerId, p.Frequency, p.Monetary, p.LastOrderAt, p.EntryProducts, p.Reachability.CanEmail, p.Reachability.CanLine, p.Currency);

    /// <summary>
    /// A cell's customers in drill-down order: those whose monetary figure is in the report's currency first, by it,
    /// then the others by currency and their own figure — amounts in two currencies are never ranked against each other.
    /// </summary>
    internal static IOrderedEnumerable<CustomerProfile> DrillDownOrder(IEnumerable<CustomerProfile> profiles, string currency) =>
        profiles.OrderBy(p => p.Currency == currency ? 0 : 1).ThenBy(p => p.Currency, StringComparer.Ordinal)
            .ThenByDescending(p => p.Monetary).ThenBy(p => p.CustomerId, StringComparer.Ordinal);

    /// <summary>The shop's base currency (<c>Kozuchi__Shop__Currency</c>): what reports are in unless a request names another.</summary>
    public string BaseCurrency => shopCurrency.Code;

    /// <summary>The report currency a request names, the base currency when it names none; false when it is no ISO 4217 code.</summary>
    public bool TryCurrency(string? text, out string currency)
    {
        currency = string.IsNullOrWhiteSpace(text) ? shopCurrency.Code : Currencies.Normalize(text) ?? string.Empty;
        return currency.Length > 0;
    }

    public static bool TryDay(string? text, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            day = d;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Today's figures; the summary has no as-of day, so today's precomputed set (same marker, same profiles) answers it
    /// in the base currency. Another currency is computed from the profiles.
    /// </summary>
    public async Task<CustomerSummary> SummaryAsync(CancellationToken cancellationToken, string? currency = null)
    {
        var c = currency ?? BaseCurrency;
        return c == BaseCurrency && await reportSets.ForDayAsync(null, cancellationToken) is { } set
            ? set.Summary
            : CustomerSummary.Of(await snapshots.CurrentAsync(cancellationToken), c);
    }

    /// <summary>Today's set has the names from its pass; without precomputed sets the customer rows are read for them.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ProductNamesAsync(CancellationToken cancellationToken)
    {
        if (await reportSets.ForDayAsync(null, cancellationToken) is { } set)
        {
            return set.ProductNames;
        }

        var tally = new ProductNameTally();
        await foreach (var record in store.ScanRecordsAsync(cancellationToken).ConfigureAwait(false))
        {
            tally.Add(record);
        }

        return tally.Names();
    }

    /// <summary>Today's grid reads scalar columns; a past date refolds each customer's orders up to that day.</summary>
    public async Task<IReadOnlyList<CustomerProfile>> ProfilesAsOfAsync(DateOnly? asOf, CancellationToken cancellationToken)
    {
        if (asOf is null || asOf >= shopTime.Today(time.GetUtcNow()))
        {
            return await snapshots.CurrentAsync(cancellationToken);
        }

        var cutoff = RfmGrid.EndOfDay(asOf.Value, shopTime.Zone);
        return await store.ScanRecordsAsync(cancellationToken).Select(r => r.AsOf(cutoff).ToProfile()).ToListAsync(cancellationToken);
    }

    public async Task<RfmGridResult> RfmAsync(DateOnly? asOf, CancellationToken cancellationToken, string? currency = null)
    {
        var c = currency ?? BaseCurrency;
        if (c == BaseCurrency && await reportSets.ForDayAsync(asOf, cancellationToken) is { } set)
        {
            return set.Rfm;
        }

        var day = asOf ?? shopTime.Today(time.GetUtcNow());
        return RfmGrid.Build(await ProfilesAsOfAsync(asOf, cancellationToken), day, shopTime.Zone, RfmSettings.Default, c);
    }

    public async Task<ReportFunctions.RfmCustomerPage> RfmCustomersAsync(DateOnly? asOf, int r, int f, int skip, int take, CancellationToken cancellationToken)
    {
        // The set keeps each cell's first rows: pages within them (every dashboard drill-down) need no profile read.
        if (await reportSets.ForDayAsync(asOf, cancellationToken) is { } set
            && (set.Cell(r, f) ?? new RfmCellCustomers(r, f, 0, [])) is { } cell
            && (skip + take <= cell.Top.Count || cell.Top.Count == cell.Total))
        {
            return await NamedAsync(new ReportFunctions.RfmCustomerPage(r, f, cell.Total, [.. cell.Top.Skip(skip).Take(take)]), cancellationToken);
        }

        var day = asOf ?? shopTime.Today(time.GetUtcNow());
        var inCell = DrillDownOrder((await ProfilesAsOfAsync(asOf, cancellationToken))
            .Where(p => RfmGrid.Score(p, day, shopTime.Zone, RfmSettings.Default) == new RfmCell(r, f)), BaseCurrency)
            .ToList();
        return await NamedAsync(new ReportFunctions.RfmCustomerPage(r, f, inCell.Count, [.. inCell.Skip(skip).Take(take).Select(Row)]), cancellationToken);
    }

    /// <summary>The page's customers with their names, by point reads of their rows (a page is at most 500).</summary>
    private async Task<ReportFunctions.RfmCustomerPage> NamedAsync(ReportFunctions.RfmCustomerPage page, CancellationToken cancellationToken)
    {
        var names = await store.NamesAsync([.. page.Customers.Select(c => c.CustomerId)], cancellationToken).ConfigureAwait(false);
        return page with { Customers = [.. page.Customers.Select((c, i) => names[i] is { } name ? c with { Name = name } : c)] };
    }

    public async Task<IReadOnlyList<RfmMovement>> MovementAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        RfmGrid.Movement(await store.ScanRecordsAsync(cancellationToken).ToListAsync(cancellationToken), from, to, shopTime.Zone, RfmSettings.Default);
}
