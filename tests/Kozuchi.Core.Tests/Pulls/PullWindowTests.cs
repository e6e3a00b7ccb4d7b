using Kozuchi.Core.Pulls;

namespace Kozuchi.Core.Tests.Pulls;

public sealed class PullWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

    private static PullSource Source(CartKind kind, TimeSpan? overlap = null, TimeSpan? lookback = null) => new()
    {
        Name = "shop",
        Kind = kind,
        Overlap = overlap ?? TimeSpan.FromMinutes(10),
        Lookback = lookback ?? TimeSpan.Zero,
    };

    [Fact]
    public void A_first_pull_reaches_back_the_lookback_and_the_overlap()
    {
        var window = PullWindow.Plan(Source(CartKind.Shopify), highWater: null, Now);

        Assert.Equal(Now.AddHours(-24).AddMinutes(-10), window.ChangedSince);
        Assert.Equal(Now, window.Until);
    }

    [Fact]
    public void A_later_pull_starts_the_overlap_before_the_high_water_mark()
    {
        var mark = Now.AddMinutes(-55);

        var window = PullWindow.Plan(Source(CartKind.Shopify), mark, Now);

        Assert.Equal(mark.AddMinutes(-10), window.ChangedSince);

        // A change stamped just before the mark but made visible after the last pull is inside the next window.
        Assert.True(window.Includes(mark.AddMinutes(-3)));
        Assert.False(window.Includes(mark.AddMinutes(-11)));
    }

    [Fact]
    public void Carts_filtering_by_order_time_list_every_order_of_the_lookback_so_late_cancellations_are_seen()
    {
        var window = PullWindow.Plan(Source(CartKind.Base, lookback: TimeSpan.FromDays(30)), Now.AddMinutes(-60), Now);

        Assert.Equal(Now.AddDays(-30), window.OrderedSince);
        Assert.Equal(Now.AddMinutes(-70), window.ChangedSince);
    }

    [Fact]
    public void After_a_long_outage_the_order_window_widens_to_the_mark()
    {
        var mark = Now.AddDays(-45);

        var window = PullWindow.Plan(Source(CartKind.ColorMe, lookback: TimeSpan.FromDays(30)), mark, Now);

        Assert.Equal(mark.AddMinutes(-10), window.OrderedSince);
    }

    [Fact]
    public void The_mark_moves_to_the_newest_change_pulled_and_never_backwards()
    {
        var window = PullWindow.Plan(Source(CartKind.Shopify), Now.AddHours(-1), Now);

        Assert.Equal(Now.AddMinutes(-5), window.Advance(Now.AddHours(-1), Now.AddMinutes(-5)));
        Assert.Equal(Now.AddHours(-1), window.Advance(Now.AddHours(-1), Now.AddHours(-1).AddMinutes(-8))); // an overlap re-read
        Assert.Equal(Now.AddHours(-1), window.Advance(Now.AddHours(-1), null)); // nothing changed
        Assert.Null(window.Advance(null, null));
    }

    [Fact]
    public void A_change_stamped_in_the_future_does_not_push_the_mark_past_the_window()
    {
        var window = PullWindow.Plan(Source(CartKind.Shopify), Now.AddHours(-1), Now);

        Assert.Equal(Now, window.Advance(Now.AddHours(-1), Now.AddDays(3)));
    }

    [Theory]
    [InlineData("base", true)]
    [InlineData("shop-1_jp", true)]
    [InlineData("1shop", false)]
    [InlineData("shop/../x", false)]
    [InlineData("", false)]
    public void Source_names_are_safe_for_function_names_keys_and_blob_paths(string name, bool valid) =>
        Assert.Equal(valid, PullSource.IsValidName(name));

    [Fact]
    public void Credentials_never_print_their_secrets()
    {
        var credentials = new CartCredentials { AccessToken = "at-placeholder", RefreshToken = "rt-placeholder", ClientSecret = "cs-placeholder" };
        var source = new PullSource { Name = "base", Kind = CartKind.Base, Credentials = credentials };

        Assert.DoesNotContain("placeholder", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("placeholder", source.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("placeholder", new CartTokens { AccessToken = "at-placeholder", RefreshToken = "rt-placeholder" }.ToString(), StringComparison.Ordinal);
    }
}
