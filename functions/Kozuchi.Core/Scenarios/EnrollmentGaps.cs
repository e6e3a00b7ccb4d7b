using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Scenarios;

/// <summary>
/// Why a customer the trigger reaches does (or did) not take part in a scenario, as the shop asks it: "12 in the
/// segment, 5 entered — and the 7?". The codes are what the dashboard explains in words.
/// </summary>
public static class AudienceReasons
{
    /// <summary>Enters (or entered) and is sent to.</summary>
    public const string Enters = "enters";

    /// <summary>Enters the holdout: measured, never sent anything.</summary>
    public const string Holdout = "holdout";

    /// <summary>An enrollment of the scenario is still running for the customer.</summary>
    public const string StillRunning = "still-running";

    /// <summary>Went through the scenario before and may not enter again (never, or not yet).</summary>
    public const string AlreadyEnrolled = "already-enrolled";

    /// <summary>No address for any channel the scenario sends on.</summary>
    public const string NoAddress = "no-address";

    /// <summary>An address, but not the consent a send needs (email not opted in, not a LINE friend, do-not-call).</summary>
    public const string NoConsent = "no-consent";

    /// <summary>Unsubscribed or bounced on email, and no other channel reaches them.</summary>
    public const string Unsubscribed = "unsubscribed";

    /// <summary>Merged into another customer or erased since.</summary>
    public const string NotActive = "not-active";

    /// <summary>Entered, but a send was held by the frequency cap (sent later or not at all).</summary>
    public const string FrequencyCap = "frequency-cap";

    /// <summary>In the segment now, not when the broadcast went out (joined it later).</summary>
    public const string JoinedLater = "joined-later";
}

/// <summary>
/// The engine's entry rules (<see cref="EnrollmentPolicy"/>) told apart by cause, for a preview of who would enter and
/// for explaining who did not. Pure: the caller brings the profile, the customer's earlier enrollments of the scenario
/// and the time.
/// </summary>
public static class EnrollmentGaps
{
    public static string Classify(ScenarioDefinition definition, CustomerProfile customer, IReadOnlyCollection<PriorEnrollment> prior, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(prior);
        if (customer.State != CustomerState.Active)
        {
            return AudienceReasons.NotActive;
        }

        switch (EnrollmentPolicy.Reentry(definition, prior, now))
        {
            case EntryVerdict.StillActive:
                return AudienceReasons.StillRunning;
            case EntryVerdict.ReentryBlocked:
                return AudienceReasons.AlreadyEnrolled;
        }

        if (EnrollmentPolicy.IsSuppressed(definition, customer))
        {
            return Unreachable(definition, customer.Reachability);
        }

        return FirstSplit(definition) is { } split && SplitAssignment.Assign(split, definition.Id, customer.CustomerId) == SplitStep.HoldoutArm
            ? AudienceReasons.Holdout
            : AudienceReasons.Enters;
    }

    /// <summary>Which of the unreachable causes applies, over the channels the scenario sends on.</summary>
    public static string Unreachable(ScenarioDefinition definition, Reachability reach)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(reach);
        var channels = definition.Steps.OfType<SendStep>().SelectMany(s => s.Channels).Distinct().ToList();
        if (channels.Contains(Channel.Email) && reach.HasEmail && reach.EmailSuppressed)
        {
            return AudienceReasons.Unsubscribed;
        }

        return channels.Any(c => HasAddress(c, reach)) ? AudienceReasons.NoConsent : AudienceReasons.NoAddress;
    }

    /// <summary>The split an enrollment meets first when it follows the definition from its start (through waits, goals and sends; a branch's then-side).</summary>
    public static SplitStep? FirstSplit(ScenarioDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var at = definition.Step(definition.StartStepId);
        while (at is not null && seen.Add(at.Id))
        {
            if (at is SplitStep split)
            {
                return split;
            }

            at = at switch
            {
                BranchStep b => b.Then is { } then ? definition.Step(then) : null,
                WaitForEventStep w => w.OnTimeout is { } timeout ? definition.Step(timeout) : null,
                _ => at.Links.Select(l => l.Target).FirstOrDefault() is { } next ? definition.Step(next) : null,
            };
        }

        return definition.Steps.OfType<SplitStep>().FirstOrDefault();
    }

    private static bool HasAddress(Channel channel, Reachability reach) => channel switch
    {
        Channel.Email => reach.HasEmail,
        Channel.Line => reach.LineUserId is not null,
        Channel.Postal => reach.HasPostalAddress,
        Channel.Phone => reach.HasPhone,
        _ => false,
    };
}
