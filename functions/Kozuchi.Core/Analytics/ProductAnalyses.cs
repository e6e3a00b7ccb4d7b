namespace Kozuchi.Core.Analytics;

/// <summary>商品転換: customers who bought <see cref="From"/> in one order and <see cref="To"/> in their next, and the days between.</summary>
public sealed record ProductConversion(string From, string To, int Count, double MedianDays, double Q1Days, double Q3Days);

/// <summary>A range of days to the second purchase (<see cref="ToDays"/> null: open-ended) and how many customers fall in it.</summary>
public sealed record DaysBucket(int FromDays, int? ToDays, int Customers, double Share);

/// <summary>転換日数: days from the first to the second order of customers who have one.</summary>
public sealed record DaysToSecondPurchase(int Customers, Spread? Days, IReadOnlyList<DaysBucket> Buckets);

/// <summary>バスケット分析 for one pair of products bought in the same order (A before B in ordinal order).</summary>
public sealed record BasketPair(string ProductA, string ProductB, int Orders, double Support, double ConfidenceAToB, double ConfidenceBToA, double Lift);

public static class ProductAnalyses
{
    private static readonly int[] BucketStarts = [0, 8, 15, 31, 61, 91, 181, 366];

    /// <summary>
    /// Pairs A → B over consecutive orders of the same customer (order n to n+1; only the first to the second when
    /// <paramref name="firstToSecondOnly"/>): each distinct product of one order paired with each of the next. Days are
    /// calendar days in the shop's zone; quartiles interpolate linearly.
    /// </summary>
    public static IReadOnlyList<ProductConversion> Conversions(IReadOnlyList<CustomerHistory> customers, bool firstToSecondOnly = false, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var pairs = new Dictionary<(string, string), List<double>>();
        foreach (var c in customers)
        {
            var steps = firstToSecondOnly ? Math.Min(1, c.Orders.Count - 1) : c.Orders.Count - 1;
            for (var i = 0; i < steps; i++)
            {
                var (a, b) = (c.Orders[i], c.Orders[i + 1]);
                var days = b.Day.DayNumber - a.Day.DayNumber;
                foreach (var from in a.Products.Distinct(StringComparer.Ordinal))
                {
                    foreach (var to in b.Products.Distinct(StringComparer.Ordinal))
                    {
                        if (!pairs.TryGetValue((from, to), out var list))
                        {
                            pairs[(from, to)] = list = [];
                        }

                        list.Add(days);
                    }
                }
            }
        }

        return [.. pairs.Where(p => p.Value.Count >= minCount).Select(p =>
        {
            var spread = Spread.Of(p.Value)!;
            return new ProductConversion(p.Key.Item1, p.Key.Item2, spread.Count, spread.Median, spread.Q1, spread.Q3);
        })
        .OrderByDescending(p => p.Count).ThenBy(p => p.From, StringComparer.Ordinal).ThenBy(p => p.To, StringComparer.Ordinal)];
    }

    public static DaysToSecondPurchase DaysToSecond(IReadOnlyList<CustomerHistory> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var days = customers.Where(c => c.Orders.Count > 1).Select(c => c.Orders[1].Day.DayNumber - c.First.Day.DayNumber).ToList();
        var buckets = BucketStarts.Select((start, i) =>
        {
            int? end = i + 1 < BucketStarts.Length ? BucketStarts[i + 1] - 1 : null;
            var n = days.Count(d => d >= start && (end is null || d <= end));
            return new DaysBucket(start, end, n, days.Count == 0 ? 0 : (double)n / days.Count);
        }).ToList();
        return new DaysToSecondPurchase(days.Count, Spread.Of(days.Select(d => (double)d)), buckets);
    }

    /// <summary>
    /// Product pairs bought together in one order. Support = orders with both / orders with any product; confidence
    /// A→B = orders with both / orders with A; lift = support / (support(A)·support(B)), above 1 when they go together
    /// more often than chance.
    /// </summary>
    public static IReadOnlyList<BasketPair> Basket(IReadOnlyList<CustomerHistory> customers, int minOrders = 1)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var single = new Dictionary<string, int>(StringComparer.Ordinal);
        var pair = new Dictionary<(string, string), int>();
        var orders = 0;
        foreach (var o in customers.SelectMany(c => c.Orders))
        {
            var products = o.Products.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (products.Length == 0)
            {
                continue;
            }

            orders++;
            foreach (var p in products)
            {
                single[p] = single.GetValueOrDefault(p) + 1;
            }

            for (var i = 0; i < products.Length; i++)
            {
                for (var j = i + 1; j < products.Length; j++)
                {
                    pair[(products[i], products[j])] = pair.GetValueOrDefault((products[i], products[j])) + 1;
                }
            }
        }

        return [.. pair.Where(p => p.Value >= minOrders).Select(p =>
        {
            var (a, b) = p.Key;
            var (na, nb) = (single[a], single[b]);
            return new BasketPair(a, b, p.Value, (double)p.Value / orders, (double)p.Value / na, (double)p.Value / nb, (double)p.Value * orders / ((double)na * nb));
        })
        .OrderByDescending(p => p.Orders).ThenByDescending(p => p.Lift).ThenBy(p => p.ProductA, StringComparer.Ordinal).ThenBy(p => p.ProductB, StringComparer.Ordinal)];
    }
}
