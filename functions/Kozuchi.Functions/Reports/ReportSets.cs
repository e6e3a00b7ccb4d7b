using System.Collections.Concurrent;
using System.Diagnostics;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;
using Kozuchi.Functions.Analytics;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Reports;

/// <summary>A cell's customers as the drill-down lists them (by revenue, then id): the first <see cref="ReportSets.DrillDownKept"/> and the cell's size.</summary>
public sealed record RfmCellCustomers(int R, int F, int Total, IReadOnlyList<ReportFunctions.RfmCustomerRow> Top);

/// <summary>
/// Every report the dashboard opens with, for one as-of day, computed in one pass over the customer table by the same
/// Core functions the endpoints call, with the endpoints' default parameters (see docs/ANALYTICS.md, "Precomputed
/// report set"). Lists are kept whole (conversion and basket pairs at min count 1) so any <c>top</c> or
/// <c>minCount</c> is a cut of them; KPI targets are not in it (they are read per request); CLV is computed by the
/// same pass but kept apart (see <see cref="ReportSets.ClvForDayAsync"/>).
/// </summary>
public sealed record ReportSet(
    int SchemaVersion,
    DateOnly AsOf,
    string Marker,
    DateTimeOffset ComputedAt,
    double ComputeSeconds,
    CustomerSummary Summary,
    IReadOnlyList<MonthlyKpi> Months,
    IReadOnlyList<Cohort> Cohorts,
    IReadOnlyList<AcquisitionGroup> ByMedium,
    IReadOnlyList<AcquisitionGroup> ByEntryProduct,
    IReadOnlyList<ProductConversion> Conversions,
    DaysToSecondPurchase DaysToSecond,
    IReadOnlyList<BasketPair> Basket,
    RfmGridResult Rfm,
    IReadOnlyList<RfmCellCustomers> RfmCustomers)
{
    /// <summary>The currency its money is in: the shop's base currency when it was computed (other currencies are listed apart in each report).</summary>
    public string Currency { get; init; } = Currencies.Default;

    public RfmCellCustomers? Cell(int r, int f) => RfmCustomers.FirstOrDefault(c => c.R == r && c.F == f);

    /// <summary>Product names by key (SKU) from the same pass (<see cref="ProductNameTally"/>); empty in sets stored before they were kept.</summary>
    public IReadOnlyDictionary<string, string> ProductNames { get; init; } = new Dictionary<string, string>();
}

/// <summary>Settings under <c>Kozuchi:Reports</c>.</summary>
public sealed class ReportSetOptions
{
    /// <summary><c>Precomputed</c> (default true): answer today's default reports from the precomputed set.</summary>
    public bool Precomputed { get; set; } = true;

    /// <summary>
    /// <c>StaleAfterSeconds</c> (default 0.25): how long the page that starts a new pass after a change waits for it before
    /// it is answered from the previous set (pages while a pass is under way do not wait) (today's, or yesterday's for a request that names no day), which the
    /// freshness endpoint then reports as not current. Negative: always wait for the new set.
    /// </summary>
    public double StaleAfterSeconds { get; set; } = 0.25;

    /// <summary>
    /// <c>PendingAfterSeconds</c> (default 20): when there is no previous set to answer from (the first pass of a shop,
    /// or of a day after yesterday's is gone), how long a page waits for the pass before it is answered 503 with
    /// Retry-After: a host's HTTP timeout would otherwise cut a request waiting minutes for a large shop's pass. The
    /// pass goes on. Negative: always wait.
    /// </summary>
    public double PendingAfterSeconds { get; set; } = 20;
}

/// <summary>A report page asked for before the first report set of the day was ready: answered 503 with Retry-After.</summary>
public sealed class ReportSetPendingException(TimeSpan retryAfter)
    : Exception("The report set is being computed for the first time; its figures are not available yet.")
{
    public TimeSpan RetryAfter => retryAfter;
}

/// <summary>
/// Which set the report pages are answered from: its day, when it was computed, whether it is still current (nothing
/// changed since its pass began), and whether a new pass is under way. <c>ComputedAt</c> is null before the first set.
/// <c>Today</c> is the shop's day on the server's clock: the overview compares the predictive sections' <c>asOf</c>
/// with it (not with the browser's clock) to say when they are still yesterday's.
/// </summary>
public sealed record ReportFreshness(DateOnly? AsOf, DateTimeOffset? ComputedAt, double? ComputeSeconds, bool Current, bool Refreshing, DateOnly Today);

/// <summary>
/// Hands out today's report set while the customer change marker has not moved since it was computed, computing it
/// otherwise. A pass over a million customers takes minutes, so it is single-flight: concurrent requests (and the
/// timer) wait for the one computation under way instead of each scanning the table, and at most one computation
/// runs per instance. The set lives in blob (so another instance or a restart reads it instead of scanning) and in
/// memory (so a page pays one marker read, not a download).
/// </summary>
public sealed partial class ReportSets(
    CustomerStore store,
    ProfileSnapshots snapshots,
    ReportSetStore blobs,
    ShopTime shopTime,
    ShopCurrency shopCurrency,
    TimeProvider time,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IOptions<ReportSetOptions> options,
    CustomerPredictionStore predictionStore,
    IHostApplicationLifetime lifetime,
    ILogger<ReportSets> logger) : IDisposable
{
    public const int SchemaVersion = ReportSetStore.FormatVersion;

    /// <summary>
    /// Partitions the pass reads at once. Pages are answered while it runs (from the previous set), and each still makes
    /// a storage call or two; two streams keep the storage busy without making those calls queue behind many scan pages.
    /// </summary>
    public const int PassParallelism = 2;

    /// <summary>Customers kept per RFM cell for the drill-down (its largest page is 500).</summary>
    public const int DrillDownKept = 500;

    // The base currency is in the kind: a set computed before the shop's currency setting changed is never handed out.
    private readonly Slot<ReportSet> _set = new($"report-set.{shopCurrency.Code}");
    private readonly Slot<ClvReports.ClvReport> _clv = new($"clv.{shopCurrency.Code}");
    private readonly Slot<PredictiveReport> _predictive = new($"predictive.{shopCurrency.Code}");
    private readonly ComputeGate _computeGate = new();

    /// <summary>How many times this instance scanned the table for a report set (tests and the benchmark read it).</summary>
    public int Computations => _set.Computations;

    /// <summary>How many times this instance fitted the CLV models for the cache.</summary>
    public int ClvComputations => _clv.Computations;

    /// <summary>How many answers this instance gave from a previous set while a new one was being computed.</summary>
    public int StaleAnswers => _set.StaleAnswers + _clv.StaleAnswers + _predictive.StaleAnswers;

    /// <summary>Completes when no set or CLV computation is under way on this instance (tests and the benchmark wait on it).</summary>
    public Task IdleAsync() => Task.WhenAll(_set.Flights.Values.Select(f => (Task)f.Work.Value).Concat(_clv.Flights.Values.Select(f => (Task)f.Work.Value)).Concat(_predictive.Flights.Values.Select(f => (Task)f.Work.Value))
        .Select(t => t.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));

    public DateOnly Today => shopTime.Today(time.GetUtcNow());

    /// <summary>
    /// The set when the request is for today (the day it is precomputed for) and precomputing is on; null otherwise,
    /// and the caller computes from the tables.
    /// </summary>
    public Task<ReportSet?> ForDayAsync(DateOnly? asOf, CancellationToken cancellationToken) =>
        TodaysAsync(_set, asOf, ComputeAsync, cancellationToken);

    /// <summary>The set for the day under the current marker: from memory, from blob, or computed (once); never a previous one.</summary>
    public Task<ReportSet> CurrentAsync(DateOnly day, CancellationToken cancellationToken) =>
        GetAsync(_set, day, Stale.Never, ComputeAsync, cancellationToken);

    /// <summary>What today's pages are answered from now, without starting a pass.</summary>
    public async Task<ReportFreshness> FreshnessAsync(CancellationToken cancellationToken)
    {
        var today = Today;
        var marker = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        _set.DropIfMarkerGone(marker);
        var set = _set.Held(today, marker)
            ?? (await PreviousAsync(_set, today, Stale.TodayOrYesterday, marker, cancellationToken).ConfigureAwait(false))?.Value;
        var refreshing = !_set.Flights.IsEmpty;
        return set is null
            ? new ReportFreshness(null, null, null, false, refreshing, today)
            : new ReportFreshness(set.AsOf, set.ComputedAt, set.ComputeSeconds, set.AsOf == today && set.Marker == marker, refreshing, today);
    }

    /// <summary>A request that names no day may be answered from yesterday's set just after midnight; one that names today may not.</summary>
    private static Stale StalePolicy(DateOnly? asOf) => asOf is null ? Stale.TodayOrYesterday : Stale.Today;

    /// <summary>
    /// Today's CLV report (default horizon, the top <see cref="ClvReports.MaxTop"/>) under the same marker rule, or
    /// null when the request is for another day. Computed by the set's pass (from the same rows) and kept beside it in
    /// its own blob; a CLV request that finds none for the marker fits it itself.
    /// </summary>
    public Task<ClvReports.ClvReport?> ClvForDayAsync(DateOnly? asOf, CancellationToken cancellationToken) =>
        TodaysAsync(_clv, asOf, ComputeClvAsync, cancellationToken);

    /// <summary>
    /// Today's predictive report (the shop's backtest, the prediction summary, 次の一手's audiences) under the same
    /// marker rule, or null when precomputing is off. Computed by the set's pass and kept in its own blob; a request
    /// that finds none for the marker computes it (with the CLV report and the predictions) from one scan.
    /// </summary>
    public Task<PredictiveReport?> PredictiveForDayAsync(DateOnly? asOf, CancellationToken cancellationToken) =>
        TodaysAsync(_predictive, asOf, ComputePredictiveAsync, cancellationToken);

    /// <summary>The slot's value for today when precomputing is on and the request is for today (or names no day); null otherwise.</summary>
    private async Task<T?> TodaysAsync<T>(Slot<T> slot, DateOnly? asOf, Func<DateOnly, string, CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
        where T : class
    {
        var today = Today;
        if (!options.Value.Precomputed || asOf is { } day && day != today)
        {
            return null;
        }

        return await GetAsync(slot, today, StalePolicy(asOf), compute, cancellationToken).ConfigureAwait(false);
    }

    private enum Stale
    {
        Never,
        Today,
        TodayOrYesterday,
    }

    private async Task<T> GetAsync<T>(Slot<T> slot, DateOnly day, Stale stale, Func<DateOnly, string, CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
        where T : class
    {
        var marker = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        if (slot.Held(day, marker) is { } held)
        {
            return held;
        }

        // A storage reset took the marker away: what memory holds was computed over data that is gone.
        slot.DropIfMarkerGone(marker);

        var key = (day, marker);
        var flight = slot.Flights.GetOrAdd(key, k => new Flight<T>(new Lazy<Task<T>>(() => LoadOrComputeAsync(slot, k.Day, k.Marker, compute)), time.GetTimestamp()));
        var task = flight.Work.Value;

        // The computation does not belong to the request that started it: a caller that gives up leaves it running for
        // the others, and one answered from the previous set leaves it running for the next page. Completed flights
        // leave the table with their continuation (which also logs a failed pass nobody may be waiting on).
        _ = task.ContinueWith(t =>
        {
            slot.Flights.TryRemove(KeyValuePair.Create(key, flight));
            if (t.Exception is { } failed)
            {
                LogFailed(logger, failed.GetBaseException(), slot.Kind, day);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        if (stale == Stale.Never || task.IsCompleted)
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (await PreviousAsync(slot, day, stale, marker, cancellationToken).ConfigureAwait(false) is not { } previous)
        {
            // Nothing to answer from (a shop's first pass): wait up to PendingAfterSeconds, then 503 with Retry-After.
            var pendingAfter = flight.WaitLeft(options.Value.PendingAfterSeconds, time);
            try
            {
                return await (pendingAfter >= TimeSpan.Zero ? task.WaitAsync(pendingAfter, time, cancellationToken) : task.WaitAsync(cancellationToken)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new ReportSetPendingException(TimeSpan.FromSeconds(15));
            }
        }

        if (previous.Day == day && previous.Marker == marker)
        {
            return previous.Value; // the pass finished (on this instance or another) while we looked
        }

        // Every page waits until the same moment, StaleAfterSeconds after the pass began (a small shop's pass is over
        // by then, and one page's concurrent calls get the same set); later pages are answered from the previous set at once.
        var wait = flight.WaitLeft(options.Value.StaleAfterSeconds, time);
        try
        {
            return await (wait >= TimeSpan.Zero ? task.WaitAsync(wait, time, cancellationToken) : task.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A pass over a large shop takes minutes: the page shows the previous figures (and says so) meanwhile.
            slot.AnsweredStale();
            LogStale(logger, slot.Kind, day);
            return previous.Value;
        }
        catch (Exception e) when (e is not OperationCanceledException && task.IsFaulted)
        {
            // The pass failed (logged by its continuation): the previous figures are better than an error page, and the next page or timer tries again.
            slot.AnsweredStale();
            return previous.Value;
        }
    }

    /// <summary>
    /// The last value of the kind for the day (or yesterday, when allowed), whatever marker it was computed under: from
    /// memory, else from blob. None when the current marker is gone (a storage reset): figures over data that is gone
    /// are not shown as "previous" ones.
    /// </summary>
    private async Task<Slot<T>.Entry?> PreviousAsync<T>(Slot<T> slot, DateOnly day, Stale stale, string marker, CancellationToken cancellationToken)
        where T : class
    {
        if (marker == ChangeMarker.None)
        {
            return null;
        }

        bool Allowed(DateOnly d) => d == day || (stale == Stale.TodayOrYesterday && d == day.AddDays(-1));
        if (slot.Latest is { } latest && Allowed(latest.Day))
        {
            return latest;
        }

        foreach (var d in stale == Stale.TodayOrYesterday ? new[] { day, day.AddDays(-1) } : [day])
        {
            if (await blobs.ReadLatestAsync(slot.Kind, d, cancellationToken).ConfigureAwait(false) is { } stored
                && stored.Content.ToObjectFromJson<T>(json.Value.SerializerOptions) is { } read)
            {
                // Remembered under its own marker: it is taken for the current value only if that marker is still current.
                var entry = new Slot<T>.Entry(d, stored.Marker, read);
                if (slot.Latest is null || slot.Latest.Day <= d)
                {
                    slot.Remember(d, stored.Marker, read);
                }

                return entry;
            }
        }

        return null;
    }

    private async Task<T> LoadOrComputeAsync<T>(Slot<T> slot, DateOnly day, string marker, Func<DateOnly, string, CancellationToken, Task<T>> compute)
        where T : class
    {
        var cancellationToken = lifetime.ApplicationStopping;
        if (marker != ChangeMarker.None && await blobs.ReadAsync(slot.Kind, day, marker, cancellationToken).ConfigureAwait(false) is { } stored
            && stored.ToObjectFromJson<T>(json.Value.SerializerOptions) is { } read)
        {
            return slot.Remember(day, marker, read);
        }

        // One scan at a time per instance (ComputeGate).
        using var entered = await _computeGate.EnterAsync(cancellationToken).ConfigureAwait(false);

        // While this flight waited for the gate the marker may have moved again (a busy shop, pages opened meanwhile):
        // compute once for the newest marker, which serves this flight's waiters too, instead of a backlog of
        // passes for markers already out of date.
        var current = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        if ((slot.Held(day, current) ?? slot.Held(day, marker)) is { } held)
        {
            return held;
        }

        slot.Counted();
        var value = await compute(day, current, cancellationToken).ConfigureAwait(false);
        await blobs.WriteAsync(slot.Kind, day, current, BinaryData.FromObjectAsJson(value, json.Value.SerializerOptions), cancellationToken).ConfigureAwait(false);
        return slot.Remember(day, current, value);
    }

    /// <summary>
    /// Holds every computation on this instance back (after its blob read) until disposed: lets a test look at the
    /// pages while a pass is under way, as they are for the minutes a large shop's pass takes.
    /// </summary>
    internal Task<IDisposable> HoldComputationsAsync(CancellationToken cancellationToken) => _computeGate.EnterAsync(cancellationToken);

    public void Dispose() => _computeGate.Dispose();

    /// <summary>One cached result kind: the value last held in memory and the computations under way.</summary>
    private sealed class Slot<T>(string kind)
        where T : class
    {
        private Entry? _held;
        private int _computations;
        private int _staleAnswers;

        public string Kind => kind;

        public ConcurrentDictionary<(DateOnly Day, string Marker), Flight<T>> Flights { get; } = new();

        public int Computations => Volatile.Read(ref _computations);

        public void Counted() => Interlocked.Increment(ref _computations);

        public int StaleAnswers => Volatile.Read(ref _staleAnswers);

        public void AnsweredStale() => Interlocked.Increment(ref _staleAnswers);

        /// <summary>The value held last, whatever its day and marker.</summary>
        public Entry? Latest => Volatile.Read(ref _held);

        public bool Holds(DateOnly day, string marker) => Held(day, marker) is not null;

        public T? Held(DateOnly day, string marker) => Volatile.Read(ref _held) is { } h && h.Day == day && h.Marker == marker ? h.Value : null;

        /// <summary>Forgets the value held when the marker it was computed under is gone (<see cref="ChangeMarkers.Gone"/>).</summary>
        public void DropIfMarkerGone(string current)
        {
            if (Volatile.Read(ref _held) is { } h && ChangeMarkers.Gone(h.Marker, current))
            {
                Interlocked.CompareExchange(ref _held, null, h);
            }
        }

        public T Remember(DateOnly day, string marker, T value)
        {
            Volatile.Write(ref _held, new Entry(day, marker, value));
            return value;
        }

        public sealed record Entry(DateOnly Day, string Marker, T Value);
    }

    private async Task<ClvReports.ClvReport> ComputeClvAsync(DateOnly day, string marker, CancellationToken cancellationToken)
    {
        var rows = await PredictiveRows.ScanAsync(store, day, shopTime, PassParallelism, shopCurrency.Code, cancellationToken).ConfigureAwait(false);
        return (await StorePredictiveAsync(day, marker, rows, cancellationToken).ConfigureAwait(false)).Clv;
    }

    private async Task<PredictiveReport> ComputePredictiveAsync(DateOnly day, string marker, CancellationToken cancellationToken)
    {
        var rows = await PredictiveRows.ScanAsync(store, day, shopTime, PassParallelism, shopCurrency.Code, cancellationToken).ConfigureAwait(false);
        var result = await StorePredictiveAsync(day, marker, rows, cancellationToken).ConfigureAwait(false);
        return result.Report;
    }

    /// <summary>One fit for the CLV report, the predictions segments read and the predictive report; each kept under the marker.</summary>
    private async Task<PredictivePass.Result> StorePredictiveAsync(DateOnly day, string marker, IReadOnlyList<PredictiveRow> rows, CancellationToken cancellationToken)
    {
        var result = PredictivePass.Compute(day, rows, shopTime, predictionStore.Thresholds, shopCurrency.Code);
        await predictionStore.StoreAsync(result.Predictions, marker, cancellationToken).ConfigureAwait(false);
        if (!_clv.Holds(day, marker))
        {
            await blobs.WriteAsync(_clv.Kind, day, marker, BinaryData.FromObjectAsJson(result.Clv, json.Value.SerializerOptions), cancellationToken).ConfigureAwait(false);
            _clv.Remember(day, marker, result.Clv);
        }

        if (!_predictive.Holds(day, marker))
        {
            await blobs.WriteAsync(_predictive.Kind, day, marker, BinaryData.FromObjectAsJson(result.Report, json.Value.SerializerOptions), cancellationToken).ConfigureAwait(false);
            _predictive.Remember(day, marker, result.Report);
        }

        return result;
    }

    private sealed record Row(string Partition, string Id, CustomerHistory? History, CustomerProfile Profile, IReadOnlyList<RepeatSummary> Repeat);

    private async Task<ReportSet> ComputeAsync(DateOnly day, string marker, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var rows = new ConcurrentBag<Row>();
        var names = new ProductNameTally();
        await store.ReadAllRecordsAsync((record, profile) =>
        {
            names.Add(record);
            rows.Add(new Row(
                CustomerEntities.CustomerPartition(record.CustomerId),
                record.CustomerId,
                CustomerHistory.Of(record, day, shopTime),
                profile,
                RepeatSummaries.FromCustomers([record], day, shopTime, ClvReports.DaysPerPeriod, shopCurrency.Code)));
        }, cancellationToken, PassParallelism).ConfigureAwait(false);

        // Table order (partition, then row key), as the per-request scans read it: the reports see their customers in
        // the same order as when computed from the tables, so even ties and sums come out identical.
        var ordered = rows.OrderBy(r => r.Partition, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        rows.Clear();
        var histories = ordered.Where(r => r.History is not null).Select(r => r.History!).ToList();
        var predictive = ordered.Select(r => new PredictiveRow(r.Id, r.History, r.Profile, r.Repeat)).ToList();
        var profiles = ordered.Select(r => r.Profile).OrderBy(p => p.CustomerId, StringComparer.Ordinal).ToList();
        ordered.Clear();

        // The pass read every profile under the same marker: leave the profile snapshot behind too (segments, deep drill-downs).
        await snapshots.StoreAsync(profiles, marker, cancellationToken).ConfigureAwait(false);

        var scanned = clock.Elapsed.TotalSeconds;
        var zone = shopTime.Zone;
        var currency = shopCurrency.Code;
        var cells = profiles
            .Select(p => (Profile: p, Cell: RfmGrid.Score(p, day, zone, RfmSettings.Default)))
            .Where(x => x.Cell is not null)
            .GroupBy(x => x.Cell!.Value)
            .Select(g => new RfmCellCustomers(g.Key.R, g.Key.F, g.Count(), [.. ReportService.DrillDownOrder(g.Select(x => x.Profile), currency)
                .Take(DrillDownKept)
                .Select(ReportService.Row)]))
            .OrderBy(c => c.R).ThenBy(c => c.F)
            .ToList();

        var set = new ReportSet(
            SchemaVersion,
            day,
            marker,
            time.GetUtcNow(),
            0,
            CustomerSummary.Of(profiles, currency),
            MonthlyKpis.Compute(histories, day, currency: currency).Months,
            Cohorts.ByFirstMonth(histories, day, currency),
            Cohorts.ByMedium(histories, day, currency),
            Cohorts.ByEntryProduct(histories, day, currency),
            ProductAnalyses.Conversions(histories),
            ProductAnalyses.DaysToSecond(histories),
            ProductAnalyses.Basket(histories),
            RfmGrid.Build(profiles, day, zone, RfmSettings.Default, currency),
            cells)
        {
            Currency = currency,
            ProductNames = names.Names(),
        };
        // CLV, the predictions and the predictive report from the same pass: their fits (on a fixed sample, see
        // ClvReports.FitSampleLimit) cost seconds, a second scan minutes. A failure here leaves the set intact; the
        // CLV and predictive pages then compute for themselves.
        if (!_clv.Holds(day, marker) || !_predictive.Holds(day, marker))
        {
            try
            {
                if (!_clv.Holds(day, marker))
                {
                    _clv.Counted();
                }

                await StorePredictiveAsync(day, marker, predictive, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e, _predictive.Kind, day);
            }
        }

        predictive.Clear();

        set = set with { ComputeSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        double[] laps = [Math.Round(scanned, 3), Math.Round(set.ComputeSeconds - scanned, 3)];
        LogComputed(logger, day, profiles.Count, set.ComputeSeconds, laps[0], laps[1]);
        return set;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} for {AsOf} could not be computed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string kind, DateOnly asOf);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} for {AsOf} is being recomputed: answered from the previous one")]
    private static partial void LogStale(ILogger logger, string kind, DateOnly asOf);

    [LoggerMessage(Level = LogLevel.Information, Message = "report set for {AsOf} computed: {Customers} customers in {Seconds} s (table scan and profile snapshot {ScanSeconds} s, reports {ReportSeconds} s)")]
    private static partial void LogComputed(ILogger logger, DateOnly asOf, int customers, double seconds, double scanSeconds, double reportSeconds);
}

/// <summary>A computation under way (single-flight) and when it began, by the app's clock.</summary>
internal sealed record Flight<T>(Lazy<Task<T>> Work, long Started)
{
    /// <summary>How much longer a request waits for it before taking the previous value: negative when it never does.</summary>
    public TimeSpan WaitLeft(double staleAfterSeconds, TimeProvider time) =>
        staleAfterSeconds < 0 ? TimeSpan.FromSeconds(-1) : TimeSpan.FromSeconds(Math.Max(0, staleAfterSeconds - time.GetElapsedTime(Started).TotalSeconds));
}

/// <summary>The report timer's work: today's set and every scenario's results computed ahead of the first page that needs them.</summary>
public sealed partial class ReportSetRefresh(ReportSets reportSets, Scenarios.ScenarioResultsCache scenarioResults, IOptions<ReportSetOptions> options, ILogger<ReportSetRefresh> logger)
{
    /// <summary>Every 15 minutes: after a change the set is ready within a quarter hour even if nobody opened a page, and a busy shop's passes do not pile up (one at a time).</summary>
    public const string Schedule = "0 */15 * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Precomputed)
        {
            return;
        }

        var set = await reportSets.CurrentAsync(reportSets.Today, cancellationToken);
        LogComputed(logger, set.AsOf, set.ComputedAt, set.ComputeSeconds);
        await scenarioResults.RefreshAllAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Report set {AsOf}: computed at {ComputedAt:O} in {Seconds} s")]
    private static partial void LogComputed(ILogger logger, DateOnly asOf, DateTimeOffset computedAt, double seconds);
}
