using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Tests.Customers;

public sealed class CustomerLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    internal static Order AnOrder(string id, string? email = null, string? phone = null, string? cartCustomer = null,
        int day = 1, decimal total = 1000m, string sku = "A", OrderStatus status = OrderStatus.Paid, int updatedMinute = 0) => new()
    {
        Key = new OrderKey("shop", id),
        OrderedAt = new DateTimeOffset(2026, 1, day, 10, 0, 0, TimeSpan.FromHours(9)),
        UpdatedAt = new DateTimeOffset(2026, 1, day, 10, updatedMinute, 0, TimeSpan.FromHours(9)),
        CartCustomerId = cartCustomer,
        Contact = new OrderContact { Email = email, Phone = phone },
        Lines = [new OrderLine { Sku = sku, ProductName = sku, UnitPrice = total }],
        Total = total,
        Status = status,
    };

    private static IReadOnlyList<CustomerProfile> Active(IngestWorkingSet set) =>
        [.. set.Customers.Values.Where(c => c.State == CustomerState.Active).Select(c => c.ToProfile())];

    [Fact]
    public void Orders_sharing_an_email_written_differently_become_one_customer()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, AnOrder("1", email: "Taro@Example.jp", day: 1, total: 1000m, sku: "A"), Now);
        CustomerLedger.Apply(set, AnOrder("2", email: "ｔａｒｏ＠example.jp", day: 5, total: 500m, sku: "B"), Now);

        var profile = Assert.Single(Active(set));
        Assert.Equal(2, profile.Frequency);
        Assert.Equal(1500m, profile.Monetary);
        Assert.Equal(["A"], profile.EntryProducts);
        Assert.Equal(["B"], profile.LastProducts);
    }

    [Fact]
    public void Repeated_delivery_of_the_same_version_changes_nothing()
    {
        var set = new IngestWorkingSet();
        var order = AnOrder("1", email: "a@example.jp");
        Assert.Equal(ApplyOutcome.Created, CustomerLedger.Apply(set, order, Now));
        set.ClearDirty();

        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, order, Now));
        Assert.Empty(set.DirtyOrders);
        Assert.Equal(1, Assert.Single(Active(set)).Frequency);
    }

    [Fact]
    public void An_older_version_arriving_late_does_not_undo_a_cancellation()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, AnOrder("1", email: "a@example.jp", status: OrderStatus.Cancelled, updatedMinute: 30), Now);
        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, AnOrder("1", email: "a@example.jp", updatedMinute: 0), Now));

        var profile = Assert.Single(Active(set));
        Assert.Equal(0, profile.Frequency);
        Assert.Equal(0m, profile.Monetary);
    }

    [Fact]
    public void A_refund_reduces_monetary_but_keeps_frequency()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, AnOrder("1", email: "a@example.jp", total: 3000m), Now);
        CustomerLedger.Apply(set, AnOrder("1", email: "a@example.jp", total: 3000m, status: OrderStatus.PartiallyRefunded, updatedMinute: 5) with { RefundedAmount = 1000m }, Now);

        var profile = Assert.Single(Active(set));
        Assert.Equal(1, profile.Frequency);
        Assert.Equal(2000m, profile.Monetary);
    }

    [Fact]
    public void An_order_linking_two_customers_merges_them_into_the_earlier_buyer_with_the_reason()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, AnOrder("1", email: "a@example.jp", day: 1), Now);
        CustomerLedger.Apply(set, AnOrder("2", phone: "090-1111-2222", day: 3), Now);
        var first = set.OrdersByKey[new OrderKey("shop", "1")].CustomerId;
        var second = set.OrdersByKey[new OrderKey("shop", "2")].CustomerId;
        Assert.NotEqual(first, second);

        CustomerLedger.Apply(set, AnOrder("3", email: "A@example.jp", phone: "09011112222", day: 7), Now);

        var survivor = Assert.Single(set.Customers.Values, c => c.State == CustomerState.Active);
        Assert.Equal(first, survivor.CustomerId);
        Assert.Equal(3, survivor.ToProfile().Frequency);
        var merge = Assert.Single(survivor.Merges);
        Assert.Equal(second, merge.MergedCustomerId);
        Assert.Equal(IdentityKind.Phone, merge.SharedKey.Kind);
        Assert.Equal([new OrderKey("shop", "2")], merge.Orders);
        Assert.Equal(first, set.Customers[second].MergedInto);
        Assert.All(set.OrdersByKey.Values, o => Assert.Equal(first, o.CustomerId));
        Assert.All(set.Identities.Values, id => Assert.Equal(first, id));
    }

    [Fact]
    public void Customer_id_is_derived_from_the_creating_order_so_a_rerun_lands_on_it()
    {
        var a = new IngestWorkingSet();
        var b = new IngestWorkingSet();
        CustomerLedger.Apply(a, AnOrder("9", email: "x@example.jp"), Now);
        CustomerLedger.Apply(b, AnOrder("9", email: "x@example.jp"), Now.AddDays(1));
        Assert.Equal(a.Customers.Keys.Single(), b.Customers.Keys.Single());
    }

    [Fact]
    public void Guest_orders_without_identifiers_stay_separate_customers()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, AnOrder("1"), Now);
        CustomerLedger.Apply(set, AnOrder("2"), Now);
        Assert.Equal(2, Active(set).Count);
    }

    [Fact]
    public void Cart_customer_ids_are_scoped_by_source()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, AnOrder("1", cartCustomer: "42"), Now);
        CustomerLedger.Apply(set, AnOrder("2", cartCustomer: "42") with { Key = new OrderKey("other", "2") }, Now);
        Assert.Equal(2, Active(set).Count);
    }

    [Fact]
    public void Applying_orders_in_any_order_gives_the_same_aggregate()
    {
        var orders = new[]
        {
            AnOrder("1", email: "a@example.jp", day: 1, total: 100m, sku: "A"),
            AnOrder("2", phone: "0312345678", day: 2, total: 200m, sku: "B"),
            AnOrder("3", email: "a@example.jp", phone: "03-1234-5678", day: 3, total: 300m, sku: "C"),
            AnOrder("1", email: "a@example.jp", day: 1, total: 100m, sku: "A", status: OrderStatus.Cancelled, updatedMinute: 9),
        };
        CustomerProfile? expected = null;
        foreach (var permutation in Permutations(orders))
        {
            var set = new IngestWorkingSet();
            foreach (var o in permutation)
            {
                CustomerLedger.Apply(set, o, Now);
            }

            var profile = Assert.Single(Active(set));
            Assert.Equal(2, profile.Frequency);
            Assert.Equal(500m, profile.Monetary);
            Assert.Equal(["B"], profile.EntryProducts);
            expected ??= profile;
            Assert.Equal(expected.FirstOrderAt, profile.FirstOrderAt);
        }
    }

    private static IEnumerable<T[]> Permutations<T>(T[] items) =>
        items.Length <= 1 ? [items] : items.SelectMany((item, i) => Permutations([.. items.Take(i), .. items.Skip(i + 1)]).Select(rest => (T[])[item, .. rest]));

    [Fact]
    public void A_customer_whose_identity_rows_were_lost_still_holds_its_order_when_the_order_is_applied_again()
    {
        // The order created customer C and C was saved, but C's identity and order rows never landed; meanwhile another
        // writer created W for the same e-mail. Applying the order again must join C and W, not count it twice.
        var order = AnOrder("1", email: "hanako@example.jp", total: 1000m);
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, order, Now);
        var c = set.OrdersByKey[order.Key].CustomerId;
        set.OrdersByKey.Clear();
        set.Identities.Clear();
        CustomerLedger.Apply(set, AnOrder("2", email: "hanako@example.jp", day: 3, total: 500m), Now);
        Assert.NotEqual(c, set.OrdersByKey[new OrderKey("shop", "2")].CustomerId);

        CustomerLedger.Apply(set, order, Now);

        var profile = Assert.Single(Active(set));
        Assert.Equal((2, 1500m), (profile.Frequency, profile.Monetary));
    }
}
