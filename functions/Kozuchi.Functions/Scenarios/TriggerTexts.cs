using System.Globalization;
using Cronos;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Segments;

namespace Kozuchi.Functions.Scenarios;

/// <summary>
/// What starts a scenario, in the shop's words (Japanese and English), and when that next happens: the daily triggers
/// and segment entry on the daily run (<see cref="ScenariosFeature.DailySchedule"/>), a broadcast at its time (picked up
/// by the sweep, <see cref="ScenariosFeature.SweepSchedule"/>), order and cart triggers on each order or cart.
/// </summary>
public static class TriggerTexts
{
    private static readonly CronExpression Daily = CronExpression.Parse(ScenariosFeature.DailySchedule, CronFormat.IncludeSeconds);
    private static readonly CronExpression Sweep = CronExpression.Parse(ScenariosFeature.SweepSchedule, CronFormat.IncludeSeconds);

    public static string Type(ScenarioTrigger? trigger) => trigger switch
    {
        FirstOrderTrigger => "firstOrder",
        AnyOrderTrigger => "anyOrder",
        ProductOrderTrigger => "productOrder",
        SegmentEntryTrigger => "segmentEntry",
        DaysSinceLastOrderTrigger => "daysSinceLastOrder",
        FirstOrderAnniversaryTrigger => "firstOrderAnniversary",
        BirthdayTrigger => "birthday",
        BroadcastTrigger => "broadcast",
        CartAbandonedTrigger => "cartAbandoned",
        _ => "none",
    };

    /// <summary>Whether the trigger runs on the daily run (days since the last order, anniversaries, birthdays, segment entry).</summary>
    public static bool IsDaily(ScenarioTrigger? trigger) => trigger is DaysSinceLastOrderTrigger or FirstOrderAnniversaryTrigger or BirthdayTrigger or SegmentEntryTrigger;

    /// <summary>Whether the trigger is an event (an order, a cart): it has no next run, it fires when the event comes.</summary>
    public static bool IsEvent(ScenarioTrigger? trigger) => trigger is FirstOrderTrigger or AnyOrderTrigger or ProductOrderTrigger or CartAbandonedTrigger;

    public static LocalizedText Describe(ScenarioTrigger? trigger, ShopTime? shop = null, string? segmentName = null) => trigger switch
    {
        FirstOrderTrigger => new("初回購入のとき", "On a customer's first order"),
        AnyOrderTrigger => new("注文のたびに", "On every order"),
        ProductOrderTrigger p => new(
            $"{string.Join("・", p.Products)} を{(p.Match == ProductMatch.All ? "すべて" : "")}含む注文のとき",
            $"On an order with {(p.Match == ProductMatch.All ? "all of" : "any of")} {string.Join(", ", p.Products)}"),
        SegmentEntryTrigger s => new($"セグメント「{segmentName ?? s.SegmentId}」に新しく入ったとき (毎日判定)", $"When a customer enters segment “{segmentName ?? s.SegmentId}” (checked daily)"),
        DaysSinceLastOrderTrigger d => new(
            string.Create(CultureInfo.InvariantCulture, $"最終購入から {d.Days} 日たった日 (毎日判定)"),
            string.Create(CultureInfo.InvariantCulture, $"The day {d.Days} days have passed since the last order (checked daily)")),
        FirstOrderAnniversaryTrigger => new("初回購入の記念日 (毎日判定)", "On the anniversary of the first order (checked daily)"),
        BirthdayTrigger b => b.DaysBefore == 0
            ? new("誕生日当日 (毎日判定)", "On the birthday (checked daily)")
            : new(string.Create(CultureInfo.InvariantCulture, $"誕生日の {b.DaysBefore} 日前 (毎日判定)"), string.Create(CultureInfo.InvariantCulture, $"{b.DaysBefore} days before the birthday (checked daily)")),
        BroadcastTrigger b => new(
            $"セグメント「{segmentName ?? b.SegmentId}」の全員に {Local(b.At, shop)} に一斉配信",
            $"Once, to everyone in segment “{segmentName ?? b.SegmentId}” at {Local(b.At, shop)}"),
        CartAbandonedTrigger c => new(
            $"カゴ落ちから {Span(c.EffectiveDelay, true)}後",
            $"{Span(c.EffectiveDelay, false)} after an abandoned checkout"),
        _ => new("未設定", "Not set"),
    };

    /// <summary>
    /// When the trigger next enrolls anyone: the next daily run, a broadcast's time (or the next sweep once it is due),
    /// null for event triggers and for a broadcast that has gone out (<paramref name="broadcastDone"/>).
    /// </summary>
    public static DateTimeOffset? NextRun(ScenarioTrigger? trigger, DateTimeOffset now, bool broadcastDone = false) => trigger switch
    {
        _ when IsDaily(trigger) => Daily.GetNextOccurrence(now, TimeZoneInfo.Utc),
        BroadcastTrigger when broadcastDone => null,
        BroadcastTrigger b when b.At > now => b.At,
        BroadcastTrigger => Sweep.GetNextOccurrence(now, TimeZoneInfo.Utc),
        _ => null,
    };

    /// <summary>The segment a trigger enrolls from, if it is a segment trigger.</summary>
    public static string? SegmentOf(ScenarioTrigger? trigger) => trigger switch
    {
        SegmentEntryTrigger s => s.SegmentId,
        BroadcastTrigger b => b.SegmentId,
        _ => null,
    };

    private static string Local(DateTimeOffset at, ShopTime? shop) =>
        TimeZoneInfo.ConvertTime(at, shop?.Zone ?? TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).ToString("yyyy/MM/dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>"1 hour", "24 hours": the English unit in the singular for one.</summary>
    private static string Count(double n, string unit) => string.Create(CultureInfo.InvariantCulture, $"{n:0} {unit}{(n == 1 ? "" : "s")}");

    private static string Span(TimeSpan span, bool japanese) => span switch
    {
        { TotalDays: >= 1 } when span.TotalDays == Math.Floor(span.TotalDays) => japanese ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0} 日") : Count(span.TotalDays, "day"),
        { TotalHours: >= 1 } when span.TotalHours == Math.Floor(span.TotalHours) => japanese ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0} 時間") : Count(span.TotalHours, "hour"),
        _ => japanese ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} 分") : Count(span.TotalMinutes, "minute"),
    };
}
