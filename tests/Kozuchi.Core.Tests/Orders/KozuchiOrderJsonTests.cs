using System.Text.Json;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;

namespace Kozuchi.Core.Tests.Orders;

public sealed class KozuchiOrderJsonTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    [Fact]
    public void Written_orders_parse_back_to_the_same_orders()
    {
        var orders = DemoGenerator.Stream(new DemoOptions { Seed = 3, Customers = 300, AsOf = new DateOnly(2026, 10, 31) }).Take(400).ToList();
        Assert.Contains(orders, o => o.Status == OrderStatus.Cancelled);
        Assert.Contains(orders, o => o.IsSubscription);

        var parsed = KozuchiOrderJson.Parse(KozuchiOrderJson.Write(orders), Tokyo);

        Assert.Null(parsed.Error);
        Assert.Equal(orders.Select(Canonical), parsed.Orders.Select(Canonical));
    }

    [Fact]
    public void More_than_a_request_holds_is_refused_before_writing()
    {
        var orders = DemoGenerator.Stream(DemoOptions.ForOrders(KozuchiOrderJson.MaxOrdersPerPayload + 1, 1, new DateOnly(2026, 10, 31))).ToList();
        Assert.Throws<ArgumentException>(() => KozuchiOrderJson.Write(orders));
    }

    // Records compare their lists by reference: compare what they hold instead.
    private static string Canonical(Order o) => JsonSerializer.Serialize(o);
}
