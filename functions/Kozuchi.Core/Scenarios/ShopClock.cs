using Kozuchi.Core.Common;

namespace Kozuchi.Core.Scenarios;

public static class ShopClock
{
    /// <summary>The instant of a local date and time in the shop's zone (a time skipped by a DST change moves forward by the gap).</summary>
    public static DateTimeOffset At(this ShopTime shop, DateOnly day, TimeOnly time)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var local = day.ToDateTime(time);
        while (shop.Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, shop.Zone.GetUtcOffset(local));
    }
}
