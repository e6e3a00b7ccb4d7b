using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Tests.Channels;

public sealed class SendSuppressionTests
{
    private static readonly CustomerRecord Reachable = new()
    {
        CustomerId = "c1",
        Contact = new CustomerContact { Email = "hanako@example.jp", Phone = "+819011112222", PostalCode = "150-0001", Address = "東京都渋谷区神宮前1-2-3" },
        EmailOptIn = true,
        LineUserId = "U0123456789abcdef0123456789abcdef",
        LineFollowing = true,
    };

    [Fact]
    public void A_reachable_customer_is_not_suppressed_on_any_channel() =>
        Assert.All(Enum.GetValues<Channel>(), c => Assert.Null(SendSuppression.Reason(Reachable, c)));

    [Fact]
    public void Never_agreeing_unsubscribing_bouncing_and_having_no_address_are_told_apart()
    {
        Assert.Equal("no-consent", SendSuppression.Reason(Reachable with { EmailOptIn = null }, Channel.Email));
        Assert.Equal("unsubscribed", SendSuppression.Reason(Reachable with { EmailOptIn = false }, Channel.Email));
        Assert.Equal("email-suppressed", SendSuppression.Reason(Reachable with { EmailSuppressed = true }, Channel.Email));
        Assert.Equal("no-email", SendSuppression.Reason(Reachable with { Contact = Reachable.Contact with { Email = null } }, Channel.Email));
        Assert.Equal("line-not-following", SendSuppression.Reason(Reachable with { LineFollowing = false }, Channel.Line));
        Assert.Equal("line-not-linked", SendSuppression.Reason(Reachable with { LineUserId = null }, Channel.Line));
        Assert.Equal("do-not-call", SendSuppression.Reason(Reachable with { DoNotCall = true }, Channel.Phone));
        Assert.Equal("no-phone", SendSuppression.Reason(Reachable with { Contact = Reachable.Contact with { Phone = null } }, Channel.Phone));
        Assert.Equal("no-postal-address", SendSuppression.Reason(Reachable with { Contact = Reachable.Contact with { Address = null } }, Channel.Postal));
        Assert.Equal("no-customer", SendSuppression.Reason(Reachable with { State = CustomerState.Erased }, Channel.Email));
        Assert.Equal("no-customer", SendSuppression.Reason(null, Channel.Email));
    }
}
