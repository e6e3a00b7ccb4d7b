using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Channels;

/// <summary>Consent and reachability changes that come back from channels, as pure changes to the customer record.</summary>
public static class ChannelConsent
{
    /// <summary>
    /// The customer asked to stop: email opt-in off, or do-not-call. LINE is stopped by blocking the account and
    /// postal mail has no opt-in, so those leave the record as it is. Null when nothing changes.
    /// </summary>
    public static CustomerRecord? Unsubscribe(CustomerRecord record, Channel channel)
    {
        ArgumentNullException.ThrowIfNull(record);
        return channel switch
        {
            Channel.Email when record.EmailOptIn != false => record with { EmailOptIn = false },
            Channel.Phone when !record.DoNotCall => record with { DoNotCall = true },
            _ => null,
        };
    }

    /// <summary>A hard bounce or provider suppression: no more email to this address until it changes.</summary>
    public static CustomerRecord? SuppressEmail(CustomerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.EmailSuppressed ? null : record with { EmailSuppressed = true };
    }

    /// <summary>
    /// follow / unfollow from the LINE webhook at <paramref name="at"/> (the event's own timestamp), for the user id
    /// linked to this customer. Each is a state, so only the newest counts: an event older than the newest one already
    /// applied (a redelivery, or an old <c>follow</c> replayed after an <c>unfollow</c>) changes nothing. Null when
    /// nothing changes.
    /// </summary>
    public static CustomerRecord? LineFollowing(CustomerRecord record, bool following, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (IsStaleLineEvent(record, at) || (record.LineFollowing == following && record.LineEventAt == at))
        {
            return null;
        }

        return record with { LineFollowing = following, LineEventAt = at };
    }

    /// <summary>True when an event at <paramref name="at"/> is older than the newest LINE event applied to the customer.</summary>
    public static bool IsStaleLineEvent(CustomerRecord record, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.LineEventAt is { } newest && at < newest;
    }
}
