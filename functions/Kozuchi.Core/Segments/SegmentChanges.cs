namespace Kozuchi.Core.Segments;

public enum SegmentChangeKind
{
    Enter,
    Exit,
}

/// <summary>A customer entered or left a segment between two evaluations; <see cref="EventType"/> is what the event bus carries.</summary>
public sealed record SegmentChange(string SegmentId, string CustomerId, SegmentChangeKind Kind, DateTimeOffset At)
{
    public const string EnterEventType = "segment.enter";
    public const string ExitEventType = "segment.exit";

    public string EventType => Kind == SegmentChangeKind.Enter ? EnterEventType : ExitEventType;

    /// <summary>A stable id for the event, so a re-run of the same evaluation is recognised as a duplicate downstream.</summary>
    public string EventId => $"{SegmentId}:{CustomerId}:{EventType}:{At.UtcTicks}";
}

public static class SegmentChanges
{
    /// <summary>
    /// Enters (in <paramref name="current"/>, not in <paramref name="previous"/>) then exits, each sorted by customer id,
    /// so the same inputs always give the same list.
    /// </summary>
    public static IReadOnlyList<SegmentChange> Diff(string segmentId, IReadOnlySet<string> previous, IEnumerable<string> current, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var now = current as IReadOnlySet<string> ?? new HashSet<string>(current, StringComparer.Ordinal);
        var enters = now.Where(id => !previous.Contains(id)).Order(StringComparer.Ordinal).Select(id => new SegmentChange(segmentId, id, SegmentChangeKind.Enter, at));
        var exits = previous.Where(id => !now.Contains(id)).Order(StringComparer.Ordinal).Select(id => new SegmentChange(segmentId, id, SegmentChangeKind.Exit, at));
        return [.. enters, .. exits];
    }
}
