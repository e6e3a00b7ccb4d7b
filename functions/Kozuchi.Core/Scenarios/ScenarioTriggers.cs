using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Scenarios;

/// <summary>
/// Whether a trigger enrolls a customer. Order triggers are checked per order event, daily triggers once per shop
/// day per customer, segment triggers per <see cref="SegmentChange"/>. Re-entry policy is the engine's, not here.
/// </summary>
public static class ScenarioTriggers
{
    /// <summary>An order just counted for the customer; <paramref name="profileAfter"/> includes it.</summary>
    public static bool MatchesOrder(ScenarioTrigger trigger, CustomerProfile profileAfter, IReadOnlyCollection<string> orderProducts)
    {
        ArgumentNullException.ThrowIfNull(profileAfter);
        ArgumentNullException.ThrowIfNull(orderProducts);
        return trigger switch
        {
            FirstOrderTrigger => profileAfter.Frequency == 1,
            AnyOrderTrigger => true,
            ProductOrderTrigger p => p.Match == ProductMatch.All ? p.Products.All(orderProducts.Contains) : p.Products.Any(orderProducts.Contains),
            _ => false,
        };
    }

    /// <summary>The daily triggers (days since last order, anniversary, birthday) for the shop day <paramref name="today"/>.</summary>
    public static bool MatchesDay(ScenarioTrigger trigger, CustomerProfile profile, DateOnly today, ShopTime shop)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(shop);
        if (profile.State != CustomerState.Active)
        {
            return false;
        }

        return trigger switch
        {
            DaysSinceLastOrderTrigger d => profile.DaysSinceLastOrder(today, shop.Zone) == d.Days,
            FirstOrderAnniversaryTrigger => profile.FirstOrderAt is { } first && shop.Today(first) is var day && day.Year < today.Year && SameDayOfYear(day, today),
            BirthdayTrigger b => profile.Birthday is { } birthday && SameDayOfYear(birthday, today.AddDays(b.DaysBefore)),
            _ => false,
        };
    }

    public static bool MatchesSegmentEntry(ScenarioTrigger trigger, SegmentChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return trigger is SegmentEntryTrigger s && change.Kind == SegmentChangeKind.Enter && change.SegmentId == s.SegmentId;
    }

    /// <summary>A broadcast is due once its time has come; the engine enrolls the segment's members then, once.</summary>
    public static bool BroadcastDue(ScenarioTrigger trigger, DateTimeOffset now) => trigger is BroadcastTrigger b && b.At <= now;

    /// <summary>Month and day match; 29 February is celebrated on 28 February in common years.</summary>
    private static bool SameDayOfYear(DateOnly anchor, DateOnly day) =>
        anchor.Month == day.Month && (anchor.Day == day.Day
            || (anchor is { Month: 2, Day: 29 } && day.Day == 28 && !DateTime.IsLeapYear(day.Year)));
}
