namespace Kozuchi.Core.Scenarios;

/// <summary>
/// Business days for "wait N business days": not a weekend, not a listed holiday. <see cref="Japan"/> lists the
/// national holidays (国民の祝日, 振替休日, 国民の休日) for <see cref="JapaneseHolidays.FirstYear"/>–<see cref="JapaneseHolidays.LastYear"/>;
/// after that only weekends are skipped until the list is extended (a test names the last covered year).
/// </summary>
public sealed class BusinessCalendar
{
    private readonly HashSet<DateOnly> closed;

    public BusinessCalendar(IEnumerable<DateOnly> closedDays)
    {
        closed = [.. closedDays];
    }

    public static BusinessCalendar Japan { get; } = new(JapaneseHolidays.All.Select(h => h.Date));

    /// <summary>The same calendar with the shop's own closed days (e.g. 年末年始 December 29 – January 3) added.</summary>
    public BusinessCalendar With(IEnumerable<DateOnly> extraClosedDays) => new(closed.Concat(extraClosedDays));

    public bool IsBusinessDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !closed.Contains(day);

    /// <summary>The <paramref name="count"/>th business day after <paramref name="day"/> (the day itself does not count).</summary>
    public DateOnly AddBusinessDays(DateOnly day, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        while (count > 0)
        {
            day = day.AddDays(1);
            if (IsBusinessDay(day))
            {
                count--;
            }
        }

        return day;
    }
}

public sealed record Holiday(DateOnly Date, string Name);

/// <summary>Japan's public holidays as published by the Cabinet Office (内閣府「国民の祝日」), as data.</summary>
public static class JapaneseHolidays
{
    public const int FirstYear = 2025;
    public const int LastYear = 2027;

    public static IReadOnlyList<Holiday> All { get; } =
    [
        H(2025, 1, 1, "元日"), H(2025, 1, 13, "成人の日"), H(2025, 2, 11, "建国記念の日"), H(2025, 2, 23, "天皇誕生日"), H(2025, 2, 24, "振替休日"),
        H(2025, 3, 20, "春分の日"), H(2025, 4, 29, "昭和の日"), H(2025, 5, 3, "憲法記念日"), H(2025, 5, 4, "みどりの日"), H(2025, 5, 5, "こどもの日"),
        H(2025, 5, 6, "振替休日"), H(2025, 7, 21, "海の日"), H(2025, 8, 11, "山の日"), H(2025, 9, 15, "敬老の日"), H(2025, 9, 23, "秋分の日"),
        H(2025, 10, 13, "スポーツの日"), H(2025, 11, 3, "文化の日"), H(2025, 11, 23, "勤労感謝の日"), H(2025, 11, 24, "振替休日"),

        H(2026, 1, 1, "元日"), H(2026, 1, 12, "成人の日"), H(2026, 2, 11, "建国記念の日"), H(2026, 2, 23, "天皇誕生日"), H(2026, 3, 20, "春分の日"),
        H(2026, 4, 29, "昭和の日"), H(2026, 5, 3, "憲法記念日"), H(2026, 5, 4, "みどりの日"), H(2026, 5, 5, "こどもの日"), H(2026, 5, 6, "振替休日"),
        H(2026, 7, 20, "海の日"), H(2026, 8, 11, "山の日"), H(2026, 9, 21, "敬老の日"), H(2026, 9, 22, "国民の休日"), H(2026, 9, 23, "秋分の日"),
        H(2026, 10, 12, "スポーツの日"), H(2026, 11, 3, "文化の日"), H(2026, 11, 23, "勤労感謝の日"),

        H(2027, 1, 1, "元日"), H(2027, 1, 11, "成人の日"), H(2027, 2, 11, "建国記念の日"), H(2027, 2, 23, "天皇誕生日"), H(2027, 3, 21, "春分の日"),
        H(2027, 3, 22, "振替休日"), H(2027, 4, 29, "昭和の日"), H(2027, 5, 3, "憲法記念日"), H(2027, 5, 4, "みどりの日"), H(2027, 5, 5, "こどもの日"),
        H(2027, 7, 19, "海の日"), H(2027, 8, 11, "山の日"), H(2027, 9, 20, "敬老の日"), H(2027, 9, 23, "秋分の日"), H(2027, 10, 11, "スポーツの日"),
        H(2027, 11, 3, "文化の日"), H(2027, 11, 23, "勤労感謝の日"),
    ];

    private static Holiday H(int year, int month, int day, string name) => new(new DateOnly(year, month, day), name);
}
