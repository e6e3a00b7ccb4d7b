using System.Globalization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;

namespace Kozuchi.Core.Segments;

/// <summary>
/// One line of a segment's CSV extraction (DM lists, call lists, analysis). No personal data: the list is joined
/// with contact details only by the channel that needs them.
/// </summary>
public sealed record SegmentExportRow(
    string CustomerId,
    int? RfmR,
    int? RfmF,
    string? RfmCell,
    int Frequency,
    decimal Monetary,
    string Currency,
    DateOnly? FirstOrderDate,
    DateOnly? LastOrderDate,
    int? DaysSinceLastOrder,
    string EntryProducts,
    bool Subscriber,
    string ReachableChannels,
    double? ProbabilityAlive,
    decimal? PredictedValue)
{
    public static IReadOnlyList<string> Header { get; } =
    [
        "customer_id", "rfm_r", "rfm_f", "rfm_cell", "frequency", "monetary", "currency", "first_order_date", "last_order_date",
        "days_since_last_order", "entry_products", "subscriber", "reachable_channels", "probability_alive", "predicted_value",
    ];

    /// <summary>The fields as text, culture-invariant (dates yyyy-MM-dd, decimal point), in <see cref="Header"/> order; a writer only quotes them.</summary>
    public IReadOnlyList<string> Fields() =>
    [
        CustomerId,
        Text(RfmR),
        Text(RfmF),
        RfmCell ?? "",
        Frequency.ToString(CultureInfo.InvariantCulture),
        Monetary.ToString(CultureInfo.InvariantCulture),
        Currency,
        FirstOrderDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        LastOrderDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        Text(DaysSinceLastOrder),
        EntryProducts,
        Subscriber ? "1" : "0",
        ReachableChannels,
        ProbabilityAlive?.ToString("0.####", CultureInfo.InvariantCulture) ?? "",
        PredictedValue?.ToString(CultureInfo.InvariantCulture) ?? "",
    ];

    private static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}

public static class SegmentExport
{
    /// <summary>The rows of the members of <paramref name="rule"/>, in input order.</summary>
    public static IEnumerable<SegmentExportRow> Rows(SegmentRule rule, IEnumerable<CustomerProfile> profiles, SegmentContext context)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var predicate = SegmentEvaluator.Compile(rule, context);
        foreach (var p in profiles)
        {
            if (predicate(p))
            {
                yield return Row(p, context);
            }
        }
    }

    public static SegmentExportRow Row(CustomerProfile p, SegmentContext context)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(context);
        var cell = RfmGrid.Score(p, context.Today, context.Shop.Zone, context.Rfm);
        var channels = Enum.GetValues<Channel>().Where(p.Reachability.CanReach).Select(c => c.Code());
        return new SegmentExportRow(
            p.CustomerId,
            cell?.R,
            cell?.F,
            cell?.Name.Code,
            p.Frequency,
            p.Monetary,
            p.Currency,
            p.FirstOrderAt is { } first ? context.Shop.Today(first) : null,
            p.LastOrderAt is { } last ? context.Shop.Today(last) : null,
            p.DaysSinceLastOrder(context.Today, context.Shop.Zone),
            string.Join('|', p.EntryProducts),
            p.IsSubscriber,
            string.Join('|', channels),
            p.Prediction?.ProbabilityAlive,
            p.Prediction?.Clv12Months);
    }
}
