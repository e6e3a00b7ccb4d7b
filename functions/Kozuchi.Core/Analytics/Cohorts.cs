namespace Kozuchi.Core.Analytics;

/// <summary>A value at 1, 3, 6 and 12 months; null where that month has not ended by the as-of day.</summary>
public sealed record AtMonths<T>(T? M1, T? M3, T? M6, T? M12)
    where T : struct;

/// <summary>
/// Customers whose first order fell in <see cref="Month"/>. Retention at k months: the share who ordered again in the
/// k-th calendar month after it. LTV at k months: their net revenue (first order included) up to the end of that
/// month, per cohort customer.
/// </summary>
public sealed record Cohort(string Month, int Customers, AtMonths<double> Retention, AtMonths<decimal> Ltv);

/// <summary>
/// Customers grouped by how they came (acquisition medium, or a product of their first order): how many continued
/// (a second order at all, and within 90 days once observable) and what they are worth (LTV so far, LTV after 365
/// days among those acquired at least 365 days before the as-of day).
/// </summary>
public sealed record AcquisitionGroup(
    string Group,
    int Customers,
    int Repeaters,
    double ContinuationRate,
    double? F2Within90,
    double AverageOrders,
    decimal Ltv,
    decimal? Ltv365);

public static class Cohorts
{
    internal static readonly int[] Horizons = [1, 3, 6, 12];

    /// <summary>The group for customers without an acquisition medium.</summary>
    public const string NoMedium = "(none)";

    public static IReadOnlyList<Cohort> ByFirstMonth(IReadOnlyList<CustomerHistory> customers, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return [.. customers.GroupBy(c => c.First.Month).OrderBy(g => g.Key).Select(g =>
        {
            var n = g.Count();
            double? Retention(int k) =>
                Months.LastDay(g.Key.AddMonths(k)) > asOf ? null : (double)g.Count(c => c.Orders.Skip(1).Any(o => o.Month == g.Key.AddMonths(k))) / n;
            decimal? Ltv(int k)
            {
                var end = Months.LastDay(g.Key.AddMonths(k));
                return end > asOf ? null : g.Sum(c => c.Orders.Where(o => o.Day <= end).Sum(o => o.Net)) / n;
            }

            return new Cohort(Months.Label(g.Key), n,
                new AtMonths<double>(Retention(1), Retention(3), Retention(6), Retention(12)),
                new AtMonths<decimal>(Ltv(1), Ltv(3), Ltv(6), Ltv(12)));
        })];
    }

    public static IReadOnlyList<AcquisitionGroup> ByMedium(IReadOnlyList<CustomerHistory> customers, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return Groups(customers.Select(c => (string.IsNullOrWhiteSpace(c.AcquisitionMedium) ? NoMedium : c.AcquisitionMedium, c)), asOf);
    }

    /// <summary>入口商品分析: a customer whose first order had several products counts in each product's group.</summary>
    public static IReadOnlyList<AcquisitionGroup> ByEntryProduct(IReadOnlyList<CustomerHistory> customers, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return Groups(customers.SelectMany(c => c.First.Products.Distinct(StringComparer.Ordinal).Select(p => (p, c))), asOf);
    }

    private static List<AcquisitionGroup> Groups(IEnumerable<(string Group, CustomerHistory Customer)> members, DateOnly asOf) =>
        [.. members.GroupBy(m => m.Group, m => m.Customer, StringComparer.Ordinal).Select(g =>
        {
            var list = g.ToList();
            var repeaters = list.Count(c => c.Orders.Count > 1);
            var f2Observable = list.Where(c => c.First.Day.AddDays(90) <= asOf).ToList();
            var matured = list.Where(c => c.First.Day.AddDays(365) <= asOf).ToList();
            return new AcquisitionGroup(
                g.Key,
                list.Count,
                repeaters,
                (double)repeaters / list.Count,
                f2Observable.Count == 0 ? null : (double)f2Observable.Count(c => c.Orders.Count > 1 && c.Orders[1].Day.DayNumber - c.First.Day.DayNumber <= 90) / f2Observable.Count,
                list.Average(c => (double)c.Orders.Count),
                list.Sum(c => c.Orders.Sum(o => o.Net)) / list.Count,
                matured.Count == 0 ? null : matured.Sum(c => c.Orders.Where(o => o.Day.DayNumber - c.First.Day.DayNumber <= 365).Sum(o => o.Net)) / matured.Count);
        })
        .OrderByDescending(g => g.Customers).ThenBy(g => g.Group, StringComparer.Ordinal)];
}
