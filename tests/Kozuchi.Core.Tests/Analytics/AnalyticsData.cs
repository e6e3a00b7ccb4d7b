using System.Globalization;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>Small customer records for the analytics tests, with order times written in Japan time.</summary>
internal static class AnalyticsData
{
    public static OrderSummary O(string id, string jst, decimal net, params string[] products) =>
        new(new OrderKey("t", id), At(jst), At(jst), true, net, products, false);

    public static OrderSummary Cancelled(string id, string jst, params string[] products) =>
        new(new OrderKey("t", id), At(jst), At(jst), false, 0, products, false);

    public static CustomerRecord C(string id, string? medium, params OrderSummary[] orders) =>
        new() { CustomerId = id, AcquisitionMedium = medium, Orders = orders };

    public static DateTimeOffset At(string jst) =>
        new(DateTime.ParseExact(jst.Length == 10 ? jst + "T12:00" : jst, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), TimeSpan.FromHours(9));

    /// <summary>
    /// The worked example every hand computation in the analytics tests refers to (as of 2026-05-31, JST):
    /// A (google): 01-05 ¥1,000 [P1]; 01-20 ¥2,000 [P1,P2]; 03-10 ¥3,000 [P2].
    /// B (line):   01-15 ¥500 [P1]; 04-01 ¥1,500 [P3] (76 days later).
    /// C (none):   02-10 ¥4,000 [P2,P3]; 02-12 cancelled [P1] (does not count).
    /// D (google): 2026-02-28 16:00 UTC = 03-01 01:00 JST ¥800 [P3]: a March customer in the shop's calendar.
    /// E: merged into another record, its January ¥7,777 order counts nowhere.
    /// F: first order 06-02, after the as-of day: not a customer yet.
    /// </summary>
    public static IReadOnlyList<CustomerRecord> Example() =>
    [
        C("A", "google", O("a1", "2026-01-05", 1000, "P1"), O("a2", "2026-01-20", 2000, "P1", "P2"), O("a3", "2026-03-10", 3000, "P2")),
        C("B", "line", O("b1", "2026-01-15", 500, "P1"), O("b2", "2026-04-01", 1500, "P3")),
        C("C", null, O("c1", "2026-02-10", 4000, "P2", "P3"), Cancelled("c2", "2026-02-12", "P1")),
        C("D", "google", new OrderSummary(new OrderKey("t", "d1"), new DateTimeOffset(2026, 2, 28, 16, 0, 0, TimeSpan.Zero), default, true, 800, ["P3"], false)),
        C("E", "google", O("e1", "2026-01-07", 7777, "P1")) with { State = CustomerState.Merged, MergedInto = "A" },
        C("F", "google", O("f1", "2026-06-02", 900, "P1")),
    ];

    public static readonly DateOnly ExampleAsOf = new(2026, 5, 31);

    /// <summary>Demo orders folded into one record per real person (ground truth), as ingest would without resolution errors.</summary>
    public static IReadOnlyList<CustomerRecord> Demo(int people, int seed, DateOnly asOf)
    {
        var data = DemoGenerator.Generate(new DemoOptions { Customers = people, Seed = seed, AsOf = asOf });
        return [.. data.Orders.GroupBy(o => data.GroundTruth[o.Key]).Select(g => new CustomerRecord
        {
            CustomerId = g.Key,
            AcquisitionMedium = g.OrderBy(o => o.OrderedAt).First().AcquisitionMedium,
            Orders = [.. g.Select(OrderSummary.Of)],
        })];
    }
}
