using Kozuchi.Core.Common;

namespace Kozuchi.Core.Analytics;

/// <summary>A value at 1, 3, 6 and 12 months; null where that month has not ended by the as-of day.</summary>
public sealed record AtMonths<T>(T? M1, T? M3, T? M6, T? M12)
    where T : struct;

/// <summary>A cohort's retention and cumulative LTV k months after its first month (k = 1 … 12); null where that month has not ended by the as-of day.</summary>
public sealed record CohortMonth(int K, double? Retention, decimal? Ltv);

/// <summary>Cumulative LTV k months after the cohort's first month, in one currency; null where that month has not ended.</summary>
public sealed record LtvAtMonth(int K, decimal? Ltv);

/// <summary>LTV of a group's customers whose value is in another currency than the report's: listed apart, never added.</summary>
public sealed record CurrencyLtv(string Currency, int Customers, AtMonths<decimal> Ltv)
{
    /// <summary>Every month 1 … 12 (<see cref="Ltv"/> keeps 1, 3, 6 and 12 for readers of the earlier shape).</summary>
    public IReadOnlyList<LtvAtMonth> Months { get; init; } = [];
}

/// <summary>
/// Customers whose first order fell in <see cref="Month"/>. Retention at k months: the share who ordered again in the
/// k-th calendar month after it. LTV at k months: net revenue (first order included) up to the end of that month per
/// cohort customer, over the customers whose value is in the report's currency (their first order's) and their orders
/// in it; the other customers' LTV is in <see cref="OtherCurrencies"/>, per currency.
/// </summary>
public sealed record Cohort(string Month, int Customers, AtMonths<double> Retention, AtMonths<decimal> Ltv, IReadOnlyList<CurrencyLtv> OtherCurrencies)
{
    /// <summary>
    /// Retention and LTV at every month 1 … <see cref="Cohorts.MonthsAfter"/> (the heat maps' columns);
    /// <see cref="Retention"/> and <see cref="Ltv"/> keep 1, 3, 6 and 12 for readers of the earlier shape. Empty in
    /// report sets stored before it was kept.
    /// </summary>
    public IReadOnlyList<CohortMonth> Months { get; init; } = [];
}

/// <summary>An acquisition group's value for its customers in another currency than the report's.</summary>
public sealed record CurrencyGroupValue(string Currency, int Customers, decimal Ltv, decimal? Ltv365);

/// <summary>
/// Customers grouped by how they came (acquisition medium, or a product of their first order): how many continued
/// (a second order at all, and within 90 days once observable) and what they are worth (LTV so far, LTV after 365
/// days among those acquired at least 365 days before the as-of day). LTVs are in the report's currency over the
/// group's customers whose value is in it (null when none is); other currencies' are in <see cref="OtherCurrencies"/>.
/// </summary>
public sealed record AcquisitionGroup(
    string Group,
    int Customers,
    int Repeaters,
    double ContinuationRate,
    double? F2Within90,
    double AverageOrders,
    decimal? Ltv,
    decimal? Ltv365,
    IReadOnlyList<CurrencyGroupValue> OtherCurrencies);

public static class Cohorts
{
    /// <summary>The months after the first a cohort is followed for: 1 … 12.</summary>
    public const int MonthsAfter = 12;

    /// <summary>The group for customers without an acquisition medium.</summary>
    public const string NoMedium = "(none)";

    public static IReadOnlyList<Cohort> ByFirstMonth(IReadOnlyList<CustomerHistory> customers, DateOnly asOf, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return [.. customers.GroupBy(c => c.First.Month).OrderBy(g => g.Key).Select(g => OfMonth(g.Key, [.. g], asOf, currency))];
    }

    /// <summary>One cohort, each member's orders walked once for all twelve months.</summary>
    private static Cohort OfMonth(DateOnly month, List<CustomerHistory> members, DateOnly asOf, string currency)
    {
        // Months whose last day is past by the as-of day: 1 … ended.
        var ended = Enumerable.Range(1, MonthsAfter).TakeWhile(k => Months.LastDay(month.AddMonths(k)) <= asOf).Count();
        int Offset(DateOnly orderMonth) => ((orderMonth.Year - month.Year) * 12) + orderMonth.Month - month.Month;

        var returned = new int[MonthsAfter + 1];
        foreach (var c in members)
        {
            var seen = new bool[MonthsAfter + 1];
            foreach (var o in c.Orders.Skip(1))
            {
                if (Offset(o.Month) is var k and >= 1 and <= MonthsAfter && !seen[k])
                {
                    seen[k] = true;
                    returned[k]++;
                }
            }
        }

        double? Retention(int k) => k > ended ? null : (double)returned[k] / members.Count;

        // Net revenue in each member's own currency up to the end of month k (the first month's orders included).
        decimal?[] Ltv(List<CustomerHistory> group)
        {
            var totals = new decimal[MonthsAfter + 1];
            foreach (var c in group)
            {
                foreach (var o in c.Orders)
                {
                    if (o.Currency == c.Currency && Offset(o.Month) is var k and <= MonthsAfter)
                    {
                        totals[Math.Max(k, 0)] += o.Net;
                    }
                }
            }

            var ltv = new decimal?[MonthsAfter + 1];
            var sum = totals[0];
            for (var k = 1; k <= MonthsAfter; k++)
            {
                sum += totals[k];
                ltv[k] = k > ended || group.Count == 0 ? null : sum / group.Count;
            }

            return ltv;
        }

        static AtMonths<T> Old<T>(Func<int, T?> at)
            where T : struct => new(at(1), at(3), at(6), at(12));

        var byCurrency = ByCurrency(members, currency);
        var ltv = Ltv(byCurrency[0].Members);
        return new Cohort(Months.Label(month), members.Count, Old(Retention), Old(k => ltv[k]),
            [.. byCurrency.Skip(1).Select(c =>
            {
                var other = Ltv(c.Members);
                return new CurrencyLtv(c.Currency, c.Members.Count, Old(k => other[k])) { Months = [.. Enumerable.Range(1, MonthsAfter).Select(k => new LtvAtMonth(k, other[k]))] };
            })])
        {
            Months = [.. Enumerable.Range(1, MonthsAfter).Select(k => new CohortMonth(k, Retention(k), ltv[k]))],
        };
    }

    /// <summary>The members whose value is in <paramref name="currency"/> first (possibly none), then each other currency's, by code.</summary>
    private static List<(string Currency, List<CustomerHistory> Members)> ByCurrency(IEnumerable<CustomerHistory> members, string currency)
    {
        var groups = members.GroupBy(c => c.Currency, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return [(currency, groups.GetValueOrDefault(currency) ?? []), .. groups.Where(kv => kv.Key != currency).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value))];
    }

    public static IReadOnlyList<AcquisitionGroup> ByMedium(IReadOnlyList<CustomerHistory> customers, DateOnly asOf, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return Groups(customers.Select(c => (string.IsNullOrWhiteSpace(c.AcquisitionMedium) ? NoMedium : c.AcquisitionMedium, c)), asOf, currency);
    }

    /// <summary>入口商品分析: a customer whose first order had several products counts in each product's group.</summary>
    public static IReadOnlyList<AcquisitionGroup> ByEntryProduct(IReadOnlyList<CustomerHistory> customers, DateOnly asOf, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return Groups(customers.SelectMany(c => c.First.Products.Distinct(StringComparer.Ordinal).Select(p => (p, c))), asOf, currency);
    }

    private static List<AcquisitionGroup> Groups(IEnumerable<(string Group, CustomerHistory Customer)> members, DateOnly asOf, string currency) =>
        [.. members.GroupBy(m => m.Group, m => m.Customer, StringComparer.Ordinal).Select(g =>
        {
            var list = g.ToList();
            var repeaters = list.Count(c => c.Orders.Count > 1);
            var f2Observable = list.Where(c => c.First.Day.AddDays(90) <= asOf).ToList();
            (decimal? Ltv, decimal? Ltv365) Value(List<CustomerHistory> customers)
            {
                var matured = customers.Where(c => c.First.Day.AddDays(365) <= asOf).ToList();
                return (customers.Count == 0 ? null : customers.Sum(c => c.Value()) / customers.Count,
                    matured.Count == 0 ? null : matured.Sum(c => c.Value(c.First.Day.AddDays(365))) / matured.Count);
            }

            var byCurrency = ByCurrency(list, currency);
            var (ltv, ltv365) = Value(byCurrency[0].Members);
            return new AcquisitionGroup(
                g.Key,
                list.Count,
                repeaters,
                (double)repeaters / list.Count,
                f2Observable.Count == 0 ? null : (double)f2Observable.Count(c => c.Orders.Count > 1 && c.Orders[1].Day.DayNumber - c.First.Day.DayNumber <= 90) / f2Observable.Count,
                list.Average(c => (double)c.Orders.Count),
                ltv,
                ltv365,
                [.. byCurrency.Skip(1).Select(c =>
                {
                    var other = Value(c.Members);
                    return new CurrencyGroupValue(c.Currency, c.Members.Count, other.Ltv ?? 0, other.Ltv365);
                })]);
        })
        .OrderByDescending(g => g.Customers).ThenBy(g => g.Group, StringComparer.Ordinal)];
}
