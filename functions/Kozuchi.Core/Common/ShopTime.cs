namespace Kozuchi.Core.Common;

/// <summary>The shop's calendar: day boundaries, quiet hours and "N days since" are in its time zone (Asia/Tokyo by default).</summary>
public sealed record ShopTime(TimeZoneInfo Zone)
{
    public static ShopTime Tokyo { get; } = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));

    public DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);

    public DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);
}
