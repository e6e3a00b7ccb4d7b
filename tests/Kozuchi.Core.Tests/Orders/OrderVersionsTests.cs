using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Pulls;

namespace Kozuchi.Core.Tests.Orders;

/// <summary>
/// Which version of an order wins is decided by what the versions say, not by when they arrived: Shopify stamps
/// <c>updated_at</c> to the second, so a paid version and its cancellation can carry the same time.
/// </summary>
public sealed class OrderVersionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    /// <summary>Shopify's sample notification as paid, and as the cancelled (voided) version it is, both stamped the same second.</summary>
    private static (Order Paid, Order Cancelled) SameSecondVersions()
    {
        var cancelled = Assert.Single(ShopifyOrderJsonTests.Parse(ShopifyOrderJsonTests.Body("sample-notification.json")).Orders);
        var paid = Assert.Single(ShopifyOrderJsonTests.Parse(ShopifyOrderJsonTests.Body("sample-notification.json").Also(b =>
        {
            b["financial_status"] = "paid";
            b["cancelled_at"] = null;
            b["cancel_reason"] = null;
        })).Orders);
        Assert.Equal(paid.UpdatedAt, cancelled.UpdatedAt);
        return (paid, cancelled);
    }

    private static CustomerProfile Profile(IngestWorkingSet set) => Assert.Single(set.Customers.Values, c => c.State == CustomerState.Active).ToProfile();

    [Fact]
    public void A_cancellation_in_the_same_second_as_the_paid_version_wins_whatever_arrives_first()
    {
        var (paid, cancelled) = SameSecondVersions();

        foreach (var arrival in new[] { new[] { paid, cancelled }, [cancelled, paid] })
        {
            var set = new IngestWorkingSet();
            var outcomes = arrival.Select(o => CustomerLedger.Apply(set, o, Now)).ToList();

            var profile = Profile(set);
            Assert.Equal((0, 0m), (profile.Frequency, profile.Monetary));
            Assert.Equal(arrival[0] == paid ? ApplyOutcome.Updated : ApplyOutcome.Unchanged, outcomes[1]);
        }
    }

    [Fact]
    public void The_same_version_again_is_unchanged()
    {
        var (_, cancelled) = SameSecondVersions();
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, cancelled, Now);
        set.ClearDirty();

        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, cancelled, Now));
        Assert.Empty(set.DirtyOrders);
    }

    [Fact]
    public void Within_one_second_a_refund_a_later_financial_state_and_a_later_fulfilment_each_win()
    {
        var (paid, _) = SameSecondVersions();

        Assert.True(OrderVersions.Compare(paid with { Status = OrderStatus.PartiallyRefunded, RefundedAmount = 10m, RefundIds = ["r1"] }, paid) > 0);
        Assert.True(OrderVersions.Compare(paid, paid with { Status = OrderStatus.Pending }) > 0);
        Assert.True(OrderVersions.Compare(paid with { Fulfillment = FulfillmentStatus.Fulfilled }, paid with { Fulfillment = FulfillmentStatus.Partial }) > 0);
        Assert.Equal(0, OrderVersions.Compare(paid, paid with { }));

        // A later time still wins over a version further along but older (a cancellation undone by the shop is newer).
        Assert.True(OrderVersions.Compare(paid with { UpdatedAt = paid.UpdatedAt.AddSeconds(1) }, paid with { Status = OrderStatus.Cancelled }) > 0);
    }

    [Fact]
    public void A_summary_stored_before_stamps_is_not_undone_by_a_same_time_version_less_far_along()
    {
        var (paid, cancelled) = SameSecondVersions();
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, cancelled, Now);
        var id = set.Customers.Keys.Single();
        var legacy = set.Customers[id] with { Orders = [.. set.Customers[id].Orders.Select(o => o with { Version = null, Currency = null })] };
        set.Customers[id] = legacy;

        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, paid, Now));
        Assert.Equal(0, Profile(set).Frequency);
    }

    [Fact]
    public void A_csv_re_import_of_a_shopify_export_cancels_the_order_though_the_export_has_no_update_time()
    {
        const string header = "Name,Email,Financial Status,Fulfillment Status,Accepts Marketing,Currency,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Address1,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Cancelled at,Refunded Amount\r\n";
        const string first = header + "#1001,hanako@example.jp,paid,fulfilled,yes,JPY,5980,2026-10-01 10:00:00 +0900,1,美容液,5980,SERUM-30,佐藤 花子,神宮前1-2-3,渋谷区,150-0001,JP-13,JP,090-1111-2222,,0\r\n";
        const string again = header + "#1001,hanako@example.jp,voided,fulfilled,yes,JPY,5980,2026-10-01 10:00:00 +0900,1,美容液,5980,SERUM-30,佐藤 花子,神宮前1-2-3,渋谷区,150-0001,JP-13,JP,090-1111-2222,2026-10-03 12:00:00 +0900,0\r\n";
        var mapping = CsvMapping.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "mappings", "shopify.json")));
        Order Read(string csv) => Assert.Single(new OrderCsvParser(mapping, Tokyo).Parse(new StringReader(csv)).SelectMany(c => c.Orders));

        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Read(first), Now);
        Assert.Equal(ApplyOutcome.Updated, CustomerLedger.Apply(set, Read(again), Now));
        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, Read(first), Now));

        Assert.Equal(0, Profile(set).Frequency);
        var order = Read(first);
        Assert.Equal(("東京都", "渋谷区", "東京都渋谷区神宮前1-2-3", FulfillmentStatus.Fulfilled), (order.Contact.Region, order.Contact.City, order.Contact.Address, order.Fulfillment));
    }

    [Fact]
    public void A_pulled_page_follows_the_same_rule_as_the_webhook()
    {
        var (_, cancelled) = SameSecondVersions();
        var paidBody = ShopifyOrderJsonTests.Body("sample-notification.json").Also(b =>
        {
            b["financial_status"] = "paid";
            b["cancelled_at"] = null;
        });
        var page = PulledOrders.Write(new PullSource { Name = "shopify", Kind = CartKind.Shopify }, [paidBody]);
        var pulled = Assert.Single(PulledOrders.Parse(page, Tokyo).Orders);

        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, cancelled, Now);
        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, pulled, Now));
        Assert.Equal(0, Profile(set).Frequency);
    }

    /// <summary>
    /// Versions of one order: two update times, a cancellation or not, a refund or not, a fulfilment or not, and contact
    /// edits — few enough values that versions tie on time and progress and differ only in content, often.
    /// </summary>
    private static Arbitrary<Order[]> Versions()
    {
        var (paid, _) = SameSecondVersions();
        var version = from second in Gen.Choose(0, 1)
                      from status in Gen.Elements(OrderStatus.Paid, OrderStatus.Cancelled, OrderStatus.PartiallyRefunded)
                      from refunded in Gen.Elements(0m, 10m)
                      from fulfilment in Gen.Elements(FulfillmentStatus.None, FulfillmentStatus.Fulfilled)
                      from note in Gen.Elements("A", "B", "C")
                      select paid with
                      {
                          UpdatedAt = paid.UpdatedAt.AddSeconds(second),
                          Status = status,
                          RefundedAmount = refunded,
                          RefundIds = refunded == 0 ? [] : ["r-" + refunded],
                          Fulfillment = fulfilment,
                          Contact = paid.Contact with { AddressLine2 = note },
                      };
        return Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(version, n)).ToArbitrary();
    }

    [Property(MaxTest = 300)]
    public Property Any_arrival_order_of_the_versions_ends_in_the_same_stored_order() =>
        Prop.ForAll(Versions(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (versions, seed) =>
        {
            var latest = versions.Aggregate((a, b) => OrderVersions.Compare(b, a) > 0 ? b : a);
            var shuffled = versions.OrderBy(_ => new Random(seed).Next()).ToArray();
            new Random(seed).Shuffle(shuffled);

            OrderSummary Stored(IEnumerable<Order> arrival)
            {
                var set = new IngestWorkingSet();
                foreach (var o in arrival)
                {
                    CustomerLedger.Apply(set, o, Now);
                }

                return Assert.Single(set.Customers.Values.Single().Orders);
            }

            static object Held(OrderSummary s) => (s.Version, s.UpdatedAt, s.Counts, s.Net, s.Currency);
            var inOrder = Stored(versions);
            var reversed = Stored(versions.Reverse());
            var random = Stored(shuffled);
            return inOrder.Version == OrderVersions.Stamp(latest) && Held(reversed).Equals(Held(inOrder)) && Held(random).Equals(Held(inOrder))
                && random.Net == latest.NetAmount && random.Counts == latest.Counts;
        });
}
