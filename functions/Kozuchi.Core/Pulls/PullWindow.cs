namespace Kozuchi.Core.Pulls;

/// <summary>
/// What one pull asks the cart for. <see cref="ChangedSince"/> is the high-water mark (the newest change already
/// pulled) minus the overlap: a change the cart stamped earlier but made visible later — clocks, replication lag,
/// a transaction committing after a newer one — still falls inside the next window. Orders already pulled come
/// again and change nothing (dedupe by order id and updated time). <see cref="OrderedSince"/> is for carts that
/// can only filter by order time: every order placed since then is listed, and only those changed since
/// <see cref="ChangedSince"/> are fetched and landed.
/// </summary>
public sealed record PullWindow(DateTimeOffset ChangedSince, DateTimeOffset OrderedSince, DateTimeOffset Until)
{
    public static PullWindow Plan(PullSource source, DateTimeOffset? highWater, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(source);
        var reach = now - source.EffectiveLookback;
        var changedSince = (highWater ?? reach) - source.Overlap;
        var orderedSince = changedSince < reach ? changedSince : reach;
        return new PullWindow(changedSince, orderedSince, now);
    }

    /// <summary>Whether a change is inside the window (carts filtering by order time check it themselves).</summary>
    public bool Includes(DateTimeOffset changedAt) => changedAt >= ChangedSince;

    /// <summary>
    /// The mark after a pull that completed: the newest change pulled, never beyond the window's end (a cart clock
    /// running ahead, or one bad date, must not push the mark past changes not yet made), never backwards.
    /// </summary>
    public DateTimeOffset? Advance(DateTimeOffset? highWater, DateTimeOffset? newestPulled)
    {
        if (newestPulled is null)
        {
            return highWater;
        }

        var capped = newestPulled.Value > Until ? Until : newestPulled.Value;
        return highWater is { } mark && mark > capped ? mark : capped;
    }
}
