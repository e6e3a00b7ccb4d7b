using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;

namespace Kozuchi.Core.Scenarios.Stats;

/// <summary>Where one send ended, as the send ledger says.</summary>
public enum SendFate
{
    /// <summary>Recorded, queued or being delivered: no outcome yet.</summary>
    Pending,

    /// <summary>Accepted by a provider (ACS, LINE) or put on the day's DM / call list.</summary>
    Sent,

    /// <summary>Rendered into the sandbox outbox: nothing left the app (local and trial runs).</summary>
    Sandbox,

    /// <summary>The provider refused it, or it could not be sent (template missing, provider not configured, bad address).</summary>
    Failed,

    /// <summary>Not sent on purpose: the customer cannot or must not be reached on the channel.</summary>
    Suppressed,
}

/// <summary>One send of an enrollment with its fate; <see cref="Reason"/> is the failure code or suppression reason.</summary>
public sealed record SendOutcome(Channel Channel, SendFate Fate, string? Reason = null, bool Delivered = false);

/// <summary>
/// What became of sends, counted apart so a failure is never read as a send: each send is in exactly one of
/// <see cref="Sent"/>, <see cref="Sandbox"/>, <see cref="Failed"/>, <see cref="Suppressed"/> (by category,
/// <see cref="SendSuppression"/>) or <see cref="Pending"/>. <see cref="Delivered"/> is the part of <see cref="Sent"/>
/// the provider reported delivered (ACS delivery reports). <see cref="QuietHoursDeferred"/> counts sends that waited
/// for quiet hours to end: deferrals, not sends, and never counted as lost.
/// </summary>
public sealed record SendTally
{
    public static SendTally Empty { get; } = new();

    public long Sent { get; init; }
    public long Delivered { get; init; }
    public long Sandbox { get; init; }
    public long Failed { get; init; }
    public long Pending { get; init; }
    public long QuietHoursDeferred { get; init; }

    /// <summary>Suppressed sends by category (<see cref="SendSuppression.Categories"/>); a category with none is absent.</summary>
    public IReadOnlyDictionary<string, long> Suppressed { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Failed sends by the provider's or the consumer's code (<c>template-missing</c>, <c>email-provider-not-configured</c> …).</summary>
    public IReadOnlyDictionary<string, long> FailedReasons { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Real sends (not sandbox) per channel: what a provider accepted, and so what costs money.</summary>
    public IReadOnlyDictionary<Channel, long> SentByChannel { get; init; } = new Dictionary<Channel, long>();

    public long SuppressedTotal => Suppressed.Values.Sum();

    /// <summary>Sends that reached a provider or the sandbox: what makes a customer a recipient.</summary>
    public long Accepted => Sent + Sandbox;

    /// <summary>
    /// One enrollment's tally: its ledger rows, plus what the engine held back before anything was queued — sends over
    /// the frequency cap, steps that found no reachable channel, and quiet-hours deferrals.
    /// </summary>
    public static SendTally Of(IEnumerable<SendOutcome> sends, int frequencyCapped = 0, int unreachable = 0, int quietHoursDeferred = 0)
    {
        ArgumentNullException.ThrowIfNull(sends);
        var counts = new Counts { QuietHoursDeferred = quietHoursDeferred };
        foreach (var s in sends)
        {
            switch (s.Fate)
            {
                case SendFate.Sent:
                    counts.Sent++;
                    counts.Delivered += s.Delivered ? 1 : 0;
                    Add(counts.SentByChannel, s.Channel, 1);
                    break;
                case SendFate.Sandbox:
                    counts.Sandbox++;
                    break;
                case SendFate.Failed:
                    counts.Failed++;
                    Add(counts.FailedReasons, s.Reason ?? "failed", 1);
                    break;
                case SendFate.Suppressed:
                    Add(counts.Suppressed, SendSuppression.Category(s.Reason), 1);
                    break;
                default:
                    counts.Pending++;
                    break;
            }
        }

        Add(counts.Suppressed, SendSuppression.FrequencyCap, frequencyCapped);
        Add(counts.Suppressed, SendSuppression.Unreachable, unreachable);
        return counts.Tally();
    }

    public static SendTally Sum(IEnumerable<SendTally> tallies)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        var counts = new Counts();
        foreach (var t in tallies)
        {
            counts.Sent += t.Sent;
            counts.Delivered += t.Delivered;
            counts.Sandbox += t.Sandbox;
            counts.Failed += t.Failed;
            counts.Pending += t.Pending;
            counts.QuietHoursDeferred += t.QuietHoursDeferred;
            foreach (var (key, n) in t.Suppressed)
            {
                Add(counts.Suppressed, key, n);
            }

            foreach (var (key, n) in t.FailedReasons)
            {
                Add(counts.FailedReasons, key, n);
            }

            foreach (var (channel, n) in t.SentByChannel)
            {
                Add(counts.SentByChannel, channel, n);
            }
        }

        return counts.Tally();
    }

    private static void Add<TKey>(Dictionary<TKey, long> counts, TKey key, long n)
        where TKey : notnull
    {
        if (n > 0)
        {
            counts[key] = counts.GetValueOrDefault(key) + n;
        }
    }

    /// <summary>The running counts <see cref="Of"/> and <see cref="Sum"/> fold into.</summary>
    private sealed class Counts
    {
        public long Sent;
        public long Delivered;
        public long Sandbox;
        public long Failed;
        public long Pending;
        public long QuietHoursDeferred;
        public readonly Dictionary<string, long> Suppressed = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> FailedReasons = new(StringComparer.Ordinal);
        public readonly Dictionary<Channel, long> SentByChannel = [];

        public SendTally Tally() => new()
        {
            Sent = Sent,
            Delivered = Delivered,
            Sandbox = Sandbox,
            Failed = Failed,
            Pending = Pending,
            QuietHoursDeferred = QuietHoursDeferred,
            Suppressed = Suppressed,
            FailedReasons = FailedReasons,
            SentByChannel = SentByChannel,
        };
    }
}
