using System.Globalization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Analytics;

/// <summary>An order as the analyses read it: its day and month in the shop's calendar, net revenue in its currency, distinct products.</summary>
public sealed record HistoryOrder(DateOnly Day, decimal Net, IReadOnlyList<string> Products, bool IsSubscription, string Currency = Currencies.Default)
{
    public DateOnly Month => Months.Of(Day);
}

/// <summary>
/// A live customer's counted orders up to the as-of day, oldest first: the first is their acquisition order. The
/// customer's value (LTV, CLV) is in <see cref="Currency"/>, their first order's currency, over their orders in it.
/// </summary>
public sealed record CustomerHistory(string CustomerId, string? AcquisitionMedium, IReadOnlyList<HistoryOrder> Orders)
{
    public HistoryOrder First => Orders[0];

    public string Currency => Orders[0].Currency;

    /// <summary>Net revenue of the orders in <see cref="Currency"/> (up to <paramref name="until"/> when given).</summary>
    public decimal Value(DateOnly? until = null) => Orders.Where(o => o.Currency == Currency && (until is null || o.Day <= until)).Sum(o => o.Net);

    /// <summary>
    /// Histories of the active customers (merged records are folded into their survivor) with at least one counted
    /// order by the end of <paramref name="asOf"/> in the shop's time zone. Cancelled orders do not count; refunds
    /// reduce revenue. Same order as the customer profile: time, then order key, so ties never depend on storage order.
    /// </summary>
    public static IReadOnlyList<CustomerHistory> From(IEnumerable<CustomerRecord> customers, DateOnly asOf, ShopTime shopTime)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return [.. customers.Select(c => Of(c, asOf, shopTime)).OfType<CustomerHistory>()];
    }

    /// <summary>One record's history, or null when it is not a live customer by <paramref name="asOf"/>: lets callers fold a table scan without holding the records.</summary>
    public static CustomerHistory? Of(CustomerRecord customer, DateOnly asOf, ShopTime shopTime)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(shopTime);
        if (!customer.State.CountsInAnalytics())
        {
            return null;
        }

        var orders = customer.Orders.Where(o => o.Counts)
            .OrderBy(o => o.OrderedAt).ThenBy(o => o.Key.ToString(), StringComparer.Ordinal)
            .Select(o => new HistoryOrder(shopTime.Today(o.OrderedAt), o.Net, o.Products, o.IsSubscription, customer.CurrencyOf(o)))
            .Where(o => o.Day <= asOf)
            .ToList();
        return orders.Count == 0 ? null : new CustomerHistory(customer.CustomerId, customer.AcquisitionMedium, orders);
    }
}

/// <summary>Calendar months as their first day; shown as <c>yyyy-MM</c>.</summary>
public static class Months
{
    public static DateOnly Of(DateOnly day) => new(day.Year, day.Month, 1);

    public static string Label(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static DateOnly LastDay(DateOnly month) => month.AddMonths(1).AddDays(-1);

    public static IEnumerable<DateOnly> Range(DateOnly from, DateOnly to)
    {
        for (var m = Of(from); m <= Of(to); m = m.AddMonths(1))
        {
            yield return m;
        }
    }
}

/// <summary>Quantiles by linear interpolation between order statistics (R type 7, Excel QUARTILE.INC, DuckDB quantile_cont).</summary>
public static class Quantiles
{
    public static double Of(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(sorted));
        }

        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}

/// <summary>A distribution's count, quartiles and mean, e.g. of days between two purchases.</summary>
public sealed record Spread(int Count, double Q1, double Median, double Q3, double Mean)
{
    public static Spread? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0
            ? null
            : new Spread(sorted.Count, Quantiles.Of(sorted, 0.25), Quantiles.Of(sorted, 0.5), Quantiles.Of(sorted, 0.75), sorted.Average());
    }
}
