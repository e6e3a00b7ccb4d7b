using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using static Kozuchi.Core.Tests.Customers.CustomerLedgerTests;

namespace Kozuchi.Core.Tests.Customers;

/// <summary>
/// A family sharing a landline gets joined on the phone; the shop takes the son's orders back out (or undoes the
/// merge that joined two existing customers), and the separation holds for every later order.
/// </summary>
public sealed class UnmergeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IdentityKey Landline = new(IdentityKind.Phone, "+81312345678");
    private static readonly IdentityKey SonEmail = new(IdentityKind.Email, "taro@example.jp");
    private static readonly Order Mother = AnOrder("1", email: "hanako@example.jp", phone: "03-1234-5678", day: 1, total: 1000m, sku: "A");
    private static readonly Order SonByEmail = AnOrder("2", email: "taro@example.jp", day: 2, total: 2000m, sku: "B");
    private static readonly Order SonFromHome = AnOrder("3", email: "taro@example.jp", phone: "03-1234-5678", day: 3, total: 300m, sku: "C");

    [Fact]
    public void Undoing_a_merge_gives_the_merged_customer_back_its_orders_and_identifiers()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Mother, Now);
        CustomerLedger.Apply(set, SonByEmail, Now);
        CustomerLedger.Apply(set, SonFromHome, Now); // joins the two on the landline
        var mother = set.OrdersByKey[Mother.Key].CustomerId;
        var son = CustomerLedger.NewCustomerId(SonByEmail.Key);
        Assert.Equal(mother, set.OrdersByKey[SonFromHome.Key].CustomerId);
        Assert.Equal(son, Assert.Single(set.Customers[mother].Merges).MergedCustomerId);
        set.ClearDirty();

        Assert.True(CustomerLedger.Unmerge(set, mother, son, [Mother, SonByEmail, SonFromHome], Now.AddDays(1)));

        var m = set.Customers[mother];
        var s = set.Customers[son];
        Assert.Equal((CustomerState.Active, CustomerState.Active), (m.State, s.State));
        Assert.Null(s.MergedInto);
        Assert.Equal([Mother.Key], m.Orders.Select(o => o.Key));
        Assert.Equal([SonByEmail.Key, SonFromHome.Key], s.Orders.Select(o => o.Key).OrderBy(k => k.OrderId, StringComparer.Ordinal));
        Assert.Equal((1000m, 2300m), (m.ToProfile().Monetary, s.ToProfile().Monetary));
        Assert.Empty(m.Merges);
        Assert.Equal(son, Assert.Single(m.Separations).OtherCustomerId);
        Assert.Equal(Landline, Assert.Single(s.Separations).SharedKey);
        Assert.Equal(son, set.Identities[SonEmail]);
        Assert.Equal(mother, set.Identities[Landline]);
        Assert.DoesNotContain(SonEmail, m.Identities);
        Assert.Equal("hanako@example.jp", m.Contact.Email);
        Assert.Equal("taro@example.jp", s.Contact.Email);
        Assert.Equal(son, set.OrdersByKey[SonByEmail.Key].CustomerId);
        Assert.Contains(son, set.DirtyCustomers);
        Assert.Contains(SonFromHome.Key, set.DirtyOrders);
    }

    [Fact]
    public void Orders_attached_on_a_shared_phone_split_off_into_their_own_customer()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Mother, Now);
        CustomerLedger.Apply(set, SonFromHome, Now); // attached to the mother on the landline: no second customer ever existed
        var mother = set.OrdersByKey[Mother.Key].CustomerId;
        Assert.Equal(mother, set.OrdersByKey[SonFromHome.Key].CustomerId);

        var son = CustomerLedger.Split(set, mother, new HashSet<OrderKey> { SonFromHome.Key }, [Mother, SonFromHome], Now.AddDays(1));

        Assert.Equal(CustomerLedger.NewCustomerId(SonFromHome.Key), son);
        Assert.Equal([SonFromHome.Key], set.Customers[son!].Orders.Select(o => o.Key));
        Assert.Equal([Mother.Key], set.Customers[mother].Orders.Select(o => o.Key));
        Assert.Equal(son, set.Identities[SonEmail]);
        Assert.Equal(mother, set.Identities[Landline]);
        Assert.Contains(Landline, set.Customers[son!].Identities);
    }

    [Fact]
    public void Separated_people_are_never_joined_again_and_each_order_goes_to_its_strongest_identifier()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Mother, Now);
        CustomerLedger.Apply(set, SonFromHome, Now);
        var mother = set.OrdersByKey[Mother.Key].CustomerId;
        var son = CustomerLedger.Split(set, mother, new HashSet<OrderKey> { SonFromHome.Key }, [Mother, SonFromHome], Now.AddDays(1))!;

        // The son orders again from home (his e-mail and the landline); a phone order names only the landline.
        CustomerLedger.Apply(set, AnOrder("4", email: "taro@example.jp", phone: "03-1234-5678", day: 10, total: 500m), Now.AddDays(2));
        CustomerLedger.Apply(set, AnOrder("5", phone: "0312345678", day: 11, total: 700m), Now.AddDays(3));

        Assert.Equal((CustomerState.Active, CustomerState.Active), (set.Customers[mother].State, set.Customers[son].State));
        Assert.Equal(son, set.OrdersByKey[new OrderKey("shop", "4")].CustomerId);
        Assert.Equal(mother, set.OrdersByKey[new OrderKey("shop", "5")].CustomerId);
        Assert.Equal((2, 1700m), (set.Customers[mother].ToProfile().Frequency, set.Customers[mother].ToProfile().Monetary));
        Assert.Equal((2, 800m), (set.Customers[son].ToProfile().Frequency, set.Customers[son].ToProfile().Monetary));
        Assert.Equal(mother, set.Identities[Landline]);
        Assert.Empty(set.Customers[mother].Merges);
    }

    [Fact]
    public void A_replayed_order_after_a_split_stays_with_the_person_it_was_given_to()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Mother, Now);
        CustomerLedger.Apply(set, SonFromHome, Now);
        var mother = set.OrdersByKey[Mother.Key].CustomerId;
        var son = CustomerLedger.Split(set, mother, new HashSet<OrderKey> { SonFromHome.Key }, [Mother, SonFromHome], Now.AddDays(1))!;

        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, SonFromHome, Now.AddDays(2)));
        Assert.Equal(ApplyOutcome.Unchanged, CustomerLedger.Apply(set, Mother, Now.AddDays(2)));

        Assert.Equal(son, set.OrdersByKey[SonFromHome.Key].CustomerId);
        Assert.Single(set.Customers[son].Orders);
        Assert.Single(set.Customers[mother].Orders);
    }

    [Fact]
    public void Impossible_undo_or_split_changes_nothing()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Mother, Now);
        CustomerLedger.Apply(set, SonFromHome, Now);
        var mother = set.OrdersByKey[Mother.Key].CustomerId;
        set.ClearDirty();

        Assert.False(CustomerLedger.Unmerge(set, mother, "c-unknown", [Mother, SonFromHome], Now));
        Assert.Null(CustomerLedger.Split(set, mother, new HashSet<OrderKey> { Mother.Key, SonFromHome.Key }, [Mother, SonFromHome], Now));
        Assert.Null(CustomerLedger.Split(set, mother, new HashSet<OrderKey>(), [Mother, SonFromHome], Now));
        Assert.Null(CustomerLedger.Split(set, mother, new HashSet<OrderKey> { new("shop", "999") }, [Mother, SonFromHome], Now));

        Assert.Empty(set.DirtyCustomers);
        Assert.Empty(set.DirtyIdentities);
        Assert.Equal(2, set.Customers[mother].Orders.Count);
    }
}
