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
        var suppressed = new Dictionary<string, long>(StringComparer.Ordinal);
        var failed = new Dictionary<string, long>(StringComparer.Ordinal);
        var byChannel = new Dictionary<Channel, long>();
        long sent = 0, delivered = 0, sandbox = 0, failures = 0, pending = 0;
        foreach (var s in sends)
        {
            switch (s.Fate)
            {
                case SendFate.Sent:
                    sent++;
                    delivered += s.Delivered ? 1 : 0;
                    byChannel[s.Channel] = byChannel.GetValueOrDefault(s.Channel) + 1;
                    break;
                case SendFate.Sandbox:
                    sandbox++;
                    break;
                case SendFate.Failed:
                    failures++;
                    Increment(failed, s.Reason ?? "failed");
                    break;
                case SendFate.Suppressed:
                    Increment(suppressed, SendSuppression.Category(s.Reason));
                    break;
                default:
                    pending++;
                    break;
            }
        }

        if (frequencyCapped > 0)
        {
            suppressed[SendSuppression.FrequencyCap] = suppressed.GetValueOrDefault(SendSuppression.FrequencyCap) + frequencyCapped;
        }

        if (unreachable > 0)
        {
            suppressed[SendSuppression.Unreachable] = suppressed.GetValueOrDefault(SendSuppression.Unreachable) + unreachable;
        }

        return new SendTally
        {
            Sent = sent,
            Delivered = delivered,
            Sandbox = sandbox,
            Failed = failures,
            Pending = pending,
            QuietHoursDeferred = quietHoursDeferred,
            Suppressed = suppressed,
            FailedReasons = failed,
            SentByChannel = byChannel,
        };
    }

    public static SendTally Sum(IEnumerable<SendTally> tallies)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        var suppressed = new Dictionary<string, long>(StringComparer.Ordinal);
        var failed = new Dictionary<string, long>(StringComparer.Ordinal);
        var byChannel = new Dictionary<Channel, long>();
        long sent = 0, delivered = 0, sandbox = 0, failures = 0, pending = 0, quiet = 0;
        foreach (var t in tallies)
        {
            (sent, delivered, sandbox, failures, pending, quiet) = (sent + t.Sent, delivered + t.Delivered, sandbox + t.Sandbox, failures + t.Failed, pending + t.Pending, quiet + t.QuietHoursDeferred);
            Merge(suppressed, t.Suppressed);
            Merge(failed, t.FailedReasons);
            foreach (var (channel, n) in t.SentByChannel)
            {
                byChannel[channel] = byChannel.GetValueOrDefault(channel) + n;
            }
        }

        return new SendTally
        {
            Sent = sent,
            Delivered = delivered,
            Sandbox = sandbox,
            Failed = failures,
            Pending = pending,
            QuietHoursDeferred = quiet,
            Suppressed = suppressed,
            FailedReasons = failed,
            SentByChannel = byChannel,
        };
    }

    private static void Increment(Dictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void Merge(Dictionary<string, long> into, IReadOnlyDictionary<string, long> from)
    {
        foreach (var (key, n) in from)
        {
            into[key] = into.GetValueOrDefault(key) + n;
        }
    }
}
