using System.Collections.Concurrent;
using System.Diagnostics;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;
using Kozuchi.Functions.Analytics;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Reports;

/// <summary>A cell's customers as the drill-down lists them (by revenue, then id): the first <see cref="ReportSets.DrillDownKept"/> and the cell's size.</summary>
public sealed record RfmCellCustomers(int R, int F, int Total, IReadOnlyList<ReportFunctions.RfmCustomerRow> Top);

/// <summary>
/// Every report the dashboard opens with, for one as-of day, computed in one pass over the customer table by the same
/// Core functions the endpoints call, with the endpoints' default parameters (see docs/ANALYTICS.md, "Precomputed
/// report set"). Lists are kept whole (conversion and basket pairs at min count 1) so any <c>top</c> or
/// <c>minCount</c> is a cut of them; KPI targets are not in it (they are read per request), nor is CLV (see
/// <see cref="ReportSets.ClvForDayAsync"/>).
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
    public RfmCellCustomers? Cell(int r, int f) => RfmCustomers.FirstOrDefault(c => c.R == r && c.F == f);
}

/// <summary><c>Kozuchi:Reports:Precomputed</c> (default true): answer today's default reports from the precomputed set.</summary>
public sealed class ReportSetOptions
{
    public bool Precomputed { get; set; } = true;
}

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
    TimeProvider time,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IOptions<ReportSetOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ReportSets> logger) : IDisposable
{
    public const int SchemaVersion = ReportSetStore.FormatVersion;

    /// <summary>Customers kept per RFM cell for the drill-down (its largest page is 500).</summary>
    public const int DrillDownKept = 500;

    private readonly Slot<ReportSet> _set = new("report-set");
    private readonly Slot<ClvFunctions.ClvReport> _clv = new("clv");
    private readonly SemaphoreSlim _computeGate = new(1, 1);

    /// <summary>How many times this instance scanned the table for a report set (tests and the benchmark read it).</summary>
    public int Computations => _set.Computations;

    /// <summary>How many times this instance fitted the CLV models for the cache.</summary>
    public int ClvComputations => _clv.Computations;

    public DateOnly Today => shopTime.Today(time.GetUtcNow());

    /// <summary>
    /// The set when the request is for today (the day it is precomputed for) and precomputing is on; null otherwise,
    /// and the caller computes from the tables.
    /// </summary>
    public async Task<ReportSet?> ForDayAsync(DateOnly? asOf, CancellationToken cancellationToken)
    {
        var today = Today;
        if (!options.Value.Precomputed || asOf is { } day && day != today)
        {
            return null;
        }

        return await CurrentAsync(today, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The set for the day under the current marker: from memory, from blob, or computed (once).</summary>
    public Task<ReportSet> CurrentAsync(DateOnly day, CancellationToken cancellationToken) =>
        GetAsync(_set, day, ComputeAsync, cancellationToken);

    /// <summary>
    /// Today's CLV report (default horizon, the top <see cref="ClvFunctions.MaxTop"/>) under the same marker rule, or
    /// null when the request is for another day. Not part of the set: the maximum-likelihood fits cost far more than
    /// every other report together (about 10 ms a customer here), so they run on the first CLV request after a change
    /// and never hold the dashboard's pages back.
    /// </summary>
    public async Task<ClvFunctions.ClvReport?> ClvForDayAsync(DateOnly? asOf, CancellationToken cancellationToken)
    {
        var today = Today;
        if (!options.Value.Precomputed || asOf is { } day && day != today)
        {
            return null;
        }

        return await GetAsync(_clv, today, ComputeClvAsync, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetAsync<T>(Slot<T> slot, DateOnly day, Func<DateOnly, string, CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
        where T : class
    {
        var marker = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        if (slot.Held(day, marker) is { } held)
        {
            return held;
        }

        var key = (day, marker);
        var flight = slot.Flights.GetOrAdd(key, k => new Lazy<Task<T>>(() => LoadOrComputeAsync(slot, k.Day, k.Marker, compute)));
        try
        {
            // The computation does not belong to the request that started it: a caller that gives up leaves it running for the others.
            return await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (flight.Value.IsCompleted)
            {
                slot.Flights.TryRemove(KeyValuePair.Create(key, flight));
            }
        }
    }

    private async Task<T> LoadOrComputeAsync<T>(Slot<T> slot, DateOnly day, string marker, Func<DateOnly, string, CancellationToken, Task<T>> compute)
        where T : class
    {
        var cancellationToken = lifetime.ApplicationStopping;
        if (await blobs.ReadAsync(slot.Kind, day, marker, cancellationToken).ConfigureAwait(false) is { } stored
            && stored.ToObjectFromJson<T>(json.Value.SerializerOptions) is { } read)
        {
            return slot.Remember(day, marker, read);
        }

        // One scan at a time per instance: two at once would only double the memory and halve the speed.
        await _computeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.Held(day, marker) is { } held)
            {
                return held;
            }

            slot.Counted();
            var value = await compute(day, marker, cancellationToken).ConfigureAwait(false);
            await blobs.WriteAsync(slot.Kind, day, marker, BinaryData.FromObjectAsJson(value, json.Value.SerializerOptions), cancellationToken).ConfigureAwait(false);
            return slot.Remember(day, marker, value);
        }
        finally
        {
            _computeGate.Release();
        }
    }

    public void Dispose() => _computeGate.Dispose();

    /// <summary>One cached result kind: the value last held in memory and the computations under way.</summary>
    private sealed class Slot<T>(string kind)
        where T : class
    {
        private Entry? _held;
        private int _computations;

        public string Kind => kind;

        public ConcurrentDictionary<(DateOnly Day, string Marker), Lazy<Task<T>>> Flights { get; } = new();

        public int Computations => Volatile.Read(ref _computations);

        public void Counted() => Interlocked.Increment(ref _computations);

        public T? Held(DateOnly day, string marker) => Volatile.Read(ref _held) is { } h && h.Day == day && h.Marker == marker ? h.Value : null;

        public T Remember(DateOnly day, string marker, T value)
        {
            Volatile.Write(ref _held, new Entry(day, marker, value));
            return value;
        }

        private sealed record Entry(DateOnly Day, string Marker, T Value);
    }

    private async Task<ClvFunctions.ClvReport> ComputeClvAsync(DateOnly day, string marker, CancellationToken cancellationToken)
    {
        var rows = new ConcurrentBag<(string Partition, string Id, IReadOnlyList<RepeatSummary> Summary)>();
        await store.ReadAllRecordsAsync((record, _) => rows.Add((
            CustomerEntities.CustomerPartition(record.CustomerId),
            record.CustomerId,
            RepeatSummaries.FromCustomers([record], day, shopTime, ClvFunctions.DaysPerPeriod))), cancellationToken).ConfigureAwait(false);

        // Table order, as the per-request scan reads it: the fits sum doubles in that order.
        var summaries = rows.OrderBy(r => r.Partition, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal).SelectMany(r => r.Summary).ToList();
        return ClvFunctions.Compute(summaries, day, ClvFunctions.DefaultHorizonDays, ClvFunctions.MaxTop);
    }

    private sealed record Row(string Partition, string Id, CustomerHistory? History, CustomerProfile Profile);

    private async Task<ReportSet> ComputeAsync(DateOnly day, string marker, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var rows = new ConcurrentBag<Row>();
        await store.ReadAllRecordsAsync((record, profile) => rows.Add(new Row(
            CustomerEntities.CustomerPartition(record.CustomerId),
            record.CustomerId,
            CustomerHistory.Of(record, day, shopTime),
            profile)), cancellationToken).ConfigureAwait(false);

        // Table order (partition, then row key), as the per-request scans read it: the reports see their customers in
        // the same order as when computed from the tables, so even ties and sums come out identical.
        var ordered = rows.OrderBy(r => r.Partition, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        rows.Clear();
        var histories = ordered.Where(r => r.History is not null).Select(r => r.History!).ToList();
        var profiles = ordered.Select(r => r.Profile).OrderBy(p => p.CustomerId, StringComparer.Ordinal).ToList();
        ordered.Clear();

        // The pass read every profile under the same marker: leave the profile snapshot behind too (segments, deep drill-downs).
        await snapshots.StoreAsync(profiles, marker, cancellationToken).ConfigureAwait(false);

        var scanned = clock.Elapsed.TotalSeconds;
        var zone = shopTime.Zone;
        var cells = profiles
            .Select(p => (Profile: p, Cell: RfmGrid.Score(p, day, zone, RfmSettings.Default)))
            .Where(x => x.Cell is not null)
            .GroupBy(x => x.Cell!.Value)
            .Select(g => new RfmCellCustomers(g.Key.R, g.Key.F, g.Count(), [.. g.Select(x => x.Profile)
                .OrderByDescending(p => p.Monetary).ThenBy(p => p.CustomerId, StringComparer.Ordinal)
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
            CustomerSummary.Of(profiles),
            MonthlyKpis.Compute(histories, day).Months,
            Cohorts.ByFirstMonth(histories, day),
            Cohorts.ByMedium(histories, day),
            Cohorts.ByEntryProduct(histories, day),
            ProductAnalyses.Conversions(histories),
            ProductAnalyses.DaysToSecond(histories),
            ProductAnalyses.Basket(histories),
            RfmGrid.Build(profiles, day, zone, RfmSettings.Default),
            cells);
        set = set with { ComputeSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        double[] laps = [Math.Round(scanned, 3), Math.Round(set.ComputeSeconds - scanned, 3)];
        LogComputed(logger, day, profiles.Count, set.ComputeSeconds, laps[0], laps[1]);
        return set;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "report set for {AsOf} computed: {Customers} customers in {Seconds} s (table scan and profile snapshot {ScanSeconds} s, reports {ReportSeconds} s)")]
    private static partial void LogComputed(ILogger logger, DateOnly asOf, int customers, double seconds, double scanSeconds, double reportSeconds);
}

/// <summary>Timer: keeps today's set ready, so the first page after a change (or after midnight) does not pay the scan.</summary>
public sealed class ReportSetRefreshFunction(ReportSets reportSets, IOptions<ReportSetOptions> options) : ITimerFunction
{
    public const string Name = "ReportSetRefresh";

    /// <summary>Every 15 minutes: after a change the set is ready within a quarter hour even if nobody opened a page, and a busy shop's passes do not pile up (one at a time).</summary>
    public const string Schedule = "0 */15 * * * *";

    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!options.Value.Precomputed)
        {
            return;
        }

        var set = await reportSets.CurrentAsync(reportSets.Today, cancellationToken);
        context.Log($"report set {set.AsOf:yyyy-MM-dd}: computed at {set.ComputedAt:O} in {set.ComputeSeconds} s");
    }
}
