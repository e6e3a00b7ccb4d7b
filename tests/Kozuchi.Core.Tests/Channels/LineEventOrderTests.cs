using Kozuchi.Core.Channels;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Tests.Channels;

/// <summary>LINE follow and unfollow are states: only the newest event counts, whatever order they are delivered in.</summary>
public sealed class LineEventOrderTests
{
    private static readonly DateTimeOffset T1 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddHours(1);

    private static CustomerRecord Linked => new() { CustomerId = "c1", LineUserId = "U1", LineFollowing = true };

    [Fact]
    public void An_old_follow_delivered_after_a_newer_unfollow_changes_nothing()
    {
        var unfollowed = ChannelConsent.LineFollowing(Linked, following: false, T2)!;

        Assert.True(ChannelConsent.IsStaleLineEvent(unfollowed, T1));
        Assert.Null(ChannelConsent.LineFollowing(unfollowed, following: true, T1));
        Assert.False(unfollowed.LineFollowing);
        Assert.Equal(T2, unfollowed.LineEventAt);
    }

    [Fact]
    public void A_newer_event_applies_and_a_redelivery_of_the_same_one_changes_nothing()
    {
        var unfollowed = ChannelConsent.LineFollowing(Linked, following: false, T1)!;
        var followed = ChannelConsent.LineFollowing(unfollowed, following: true, T2)!;

        Assert.True(followed.LineFollowing);
        Assert.Null(ChannelConsent.LineFollowing(followed, following: true, T2));
    }
}
