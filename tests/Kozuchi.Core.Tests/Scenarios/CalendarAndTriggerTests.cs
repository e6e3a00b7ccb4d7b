using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Tests.Scenarios;

public sealed class CalendarAndTriggerTests
{
    [Theory]
    [InlineData("2025-05-02", 1, "2025-05-07")] // Golden Week 2025: 3–6 May
    [InlineData("2026-09-18", 1, "2026-09-24")] // Silver Week 2026: 21, 22 (国民の休日), 23 September
    [InlineData("2027-03-19", 1, "2027-03-23")] // 春分の日 on Sunday 21 March 2027, substitute Monday 22
    [InlineData("2026-01-05", 5, "2026-01-13")] // 成人の日 12 January 2026
    [InlineData("2026-06-05", 0, "2026-06-05")]
    public void Business_days_skip_weekends_and_japanese_holidays(string from, int days, string expected) =>
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), BusinessCalendar.Japan.AddBusinessDays(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), days));

    [Fact]
    public void The_holiday_list_covers_each_year_with_its_national_holidays()
    {
        foreach (var year in Enumerable.Range(JapaneseHolidays.FirstYear, JapaneseHolidays.LastYear - JapaneseHolidays.FirstYear + 1))
        {
            var names = JapaneseHolidays.All.Where(h => h.Date.Year == year).Select(h => h.Name).ToHashSet();
            Assert.Equal(16, names.Count(n => n is not ("振替休日" or "国民の休日")));
        }

        Assert.Equal(JapaneseHolidays.All.Count, JapaneseHolidays.All.Select(h => h.Date).Distinct().Count());
        Assert.All(JapaneseHolidays.All.Where(h => h.Name == "振替休日"), h => Assert.Equal(DayOfWeek.Sunday, h.Date.AddDays(-1).DayOfWeek is DayOfWeek.Sunday ? DayOfWeek.Sunday : FirstSundayBefore(h.Date)));
    }

    private static DayOfWeek FirstSundayBefore(DateOnly day)
    {
        // A substitute holiday follows a Sunday holiday, possibly across other holidays (May 6 after May 3–5).
        var d = day.AddDays(-1);
        while (d.DayOfWeek != DayOfWeek.Sunday && JapaneseHolidays.All.Any(h => h.Date == d))
        {
            d = d.AddDays(-1);
        }

        return d.DayOfWeek;
    }

    [Fact]
    public void Order_triggers_match_first_any_and_product_orders()
    {
        var first = new CustomerProfile { CustomerId = "c", Frequency = 1 };
        var second = first with { Frequency = 2 };
        Assert.True(ScenarioTriggers.MatchesOrder(new FirstOrderTrigger(), first, ["A"]));
        Assert.False(ScenarioTriggers.MatchesOrder(new FirstOrderTrigger(), second, ["A"]));
        Assert.True(ScenarioTriggers.MatchesOrder(new AnyOrderTrigger(), second, []));
        Assert.True(ScenarioTriggers.MatchesOrder(new ProductOrderTrigger { Products = ["A", "B"] }, second, ["B"]));
        Assert.False(ScenarioTriggers.MatchesOrder(new ProductOrderTrigger { Products = ["A", "B"], Match = ProductMatch.All }, second, ["B"]));
    }

    [Fact]
    public void Daily_triggers_match_on_their_shop_day()
    {
        var shop = ShopTime.Tokyo;
        var profile = new CustomerProfile
        {
            CustomerId = "c",
            Frequency = 1,
            FirstOrderAt = new DateTimeOffset(2024, 2, 29, 23, 30, 0, TimeSpan.FromHours(9)),
            LastOrderAt = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.FromHours(9)),
            Birthday = new DateOnly(1990, 7, 10),
        };
        Assert.True(ScenarioTriggers.MatchesDay(new DaysSinceLastOrderTrigger { Days = 90 }, profile, new DateOnly(2026, 4, 1), shop));
        Assert.False(ScenarioTriggers.MatchesDay(new DaysSinceLastOrderTrigger { Days = 90 }, profile, new DateOnly(2026, 4, 2), shop));
        Assert.True(ScenarioTriggers.MatchesDay(new FirstOrderAnniversaryTrigger(), profile, new DateOnly(2025, 2, 28), shop));
        Assert.False(ScenarioTriggers.MatchesDay(new FirstOrderAnniversaryTrigger(), profile, new DateOnly(2024, 2, 29), shop));
        Assert.True(ScenarioTriggers.MatchesDay(new BirthdayTrigger { DaysBefore = 3 }, profile, new DateOnly(2026, 7, 7), shop));
        Assert.False(ScenarioTriggers.MatchesDay(new BirthdayTrigger(), profile with { State = CustomerState.Erased }, new DateOnly(2026, 7, 10), shop));
    }

    [Fact]
    public void Segment_and_broadcast_triggers()
    {
        var at = new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.FromHours(9));
        Assert.True(ScenarioTriggers.MatchesSegmentEntry(new SegmentEntryTrigger { SegmentId = "s" }, new SegmentChange("s", "c", SegmentChangeKind.Enter, at)));
        Assert.False(ScenarioTriggers.MatchesSegmentEntry(new SegmentEntryTrigger { SegmentId = "s" }, new SegmentChange("s", "c", SegmentChangeKind.Exit, at)));
        Assert.False(ScenarioTriggers.BroadcastDue(new BroadcastTrigger { SegmentId = "s", At = at }, at.AddSeconds(-1)));
        Assert.True(ScenarioTriggers.BroadcastDue(new BroadcastTrigger { SegmentId = "s", At = at }, at));
    }

    [Fact]
    public void Quiet_hours_wrap_midnight()
    {
        var q = QuietHours.Default;
        Assert.True(q.Contains(new TimeOnly(21, 0)));
        Assert.True(q.Contains(new TimeOnly(3, 0)));
        Assert.False(q.Contains(new TimeOnly(9, 0)));
        var late = new DateTimeOffset(2026, 5, 1, 23, 0, 0, TimeSpan.FromHours(9));
        Assert.Equal(new DateTimeOffset(2026, 5, 2, 9, 0, 0, TimeSpan.FromHours(9)), q.NextAllowed(late, ShopTime.Tokyo));
        Assert.Equal(new DateTimeOffset(2026, 5, 2, 9, 0, 0, TimeSpan.FromHours(9)), q.NextAllowed(late.AddHours(3), ShopTime.Tokyo));
    }
}
