using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Rfm;

/// <summary>
/// The RFM grid shops already reason with: R by days since the last order, F by number of orders, five bands
/// each. Scores are 1 = most recent / one order … 5 = longest ago / most orders. Bounds are inclusive upper
/// limits of bands 1–4; band 5 is everything above.
/// </summary>
public sealed record RfmSettings
{
    public static RfmSettings Default { get; } = new();

    /// <summary>Days since last order: ≤30, ≤90, ≤180, ≤360, 361+.</summary>
    public IReadOnlyList<int> RecencyBounds { get; init; } = [30, 90, 180, 360];

    /// <summary>Orders: 1, 2, 3–5, 6–10, 11+.</summary>
    public IReadOnlyList<int> FrequencyBounds { get; init; } = [1, 2, 5, 10];

    public void Validate()
    {
        Check(RecencyBounds, nameof(RecencyBounds), 0);
        Check(FrequencyBounds, nameof(FrequencyBounds), 1);

        static void Check(IReadOnlyList<int> bounds, string name, int min)
        {
            if (bounds.Count != 4 || bounds[0] < min || bounds.Zip(bounds.Skip(1)).Any(p => p.Second <= p.First))
            {
                throw new ArgumentException($"{name} needs four strictly increasing bounds, the first at least {min}.", name);
            }
        }
    }

    public int RecencyScore(int daysSinceLastOrder) => Band(RecencyBounds, daysSinceLastOrder);

    public int FrequencyScore(int orders) => Band(FrequencyBounds, orders);

    private static int Band(IReadOnlyList<int> bounds, int value)
    {
        for (var i = 0; i < bounds.Count; i++)
        {
            if (value <= bounds[i])
            {
                return i + 1;
            }
        }

        return bounds.Count + 1;
    }
}

/// <summary>A cell of the grid by its scores; its name says what a shop does with it.</summary>
public readonly record struct RfmCell(int R, int F)
{
    public RfmCellName Name => RfmCellNames.For(R, F);
}

public sealed record RfmCellName(string Code, string Japanese, string English);

public static class RfmCellNames
{
    public static RfmCellName For(int r, int f) => (r, f) switch
    {
        (1, 1) => new("new", "新規顧客", "New"),
        (2, 1) => new("follow_up", "初回フォロー", "One-time, follow up"),
        (<= 2, 2) => new("developing", "育成顧客", "Developing"),
        (<= 2, 3) => new("regular", "安定顧客", "Regular"),
        (<= 2, _) => new("loyal", "優良顧客", "Loyal"),
        (3, 1) => new("at_risk_one_time", "準休眠（初回のみ）", "At risk, one-time"),
        (3, _) => new("at_risk_repeat", "準休眠（リピーター）", "At risk, repeater"),
        (4, 1) => new("dormant_one_time", "休眠（初回のみ）", "Dormant, one-time"),
        (4, _) => new("dormant_repeat", "休眠（リピーター）", "Dormant, repeater"),
        (_, 1) => new("lost_one_time", "離脱（初回のみ）", "Lost, one-time"),
        _ => new("lost_repeat", "離脱（リピーター）", "Lost, repeater"),
    };
}

/// <summary>A cell's customers and their revenue in the grid's currency; revenue in other currencies is listed apart.</summary>
public sealed record RfmCellTotals(int R, int F, RfmCellName Name, int Customers, decimal Revenue, IReadOnlyList<CurrencyTotal> OtherRevenue);

/// <summary>The grid; <see cref="Revenue"/> in <see cref="Currency"/>, other currencies' in <see cref="OtherRevenue"/>, never added.</summary>
public sealed record RfmGridResult(DateOnly AsOf, IReadOnlyList<RfmCellTotals> Cells, int Customers, decimal Revenue, string Currency, IReadOnlyList<CurrencyTotal> OtherRevenue);

public sealed record RfmMovement(RfmCell From, RfmCell To, int Customers);

public static class RfmGrid
{
    /// <summary>The cell of a customer as of a day in the shop's zone; null when they had no counted order by then.</summary>
    public static RfmCell? Score(CustomerProfile profile, DateOnly asOf, TimeZoneInfo zone, RfmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        if (!profile.State.CountsInAnalytics() || profile.Frequency == 0 || profile.DaysSinceLastOrder(asOf, zone) is not { } days || days < 0)
        {
            return null;
        }

        return new RfmCell(settings.RecencyScore(days), settings.FrequencyScore(profile.Frequency));
    }

    /// <summary>All 25 cells (empty ones with zero), customers and revenue of each, revenue per currency (<paramref name="currency"/> first).</summary>
    public static RfmGridResult Build(IEnumerable<CustomerProfile> profiles, DateOnly asOf, TimeZoneInfo zone, RfmSettings settings, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var counts = new int[5, 5];
        var revenue = new List<(string, decimal, int)>[5, 5];
        foreach (var p in profiles)
        {
            if (Score(p, asOf, zone, settings) is { } cell)
            {
                counts[cell.R - 1, cell.F - 1]++;
                (revenue[cell.R - 1, cell.F - 1] ??= []).AddRange(p.Totals().Select(t => (t.Currency, t.Amount, t.Orders)));
            }
        }

        var cells = new List<RfmCellTotals>(25);
        for (var r = 1; r <= 5; r++)
        {
            for (var f = 1; f <= 5; f++)
            {
                var totals = Currencies.Totals(revenue[r - 1, f - 1] ?? [], currency);
                cells.Add(new RfmCellTotals(r, f, RfmCellNames.For(r, f), counts[r - 1, f - 1], totals[0].Amount, [.. totals.Skip(1)]));
            }
        }

        var all = Currencies.Totals(cells.SelectMany(c => c.OtherRevenue.Select(t => (t.Currency, t.Amount, t.Orders))), currency);
        return new RfmGridResult(asOf, cells, cells.Sum(c => c.Customers), cells.Sum(c => c.Revenue), currency, [.. all.Skip(1)]);
    }

    /// <summary>Where the customers of each cell on <paramref name="from"/> are on <paramref name="to"/>.</summary>
    public static IReadOnlyList<RfmMovement> Movement(IEnumerable<CustomerRecord> customers, DateOnly from, DateOnly to, TimeZoneInfo zone, RfmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var moves = new Dictionary<(RfmCell, RfmCell), int>();
        foreach (var c in customers)
        {
            if (Score(c.AsOf(EndOfDay(from, zone)).ToProfile(), from, zone, settings) is { } a
                && Score(c.AsOf(EndOfDay(to, zone)).ToProfile(), to, zone, settings) is { } b)
            {
                moves[(a, b)] = moves.GetValueOrDefault((a, b)) + 1;
            }
        }

        return [.. moves.Select(m => new RfmMovement(m.Key.Item1, m.Key.Item2, m.Value)).OrderBy(m => m.From.R).ThenBy(m => m.From.F).ThenBy(m => m.To.R).ThenBy(m => m.To.F)];
    }

    /// <summary>The first instant after <paramref name="day"/> in the zone: orders before it count on that day.</summary>
    public static DateTimeOffset EndOfDay(DateOnly day, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
