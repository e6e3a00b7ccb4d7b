using System.Text;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Tests.Demo;

public sealed class DemoGeneratorTests
{
    private static readonly DateOnly AsOf = new(2026, 5, 31);
    private static readonly DemoOptions Small = new() { Seed = 42, Customers = 2000, AsOf = AsOf };

    // One shared history for the shape checks: generating it is the expensive part.
    private static readonly Lazy<DemoData> Shared = new(() => DemoGenerator.Generate(Small));

    private static string Fingerprint(IEnumerable<Order> orders)
    {
        using var writer = new StringWriter();
        OrderCsvWriter.WriteHeader(writer);
        foreach (var o in orders)
        {
            OrderCsvWriter.Write(writer, o);
            writer.Write($"{o.UpdatedAt:O}|{o.RefundedAmount}|{o.IsSubscription}|{o.AcquisitionMedium}|{o.Contact.NameKana}|{o.Contact.Birthday}|{o.Contact.EmailOptIn}\n");
        }

        return writer.ToString();
    }

    [Fact]
    public void Same_seed_gives_identical_history()
    {
        var options = Small with { Customers = 500 };
        var a = DemoGenerator.Generate(options);
        var b = DemoGenerator.Generate(options);

        Assert.Equal(Fingerprint(a.Orders), Fingerprint(b.Orders));
        Assert.Equal(a.GroundTruth, b.GroundTruth);
    }

    [Fact]
    public void Different_seeds_give_different_histories()
    {
        var a = DemoGenerator.Generate(Small with { Customers = 300 });
        var b = DemoGenerator.Generate(Small with { Customers = 300, Seed = 43 });

        Assert.NotEqual(Fingerprint(a.Orders), Fingerprint(b.Orders));
        Assert.NotEqual(a.Orders.Select(o => o.Contact.Email).ToList(), b.Orders.Select(o => o.Contact.Email).ToList());
    }

    [Fact]
    public void Orders_are_in_time_order_within_the_window_and_every_person_buys()
    {
        var data = Shared.Value;
        var start = new DateTimeOffset(AsOf.AddDays(-3 * 365 + 1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(9));
        var end = new DateTimeOffset(AsOf.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(9));

        Assert.Equal(2000, data.People);
        Assert.All(data.Orders, o => Assert.InRange(o.OrderedAt, start, end.AddTicks(-1)));
        Assert.All(data.Orders, o => Assert.Equal(TimeSpan.FromHours(9), o.OrderedAt.Offset));
        Assert.True(data.Orders.Zip(data.Orders.Skip(1)).All(p => p.First.OrderedAt <= p.Second.OrderedAt), "orders out of time order");
        Assert.Equal(data.Orders.Count, data.Orders.Select(o => o.Key).Distinct().Count());
        Assert.All(data.Orders, o => Assert.Equal("demo", o.Key.Source));

        // A growing shop: the last year brings more new people than the first.
        var firsts = data.Orders.GroupBy(o => data.GroundTruth[o.Key]).Select(g => g.Min(o => o.OrderedAt)).ToList();
        Assert.True(firsts.Count(f => f >= end.AddYears(-1)) > firsts.Count(f => f < start.AddYears(1)));
    }

    [Fact]
    public void Totals_are_lines_plus_shipping_and_prices_are_positive()
    {
        var data = Shared.Value;
        Assert.All(data.Orders, o =>
        {
            Assert.NotEmpty(o.Lines);
            Assert.All(o.Lines, l => Assert.True(l.UnitPrice > 0 && l.Quantity > 0));
            var shipping = o.Total - o.Lines.Sum(l => l.UnitPrice * l.Quantity);
            Assert.Equal(DemoCatalogue.Shipping(o.Lines, o.IsSubscription), shipping);
            Assert.Contains(shipping, new[] { 0m, DemoCatalogue.ShippingFee });
            Assert.Equal("JPY", o.Currency);
            Assert.InRange(o.RefundedAmount, 0m, o.Total);
            Assert.All(o.Lines, l => Assert.Equal(DemoCatalogue.Get(l.Sku!).Price, l.UnitPrice));
        });
        Assert.Contains(data.Orders, o => o.Total > o.Lines.Sum(l => l.UnitPrice * l.Quantity));
    }

    [Fact]
    public void Every_order_carries_a_strong_identifier()
    {
        Assert.All(Shared.Value.Orders, o => Assert.NotEmpty(IdentityKey.From(o)));
        Assert.Contains(Shared.Value.Orders, o => o.Contact.Email is null);
        Assert.Contains(Shared.Value.Orders, o => o.CartCustomerId is null);
    }

    [Fact]
    public void History_has_the_shape_of_a_japanese_d2c_shop()
    {
        var data = Shared.Value;
        var byPerson = data.Orders.GroupBy(o => data.GroundTruth[o.Key]).ToList();
        var counted = byPerson.Select(g => g.Count(o => o.Counts)).ToList();
        var f2 = counted.Count(c => c >= 2) / (double)byPerson.Count;
        var ordersPerPerson = data.Orders.Count / (double)data.People;
        var subscriptionShare = data.Orders.Count(o => o.IsSubscription) / (double)data.Orders.Count;
        var media = data.Orders.Where(o => o.AcquisitionMedium is not null).GroupBy(o => o.AcquisitionMedium!).ToDictionary(g => g.Key, g => g.Count());
        var statuses = data.Orders.GroupBy(o => o.Status).ToDictionary(g => g.Key, g => g.Count());
        var entry = byPerson.Select(g => g.First().Lines[0].Sku!).GroupBy(sku => DemoCatalogue.Get(sku).Kind).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{data.Orders.Count} orders of {data.People} people: {ordersPerPerson:F2} per person, F2 {f2:P1}, 定期便 orders {subscriptionShare:P1}, " +
            $"statuses {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))}; entry {string.Join(", ", entry.Select(e => $"{e.Key} {e.Value}"))}");

        Assert.InRange(f2, 0.25, 0.35);
        Assert.InRange(ordersPerPerson, DemoOptions.OrdersPerCustomer * 0.85, DemoOptions.OrdersPerCustomer * 1.15);
        Assert.InRange(subscriptionShare, 0.1, 0.6);
        Assert.Equal(6, media.Count);
        Assert.Equal(data.People, media.Values.Sum());
        Assert.True(statuses.GetValueOrDefault(OrderStatus.Cancelled) > 0 && statuses.GetValueOrDefault(OrderStatus.Refunded) > 0, "no cancellations or refunds");
        Assert.True(statuses[OrderStatus.Paid] > data.Orders.Count * 0.9);
        Assert.True(entry[DemoProductKind.Trial] > entry.GetValueOrDefault(DemoProductKind.Set7));
        Assert.Contains(data.Orders, o => o.Lines.Any(l => DemoCatalogue.Get(l.Sku!).Kind == DemoProductKind.Set4));
    }

    [Fact]
    public void People_look_japanese_and_use_only_reserved_example_domains()
    {
        var data = Shared.Value;
        Assert.All(data.Orders.Where(o => o.Contact.Email is not null), o =>
            Assert.Matches(@"@example\.(com|net|org|jp|co\.jp|ne\.jp)$", IdentityNormalizer.Email(o.Contact.Email)!));
        Assert.All(data.Orders, o => Assert.NotNull(IdentityNormalizer.SplitPrefecture(o.Contact.Address).Prefecture));
        Assert.All(data.Orders, o => Assert.NotNull(IdentityNormalizer.PostalCode(o.Contact.PostalCode)));
        Assert.All(data.Orders, o => Assert.Matches("^[ァ-ヶー]+ [ァ-ヶー]+$", o.Contact.NameKana!));
        Assert.All(data.Orders.Where(o => o.Contact.Phone is not null), o => Assert.StartsWith("+81", IdentityNormalizer.Phone(o.Contact.Phone)!));

        var phones = data.Orders.Where(o => o.Contact.Phone is not null).Select(o => IdentityNormalizer.Phone(o.Contact.Phone)!).ToList();
        Assert.Contains(phones, p => p.StartsWith("+8190", StringComparison.Ordinal));
        Assert.Contains(phones, p => !p.StartsWith("+8190", StringComparison.Ordinal) && !p.StartsWith("+8180", StringComparison.Ordinal) && !p.StartsWith("+8170", StringComparison.Ordinal));
        Assert.True(data.Orders.Select(o => IdentityNormalizer.SplitPrefecture(o.Contact.Address).Prefecture).Distinct().Count() > 30);
    }

    [Fact]
    public void Dirt_is_injected_and_no_identifier_is_shared_across_people_except_family_landlines()
    {
        var data = Shared.Value;
        var raw = data.Orders.Where(o => o.Contact.Email is { } e && e != IdentityNormalizer.Email(e)).ToList();
        Assert.NotEmpty(raw);
        Assert.Contains(data.Orders, o => o.Contact.Phone is { } p && p.Any(c => c is >= '０' and <= '９'));
        Assert.Contains(data.Orders, o => o.Contact.Phone is { } p && p.StartsWith("+81", StringComparison.Ordinal));

        // A person who also checked out as a guest: orders with and without the cart customer id.
        Assert.Contains(data.Orders.GroupBy(o => data.GroundTruth[o.Key]), g => g.Any(o => o.CartCustomerId is null) && g.Any(o => o.CartCustomerId is not null));

        var owners = data.Orders.SelectMany(o => IdentityKey.From(o).Select(k => (Key: k, Person: data.GroundTruth[o.Key])))
            .GroupBy(x => x.Key).Where(g => g.Select(x => x.Person).Distinct().Count() > 1).ToList();
        Assert.All(owners, g => Assert.Equal(IdentityKind.Phone, g.Key.Kind));
    }

    [Fact]
    public void Stream_is_the_same_history_and_stops_at_max_orders()
    {
        var options = Small with { Customers = 300 };
        var all = DemoGenerator.Generate(options);
        var streamed = DemoGenerator.Stream(options).ToList();
        Assert.Equal(Fingerprint(all.Orders), Fingerprint(streamed));

        var capped = DemoGenerator.Stream(options with { MaxOrders = 100 }).ToList();
        Assert.Equal(100, capped.Count);
        Assert.Equal(Fingerprint(all.Orders.Take(100)), Fingerprint(capped));
    }

    [Fact]
    public void For_orders_gives_exactly_that_many()
    {
        var options = DemoOptions.ForOrders(3000, 5, AsOf);
        Assert.Equal(3000, DemoGenerator.Stream(options).Count());
    }

    [Fact]
    public void Csv_round_trips_through_the_kozuchi_importer()
    {
        var options = Small with { Customers = 300 };
        var data = DemoGenerator.Generate(options);
        using var stream = new MemoryStream();
        var written = DemoGenerator.WriteCsv(stream, options);

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.StartsWith("order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n", text, StringComparison.Ordinal);
        var parser = new OrderCsvParser(CsvMapping.Kozuchi, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var chunks = parser.Parse(new StringReader(text)).ToList();
        var parsed = chunks.SelectMany(c => c.Orders).ToList();

        Assert.Empty(chunks.SelectMany(c => c.Errors));
        Assert.Equal(data.Orders.Count, written);
        Assert.Equal(data.Orders.Select(o => (o.Key, o.OrderedAt, o.Total, o.Status, o.Lines.Count)), parsed.Select(o => (o.Key, o.OrderedAt, o.Total, o.Status, o.Lines.Count)));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DemoGenerator.Stream(Small with { Customers = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DemoGenerator.Stream(Small with { DirtyShare = 1.5 }));
    }
}
