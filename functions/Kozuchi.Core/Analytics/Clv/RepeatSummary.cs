using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// What the repeat-purchase models read of a customer (the BTYD "RFM summary"): <see cref="Frequency"/> repeat
/// purchase days after the first, <see cref="Recency"/> from the first to the last purchase day and <see cref="T"/>
/// from the first purchase day to the end of observation, both in periods; <see cref="MonetaryValue"/> the mean
/// value of the repeat purchase days (0 without repeats).
/// </summary>
public sealed record RepeatSummary(string CustomerId, int Frequency, double Recency, double T, double MonetaryValue = 0);

/// <summary>One purchase as the summaries read it: whose, which day (the shop's calendar) and how much.</summary>
public readonly record struct Purchase(string CustomerId, DateOnly Day, decimal Value);

public static class RepeatSummaries
{
    /// <summary>
    /// Summaries from purchases up to and including <paramref name="observationEnd"/>. Several purchases on one day
    /// are one purchase occasion (their values add up), as in the models' published fits: the models count buying
    /// occasions, and a split basket is not a second decision to buy.
    /// </summary>
    public static IReadOnlyList<RepeatSummary> FromPurchases(IEnumerable<Purchase> purchases, DateOnly observationEnd, double daysPerPeriod = 7)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(daysPerPeriod);
        return [.. purchases
            .Where(p => p.Day <= observationEnd)
            .GroupBy(p => p.CustomerId, StringComparer.Ordinal)
            .Select(g =>
            {
                var days = g.GroupBy(p => p.Day).Select(d => (Day: d.Key, Value: d.Sum(p => p.Value))).OrderBy(d => d.Day).ToList();
                var first = days[0].Day;
                var repeats = days.Skip(1).ToList();
                var monetary = repeats.Count == 0 ? 0 : (double)(repeats.Sum(d => d.Value) / repeats.Count);
                return new RepeatSummary(
                    g.Key,
                    repeats.Count,
                    (days[^1].Day.DayNumber - first.DayNumber) / daysPerPeriod,
                    (observationEnd.DayNumber - first.DayNumber) / daysPerPeriod,
                    monetary);
            })
            .OrderBy(s => s.CustomerId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Summaries of live customers' counted orders (net of refunds), days in the shop's time zone. With a
    /// <paramref name="currency"/>, only the customers whose value is in it (their first order's currency) and their
    /// orders in it: a spend model fitted on amounts in two currencies would mean nothing.
    /// </summary>
    public static IReadOnlyList<RepeatSummary> FromCustomers(IEnumerable<CustomerRecord> customers, DateOnly observationEnd, ShopTime shopTime, double daysPerPeriod = 7, string? currency = null)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(shopTime);
        return FromPurchases(
            customers.Where(c => c.State.CountsInAnalytics() && (currency is null || c.MonetaryCurrency() == currency))
                .SelectMany(c => c.Orders.Where(o => o.Counts && (currency is null || c.CurrencyOf(o) == currency)).Select(o => new Purchase(c.CustomerId, shopTime.Today(o.OrderedAt), o.Net))),
            observationEnd,
            daysPerPeriod);
    }

    /// <summary>
    /// The customers a fit reads: all of them up to <paramref name="limit"/>, beyond that a fixed pseudo-random
    /// <paramref name="limit"/> — the customers whose ids hash lowest (FNV-1a), so the same customers every time and
    /// whatever order they come in. The parameters' sampling error at a hundred thousand customers is far below what a
    /// week of new orders moves them, while each optimiser step over a million customers would cost ten times more.
    /// </summary>
    public static IReadOnlyList<RepeatSummary> FitSample(IReadOnlyList<RepeatSummary> summaries, int limit)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return summaries.Count <= limit
            ? summaries
            : [.. summaries.OrderBy(s => Fnv1a(s.CustomerId)).ThenBy(s => s.CustomerId, StringComparer.Ordinal).Take(limit)];
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
