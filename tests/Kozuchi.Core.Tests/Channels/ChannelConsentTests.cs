using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Tests.Customers;

namespace Kozuchi.Core.Tests.Channels;

public sealed class ChannelConsentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IdentityKey Line = new(IdentityKind.LineUser, "U0123456789abcdef0123456789abcdef");

    private static (IngestWorkingSet Set, string A, string B) TwoCustomers()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, CustomerLedgerTests.AnOrder("1", email: "a@example.jp", day: 1), Now);
        CustomerLedger.Apply(set, CustomerLedgerTests.AnOrder("2", email: "b@example.jp", day: 9), Now);
        var ids = set.Customers.Values.OrderBy(c => c.Orders[0].OrderedAt).Select(c => c.CustomerId).ToList();
        return (set, ids[0], ids[1]);
    }

    [Fact]
    public void Unsubscribing_email_turns_opt_in_off_and_phone_becomes_do_not_call()
    {
        var record = new CustomerRecord { CustomerId = "c1", EmailOptIn = true };

        Assert.False(ChannelConsent.Unsubscribe(record, Channel.Email)!.ToProfile().Reachability.HasConsent(Channel.Email));
        Assert.True(ChannelConsent.Unsubscribe(record, Channel.Phone)!.DoNotCall);
        Assert.Null(ChannelConsent.Unsubscribe(record with { EmailOptIn = false }, Channel.Email));
        Assert.Null(ChannelConsent.Unsubscribe(record, Channel.Postal));
    }

    [Fact]
    public void Suppression_and_line_following_change_only_when_they_differ()
    {
        var record = new CustomerRecord { CustomerId = "c1", EmailOptIn = true };

        Assert.True(ChannelConsent.SuppressEmail(record)!.EmailSuppressed);
        Assert.Null(ChannelConsent.SuppressEmail(record with { EmailSuppressed = true }));
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.True(ChannelConsent.LineFollowing(record, true, at)!.LineFollowing);
        Assert.Null(ChannelConsent.LineFollowing(record with { LineEventAt = at }, false, at));
    }

    [Fact]
    public void Attaching_a_line_user_makes_the_customer_reachable_on_line_and_findable_by_it()
    {
        var (set, a, _) = TwoCustomers();
        set.ClearDirty();

        var survivor = CustomerLedger.AttachIdentity(set, a, Line, Now);

        Assert.Equal(a, survivor);
        Assert.Equal(a, set.Identities[Line]);
        Assert.Contains(Line, set.DirtyIdentities);
        var profile = set.Customers[a].ToProfile();
        Assert.True(profile.Reachability.CanReach(Channel.Line));
        Assert.Equal(Line.Value, set.Customers[a].LineUserId);
    }

    [Fact]
    public void A_line_user_already_held_by_another_customer_merges_the_two_into_the_first_buyer()
    {
        var (set, a, b) = TwoCustomers();
        CustomerLedger.AttachIdentity(set, b, Line, Now);

        var survivor = CustomerLedger.AttachIdentity(set, a, Line, Now);

        Assert.Equal(a, survivor);
        Assert.Equal(CustomerState.Merged, set.Customers[b].State);
        Assert.Equal(a, set.Customers[b].MergedInto);
        Assert.Equal(2, set.Customers[a].ToProfile().Frequency);
        Assert.Equal(Line, Assert.Single(set.Customers[a].Merges).SharedKey);
    }

    [Fact]
    public void Customers_the_shop_separated_stay_apart_and_the_line_user_moves_to_the_one_who_linked()
    {
        var (set, a, b) = TwoCustomers();
        CustomerLedger.AttachIdentity(set, b, Line, Now);
        set.Customers[a] = set.Customers[a] with { Separations = [new Separation(b, new IdentityKey(IdentityKind.Phone, "+81300000000"), Now)] };

        var survivor = CustomerLedger.AttachIdentity(set, a, Line, Now);

        Assert.Equal(a, survivor);
        Assert.Equal(CustomerState.Active, set.Customers[b].State);
        Assert.Equal(a, set.Identities[Line]);
        Assert.Equal(Line.Value, set.Customers[a].LineUserId);
        Assert.Null(set.Customers[b].LineUserId);
        Assert.False(set.Customers[b].LineFollowing);
        Assert.DoesNotContain(Line, set.Customers[b].Identities);
    }

    [Fact]
    public void Attaching_to_an_unknown_customer_does_nothing()
    {
        var (set, _, _) = TwoCustomers();
        set.ClearDirty();

        Assert.Null(CustomerLedger.AttachIdentity(set, "c-missing", Line, Now));
        Assert.Empty(set.DirtyCustomers);
        Assert.Empty(set.DirtyIdentities);
    }
}
