using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kozuchi.Storage.Analytics;

/// <summary>Settings under <c>Kozuchi:Clv</c>.</summary>
public sealed class ClvOptions
{
    /// <summary><c>ChurnRiskHighBelow</c> (default 0.3): P(alive) below this is churn-risk "high".</summary>
    public double ChurnRiskHighBelow { get; set; } = ChurnRiskThresholds.DefaultHighBelow;

    /// <summary><c>ChurnRiskMediumBelow</c> (default 0.6): P(alive) below this (and not high) is "medium"; from it, "low".</summary>
    public double ChurnRiskMediumBelow { get; set; } = ChurnRiskThresholds.DefaultMediumBelow;

    public ChurnRiskThresholds Thresholds => new(ChurnRiskHighBelow, ChurnRiskMediumBelow);
}

/// <summary>
/// Every customer's predictions for a day (<see cref="PredictionSet"/>) in one blob, tied like the profile snapshot to
/// the customer change marker it was computed under, and to the churn-risk thresholds: segment evaluation (the daily
/// segment-entry trigger, broadcasts, the segment API) attaches them to the profiles it reads. The report pass stores
/// them as a by-product of its CLV fit; a reader that finds none for today's marker computes them from the tables.
/// The last set read is kept in memory, so a builder's live count does not download it again. Like the report pass, it
/// fits and predicts the customers whose value is in the shop's base currency only (<paramref name="shopCurrency"/>):
/// whoever computes the day's set, a customer is in it or not alike.
/// </summary>
public sealed class CustomerPredictionStore(StorageClients clients, CustomerStore customers, ProfileSnapshots snapshots, ShopTime shop, IOptions<ClvOptions> options, ShopCurrency? shopCurrency = null) : IDisposable
{
    private const string Prefix = "reports/customer-predictions-";
    private const string Magic = "KZPR";
    private const int FormatVersion = 1;
    private const int DaysKept = 2;

    private readonly string _currency = (shopCurrency ?? ShopCurrency.Default).Code;

    private readonly SemaphoreSlim _compute = new(1, 1);
    private Held? _held;
    private int _computations;

    private sealed record Held(DateOnly Day, string Marker, string Thresholds, PredictionSet Set);

    public static string BlobName(DateOnly day) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{day:yyyy-MM-dd}.v{FormatVersion}.bin");

    /// <summary>How many times this instance scanned the tables to compute predictions (tests read it).</summary>
    public int Computations => Volatile.Read(ref _computations);

    public ChurnRiskThresholds Thresholds => options.Value.Thresholds;

    /// <summary>The predictions for <paramref name="day"/> under the current marker: from memory, from blob, or computed from the tables (once).</summary>
    public async Task<PredictionSet> CurrentAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var thresholds = Thresholds;
        if (thresholds.Problem is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var marker = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        var key = Key(thresholds);
        if (HeldFor(day, marker, key) is { } held)
        {
            return held;
        }

        if (await ReadAsync(day, marker, key, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return Hold(day, marker, key, stored);
        }

        await _compute.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (HeldFor(day, marker, key) is { } again)
            {
                return again;
            }

            Interlocked.Increment(ref _computations);
            var summaries = new ConcurrentBag<RepeatSummary>();
            await customers.ReadAllRecordsAsync((record, _) =>
            {
                // The base currency's customers alone, from their orders in it, as PredictivePass fits them: a spend model
                // over amounts in two currencies would mean nothing, and the CLV ranking (clvTop) would mix them.
                foreach (var s in RepeatSummaries.FromCustomers([record], day, shop, currency: _currency))
                {
                    summaries.Add(s);
                }
            }, cancellationToken).ConfigureAwait(false);

            // The fit sample is drawn by id hash, and the sums run in id order: the same customers give the same fit.
            var ordered = summaries.OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
            var set = CustomerPredictions.ForDay(day, ordered, ClvFit.Of(ordered, ClvFit.DefaultSampleLimit), thresholds);
            await StoreAsync(set, marker, cancellationToken).ConfigureAwait(false);
            return set;
        }
        finally
        {
            _compute.Release();
        }
    }

    /// <summary>The predictions for <paramref name="day"/> under the current marker if they are already held or stored; null rather than computing them.</summary>
    public async Task<PredictionSet?> StoredAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var key = Key(Thresholds);
        var marker = await snapshots.MarkerAsync(cancellationToken).ConfigureAwait(false);
        if (HeldFor(day, marker, key) is { } held)
        {
            return held;
        }

        return await ReadAsync(day, marker, key, cancellationToken).ConfigureAwait(false) is { } stored ? Hold(day, marker, key, stored) : null;
    }

    /// <summary>Stores a set computed by someone else's scan under the marker that scan read before it started.</summary>
    public async Task StoreAsync(PredictionSet set, string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var key = Key(set.Thresholds);
        var container = clients.Container(StorageCatalog.Containers.Runtime);
        using (var buffer = new MemoryStream())
        {
            Write(buffer, set);
            buffer.Position = 0;
            await container.GetBlobClient(BlobName(set.AsOf)).UploadAsync(buffer, new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string> { ["marker"] = marker, ["thresholds"] = key },
            }, cancellationToken).ConfigureAwait(false);
        }

        Hold(set.AsOf, marker, key, set);
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken).ConfigureAwait(false))
        {
            names.Add(item.Name);
        }

        foreach (var old in names.Order(StringComparer.Ordinal).SkipLast(DaysKept))
        {
            await container.DeleteBlobIfExistsAsync(old, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _compute.Dispose();

    private PredictionSet? HeldFor(DateOnly day, string marker, string key) =>
        Volatile.Read(ref _held) is { } held && held.Day == day && held.Marker == marker && held.Thresholds == key ? held.Set : null;

    private PredictionSet Hold(DateOnly day, string marker, string key, PredictionSet set)
    {
        Volatile.Write(ref _held, new Held(day, marker, key, set));
        return set;
    }

    /// <summary>What a stored set was computed with besides the marker: the thresholds and the base currency (a set of another currency's customers is not today's).</summary>
    private string Key(ChurnRiskThresholds t) => string.Create(CultureInfo.InvariantCulture, $"{t.HighBelow:R}/{t.MediumBelow:R}/{_currency}");

    private async Task<PredictionSet?> ReadAsync(DateOnly day, string marker, string key, CancellationToken cancellationToken)
    {
        var blob = clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName(day));
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var metadata = properties.Value.Metadata;
            if (!metadata.TryGetValue("marker", out var taken) || taken != marker || !metadata.TryGetValue("thresholds", out var thresholds) || thresholds != key)
            {
                return null;
            }

            var download = await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.Value.ETag } }, cancellationToken).ConfigureAwait(false);
            return Read(download.Value.Content.ToStream());
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>The blob format: a header (day, thresholds), then per customer id and the prediction's fields; absent values flagged.</summary>
    public static void Write(Stream stream, PredictionSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(set.AsOf.DayNumber);
        w.Write(set.Thresholds.HighBelow);
        w.Write(set.Thresholds.MediumBelow);
        w.Write(set.Count);
        foreach (var (id, p) in set.All)
        {
            w.Write(id);
            w.Write(p.ProbabilityAlive);
            w.Write(p.ExpectedOrders90Days);
            w.Write(p.ExpectedOrders365Days);
            w.Write((byte)((p.Clv12Months is null ? 0 : 1) | (p.ClvTopPercent is null ? 0 : 2) | (p.ChurnRisk is { } band ? ((int)band + 1) << 2 : 0)));
            if (p.Clv12Months is { } clv)
            {
                w.Write(clv);
            }

            if (p.ClvTopPercent is { } rank)
            {
                w.Write(rank);
            }
        }
    }

    public static PredictionSet Read(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (r.ReadString() != Magic || r.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException("Not a customer prediction set of this version.");
        }

        var day = DateOnly.FromDayNumber(r.ReadInt32());
        var thresholds = new ChurnRiskThresholds(r.ReadDouble(), r.ReadDouble());
        var count = r.ReadInt32();
        var rows = new List<(string, CustomerPrediction)>(count);
        for (var i = 0; i < count; i++)
        {
            var id = r.ReadString();
            var alive = r.ReadDouble();
            var quarter = r.ReadDouble();
            var year = r.ReadDouble();
            var flags = r.ReadByte();
            decimal? clv = (flags & 1) != 0 ? r.ReadDecimal() : null;
            double? rank = (flags & 2) != 0 ? r.ReadDouble() : null;
            ChurnRisk? band = (flags >> 2) is var b and > 0 ? (ChurnRisk)(b - 1) : null;
            rows.Add((id, new CustomerPrediction(alive, quarter, year, clv, band, rank)));
        }

        return new PredictionSet(day, thresholds, rows);
    }
}
