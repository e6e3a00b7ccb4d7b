using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Customers;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Analytics;

/// <summary><c>GET /api/reports/clv</c>: predictive CLV as of a day (<see cref="ClvReports"/>).</summary>
public sealed class ClvFunctions(ClvReports clv, ReportService reports)
{
    [Function("ReportClv")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ClvAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/clv")] HttpRequest req, CancellationToken cancellationToken)
    {
        var horizonDays = req.Number("horizonDays");
        if (!ReportService.TryDay(req.Text("asOf"), out var day) || horizonDays is <= 0 or > 3650)
        {
            return TypedResults.BadRequest("asOf is a date YYYY-MM-DD; horizonDays is 1–3650.");
        }

        if (!reports.TryCurrency(req.Text("currency"), out var currency))
        {
            return TypedResults.BadRequest(ReportService.CurrencyError);
        }

        return TypedResults.Ok(await clv.ReportAsync(day, horizonDays ?? ClvReports.DefaultHorizonDays, Math.Clamp(req.Number("top") ?? 50, 1, ClvReports.MaxTop), cancellationToken, currency));
    }
}

/// <summary>Predictive CLV over the shop's own customers: BG/NBD and Gamma-Gamma fitted as of a day, customers ranked by expected value.</summary>
public sealed class ClvReports(CustomerStore store, ReportSets reportSets, ReportService reports, ShopTime shopTime, TimeProvider time)
{
    /// <summary>The models' time unit: a week, as in the papers (a day-level unit makes the likelihood flat and slow to fit).</summary>
    public const double DaysPerPeriod = 7;

    /// <summary>Below this P(alive) a customer counts as at risk of having churned.</summary>
    public const double AtRiskBelow = 0.5;

    public sealed record ModelFit(double R, double Alpha, double A, double B, double LogLikelihood, bool Converged);

    public sealed record SpendFit(double P, double Q, double V, int Customers);

    public sealed record CustomerOutlook(string CustomerId, int Frequency, double RecencyWeeks, double AgeWeeks, double MonetaryValue, double ProbabilityAlive, double ExpectedOrders, double? ExpectedAverageValue, double? ExpectedValue);

    /// <summary>
    /// The models fitted on the customers whose value is in <see cref="Currency"/> (their first order's currency) and their
    /// orders in it; values are in it. Customers of another currency are in that currency's report (<c>?currency=</c>).
    /// </summary>
    public sealed record ClvReport(DateOnly AsOf, int HorizonDays, int Customers, ModelFit? BgNbd, SpendFit? GammaGamma, int AtRisk, double ExpectedOrders, double? ExpectedValue, IReadOnlyList<CustomerOutlook> Top, string Currency = Currencies.Default);

    /// <summary>The most customers a report lists by expected value.</summary>
    public const int MaxTop = 1000;

    public const int DefaultHorizonDays = 365;

    /// <summary>The most customers the models are fitted on (see <see cref="RepeatSummaries.FitSample"/>); every customer gets an outlook.</summary>
    public const int FitSampleLimit = 100_000;

    /// <summary>
    /// The report in <paramref name="currency"/> (the base currency when null): today's default horizon in the base
    /// currency comes from the precomputed set, anything else is fitted now.
    /// </summary>
    public async Task<ClvReport> ReportAsync(DateOnly? day, int horizon, int take, CancellationToken cancellationToken, string? currency = null)
    {
        var c = currency ?? reports.BaseCurrency;
        var d = day ?? shopTime.Today(time.GetUtcNow());
        if (horizon == DefaultHorizonDays && c == reports.BaseCurrency && await reportSets.ClvForDayAsync(d, cancellationToken) is { } cached)
        {
            return cached with { Top = [.. cached.Top.Take(take)] };
        }

        var summaries = new List<RepeatSummary>();
        await foreach (var record in store.ScanRecordsAsync(cancellationToken))
        {
            summaries.AddRange(RepeatSummaries.FromCustomers([record], d, shopTime, DaysPerPeriod, c));
        }

        return Compute(summaries, d, horizon, take, c);
    }

    /// <summary>Fits both models on the summaries (in table order; a fixed sample beyond <see cref="FitSampleLimit"/>) and ranks the customers by expected value.</summary>
    public static ClvReport Compute(IReadOnlyList<RepeatSummary> summaries, DateOnly d, int horizon, int top, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(summaries);

        // A fit needs some repeat behaviour to say anything: with no repeat buyer the likelihood has no maximum.
        if (!summaries.Any(s => s.Frequency > 0))
        {
            return new ClvReport(d, horizon, summaries.Count, null, null, 0, 0, null, [], currency);
        }

        var sample = RepeatSummaries.FitSample(summaries, FitSampleLimit);
        var model = BgNbd.Fit(sample);
        var spend = sample.Count(s => s.Frequency > 0 && s.MonetaryValue > 0) >= 2 ? GammaGamma.Fit(sample) : null;
        var usableSpend = spend is { Parameters.Q: > 1 } ? spend.Parameters : null;
        var predictions = summaries.Zip(ClvPredictions.Predict(model.Parameters, usableSpend, summaries, horizon / DaysPerPeriod),
            (s, p) => new CustomerOutlook(s.CustomerId, s.Frequency, s.Recency, s.T, s.MonetaryValue, p.ProbabilityAlive, p.ExpectedOrders, p.ExpectedAverageValue, p.ExpectedValue)).ToList();
        var m = model.Parameters;
        return new ClvReport(
            d,
            horizon,
            summaries.Count,
            new ModelFit(m.R, m.Alpha, m.A, m.B, model.Quality.LogLikelihood, model.Quality.Converged),
            spend is null ? null : new SpendFit(spend.Parameters.P, spend.Parameters.Q, spend.Parameters.V, spend.Customers),
            predictions.Count(p => p.ProbabilityAlive < AtRiskBelow),
            predictions.Sum(p => p.ExpectedOrders),
            usableSpend is null ? null : predictions.Sum(p => p.ExpectedValue),
            [.. predictions.OrderByDescending(p => p.ExpectedValue ?? p.ExpectedOrders).ThenBy(p => p.CustomerId, StringComparer.Ordinal).Take(top)],
            currency);
    }
}
