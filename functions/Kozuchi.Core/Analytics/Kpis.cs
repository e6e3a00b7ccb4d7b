using Kozuchi.Core.Common;

namespace Kozuchi.Core.Analytics;

/// <summary>
/// Share of a month's new customers who placed a second order within N days of their first (F2 転換率). Null until
/// every one of them has had the full N days by the as-of day: a partly observed window would understate it.
/// </summary>
public sealed record F2Conversion(double? Within30, double? Within60, double? Within90, double? Within180);

/// <summary>A month's sales in one currency other than the report's: listed apart, never added to its sales.</summary>
public sealed record CurrencySales(string Currency, decimal Sales, decimal NewSales, decimal RepeatSales, int Orders);

/// <summary>
/// One month's KPIs in the shop's calendar. New sales are first orders, repeat sales all later ones. Repeat rate is the
/// share of the month's active customers who had bought before (リピート率). Sales, new and repeat sales and AOV (sales
/// per order) are in the report's currency over the orders in it; orders in other currencies are in
/// <see cref="OtherCurrencies"/>. Orders and customers count every order whatever its currency.
/// </summary>
public sealed record MonthlyKpi(
    string Month,
    decimal Sales,
    decimal NewSales,
    decimal RepeatSales,
    int Orders,
    int ActiveCustomers,
    int NewCustomers,
    int RepeatCustomers,
    double? RepeatRate,
    F2Conversion F2,
    decimal? Aov,
    bool Complete,
    IReadOnlyList<CurrencySales> OtherCurrencies);

/// <summary>The KPIs a target (目標) can be set on, by their names in <see cref="MonthlyKpi"/> (camelCase in JSON).</summary>
public static class KpiNames
{
    public const string Sales = "sales";
    public const string NewSales = "newSales";
    public const string RepeatSales = "repeatSales";
    public const string Orders = "orders";
    public const string ActiveCustomers = "activeCustomers";
    public const string NewCustomers = "newCustomers";
    public const string RepeatRate = "repeatRate";
    public const string F2Within90 = "f2Within90";
    public const string Aov = "aov";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Sales, NewSales, RepeatSales, Orders, ActiveCustomers, NewCustomers, RepeatRate, F2Within90, Aov,
    };

    public static double? Value(MonthlyKpi month, string kpi)
    {
        ArgumentNullException.ThrowIfNull(month);
        return kpi switch
        {
            Sales => (double)month.Sales,
            NewSales => (double)month.NewSales,
            RepeatSales => (double)month.RepeatSales,
            Orders => month.Orders,
            ActiveCustomers => month.ActiveCustomers,
            NewCustomers => month.NewCustomers,
            RepeatRate => month.RepeatRate,
            F2Within90 => month.F2.Within90,
            Aov => (double?)month.Aov,
            _ => null,
        };
    }
}

/// <summary>A target for one KPI in one month (<c>yyyy-MM</c>).</summary>
public sealed record KpiTarget(string Kpi, string Month, double Value);

/// <summary>A target with the month's actual value and progress = actual / target (null when either is unknown or the target is 0).</summary>
public sealed record KpiProgress(string Kpi, string Month, double Value, double? Actual, double? Progress);

/// <summary>The KPIs of every month; money in <see cref="Currency"/> (the shop's base currency unless another was asked for).</summary>
public sealed record KpiReport(DateOnly AsOf, IReadOnlyList<MonthlyKpi> Months, IReadOnlyList<KpiProgress> Targets, string Currency = Currencies.Default);

public static class MonthlyKpis
{
    private static readonly int[] F2Windows = [30, 60, 90, 180];

    /// <summary>
    /// KPIs for every month from <paramref name="from"/> (default: the first order's month) to the as-of month, empty
    /// months included so charts keep their time axis. The as-of month is <see cref="MonthlyKpi.Complete"/> only when
    /// the as-of day is its last day. Money is in <paramref name="currency"/>; other currencies' sales are listed apart.
    /// </summary>
    public static KpiReport Compute(IReadOnlyList<CustomerHistory> customers, DateOnly asOf, IReadOnlyList<KpiTarget>? targets = null, DateOnly? from = null, string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(customers);
        if (customers.Count == 0)
        {
            return new KpiReport(asOf, [], Progress([], targets ?? []), currency);
        }

        var start = Months.Of(from ?? customers.Min(c => c.First.Day));
        var acc = Months.Range(start, asOf).ToDictionary(m => m, _ => new Accumulator());
        foreach (var c in customers)
        {
            for (var i = 0; i < c.Orders.Count; i++)
            {
                var o = c.Orders[i];
                if (!acc.TryGetValue(o.Month, out var a))
                {
                    continue;
                }

                a.Orders++;
                if (o.Currency == currency)
                {
                    a.CurrencyOrders++;
                    a.Sales += o.Net;
                    a.NewSales += i == 0 ? o.Net : 0;
                }
                else
                {
                    var other = a.Others.GetValueOrDefault(o.Currency);
                    a.Others[o.Currency] = (other.Sales + o.Net, other.NewSales + (i == 0 ? o.Net : 0), other.Orders + 1);
                }

                a.Active.Add(c.CustomerId);
            }

            var firstMonth = c.First.Month;
            if (acc.TryGetValue(firstMonth, out var cohort))
            {
                cohort.New++;
                var secondGap = c.Orders.Count > 1 ? c.Orders[1].Day.DayNumber - c.First.Day.DayNumber : int.MaxValue;
                for (var w = 0; w < F2Windows.Length; w++)
                {
                    if (secondGap <= F2Windows[w])
                    {
                        cohort.F2[w]++;
                    }
                }
            }
        }

        var months = acc.OrderBy(kv => kv.Key).Select(kv =>
        {
            var (month, a) = (kv.Key, kv.Value);
            var lastDay = Months.LastDay(month);
            double? F2(int w) => a.New == 0 || lastDay.AddDays(F2Windows[w]) > asOf ? null : (double)a.F2[w] / a.New;
            var repeatCustomers = a.Active.Count - a.New;
            return new MonthlyKpi(
                Months.Label(month),
                a.Sales,
                a.NewSales,
                a.Sales - a.NewSales,
                a.Orders,
                a.Active.Count,
                a.New,
                repeatCustomers,
                a.Active.Count == 0 ? null : (double)repeatCustomers / a.Active.Count,
                new F2Conversion(F2(0), F2(1), F2(2), F2(3)),
                a.CurrencyOrders == 0 ? null : a.Sales / a.CurrencyOrders,
                lastDay <= asOf,
                [.. a.Others.Select(kv => new CurrencySales(kv.Key, kv.Value.Sales, kv.Value.NewSales, kv.Value.Sales - kv.Value.NewSales, kv.Value.Orders))]);
        }).ToList();
        return new KpiReport(asOf, months, Progress(months, targets ?? []), currency);
    }

    public static IReadOnlyList<KpiProgress> Progress(IReadOnlyList<MonthlyKpi> months, IReadOnlyList<KpiTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(months);
        ArgumentNullException.ThrowIfNull(targets);
        var byMonth = months.ToDictionary(m => m.Month, StringComparer.Ordinal);
        return [.. targets.Select(t =>
        {
            var actual = byMonth.TryGetValue(t.Month, out var m) ? KpiNames.Value(m, t.Kpi) : null;
            return new KpiProgress(t.Kpi, t.Month, t.Value, actual, actual is null || t.Value == 0 ? null : actual / t.Value);
        })];
    }

    private sealed class Accumulator
    {
        public int Orders { get; set; }
        public int CurrencyOrders { get; set; }
        public decimal Sales { get; set; }
        public SortedDictionary<string, (decimal Sales, decimal NewSales, int Orders)> Others { get; } = new(StringComparer.Ordinal);
        public decimal NewSales { get; set; }
        public int New { get; set; }
        public HashSet<string> Active { get; } = new(StringComparer.Ordinal);
        public int[] F2 { get; } = new int[F2Windows.Length];
    }
}
