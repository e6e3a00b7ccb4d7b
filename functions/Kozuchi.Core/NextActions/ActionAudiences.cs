using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.NextActions;

/// <summary>
/// What the segment did in the shop's own history, without the action: the customers who matched the segment at the
/// end of <see cref="Since"/>, how many of them ordered in the <see cref="WindowDays"/> days after it, and the revenue
/// per matched customer (zeros included) as running sums, in the one currency the card shows (the shop's reporting
/// currency). A baseline, not an effect.
/// </summary>
public sealed record HistoricalConversion(DateOnly Since, int WindowDays, long Members, long Converted, double RevenueSum, double RevenueSumOfSquares)
{
    public double Rate => Members == 0 ? 0 : (double)Converted / Members;

    public double RevenuePerMember => Members == 0 ? 0 : RevenueSum / Members;
}

/// <summary>A candidate's segment today: its members, those a send of the preset can reach, and its history.</summary>
public sealed record ActionAudience(string CandidateId, int Members, int Reachable, HistoricalConversion? History);

/// <summary>Counts and measures the candidates' segments over the shop's customers (pure: the report pass feeds it).</summary>
public static class ActionAudiences
{
    /// <summary>
    /// Members and reachable members of each candidate's segment now, in one pass over the profiles (which carry
    /// today's predictions). A member is reachable when any of the preset's channels can reach them, as the engine's
    /// entry rule asks.
    /// </summary>
    public static IReadOnlyList<(int Members, int Reachable)> CountNow(IReadOnlyList<ActionCandidate> candidates, IEnumerable<CustomerProfile> profiles, SegmentContext context)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(profiles);
        var rules = candidates.Select(c => SegmentEvaluator.Compile(c.Segment.Rule, context)).ToArray();
        var members = new int[candidates.Count];
        var reachable = new int[candidates.Count];
        foreach (var profile in profiles)
        {
            for (var i = 0; i < rules.Length; i++)
            {
                if (rules[i](profile))
                {
                    members[i]++;
                    if (candidates[i].Channels.Any(profile.Reachability.CanReach))
                    {
                        reachable[i]++;
                    }
                }
            }
        }

        return [.. members.Zip(reachable)];
    }

    /// <summary>
    /// The reference day for a window: the window must have ended by <paramref name="asOf"/>'s last complete day,
    /// so the customers are taken as they were at the end of the day <c>asOf − 1 − window</c>.
    /// </summary>
    public static DateOnly Since(DateOnly asOf, int windowDays) => asOf.AddDays(-1 - windowDays);

    /// <summary>
    /// The segment's past: each customer as they were at the end of <paramref name="since"/> (orders up to that day;
    /// today's reachability, since consent history is not kept; predictions from a fit as of that day when the rule
    /// reads them), evaluated by the rule, and their purchases (orders of positive value) in the window after. A member
    /// converted when they bought at all; their revenue counts the orders in <paramref name="currency"/> only — the
    /// reporting currency 次の一手 states its amounts in — since amounts in two currencies are never added. Null when
    /// nobody had ordered by then.
    /// </summary>
    public static HistoricalConversion? Measure(
        ActionCandidate candidate,
        DateOnly since,
        IEnumerable<(CustomerHistory History, CustomerProfile Current)> customers,
        ShopTime shop,
        PredictionSet? predictionsThen,
        string currency = Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(shop);
        var end = since.AddDays(candidate.WindowDays);
        var rule = SegmentEvaluator.Compile(candidate.Segment.Rule, new SegmentContext(shop.At(since, new TimeOnly(12, 0)), shop));
        long customersThen = 0, members = 0, converted = 0;
        double sum = 0, squares = 0;
        foreach (var (history, current) in customers)
        {
            if (AsOf(history, current, since, shop, predictionsThen) is not { } then)
            {
                continue;
            }

            customersThen++;
            if (!rule(then))
            {
                continue;
            }

            members++;
            var revenue = 0m;
            var ordered = false;
            foreach (var order in history.Orders)
            {
                if (order.Day > since && order.Day <= end && order.Net > 0)
                {
                    ordered = true;
                    revenue += order.Currency == currency ? order.Net : 0;
                }
            }

            converted += ordered ? 1 : 0;
            sum += (double)revenue;
            squares += (double)revenue * (double)revenue;
        }

        return customersThen == 0 ? null : new HistoricalConversion(since, candidate.WindowDays, members, converted, sum, squares);
    }

    /// <summary>
    /// The profile as it was at the end of <paramref name="day"/>, or null when the customer had not ordered yet. Its
    /// monetary figures are in its first order's currency, other currencies totalled apart, as in the live profile.
    /// </summary>
    public static CustomerProfile? AsOf(CustomerHistory history, CustomerProfile current, DateOnly day, ShopTime shop, PredictionSet? predictions)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(shop);
        var count = history.Orders.TakeWhile(o => o.Day <= day).Count();
        if (count == 0)
        {
            return null;
        }

        var orders = history.Orders.Take(count).ToList();
        var last = orders[^1];
        var totals = Currencies.Totals(orders.Select(o => (o.Currency, o.Net, 1)), orders[0].Currency);
        return current with
        {
            FirstOrderAt = shop.At(orders[0].Day, new TimeOnly(12, 0)),
            LastOrderAt = shop.At(last.Day, new TimeOnly(12, 0)),
            Frequency = count,
            Monetary = totals[0].Amount,
            Currency = totals[0].Currency,
            OtherMonetary = [.. totals.Skip(1)],
            EntryProducts = orders[0].Products,
            LastProducts = last.Products,
            BoughtProducts = orders.SelectMany(o => o.Products).ToHashSet(StringComparer.Ordinal),
            IsSubscriber = orders.Any(o => o.IsSubscription && o.Day >= last.Day.AddDays(-120)),
            Prediction = predictions?.Find(current.CustomerId),
        };
    }

    /// <summary>
    /// The summaries a fit as of <paramref name="day"/> reads, from the histories: purchases of positive value up to
    /// that day in each customer's value currency, as <see cref="RepeatSummaries.FromCustomers"/> takes them (a spend
    /// model fitted on amounts in two currencies would mean nothing).
    /// </summary>
    public static IReadOnlyList<RepeatSummary> SummariesAsOf(IEnumerable<CustomerHistory> histories, DateOnly day) =>
        RepeatSummaries.FromPurchases(
            (histories ?? throw new ArgumentNullException(nameof(histories))).SelectMany(h => h.Orders.Where(o => o.Net > 0 && o.Currency == h.Currency).Select(o => new Purchase(h.CustomerId, o.Day, o.Net))),
            day);
}
