using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Channels;

/// <summary>
/// Why a send is not sent (suppressed, not failed): the reason the ledger keeps for each send, and the few categories
/// results count them by (no consent, unsubscribed, no address, frequency cap, unreachable at the step, other).
/// </summary>
public static class SendSuppression
{
    /// <summary>Email: the cart never said the customer agreed to marketing mail.</summary>
    public const string NoConsent = "no-consent";

    /// <summary>The customer said stop: email unsubscribed, LINE blocked (unfollowed), do-not-call.</summary>
    public const string Unsubscribed = "unsubscribed";

    /// <summary>Nothing to send to: no email, no linked LINE user, no phone, no postal address, or an address that bounced.</summary>
    public const string NoAddress = "no-address";

    /// <summary>Over the customer's cap for the channel and period (the engine fails the send before queueing it).</summary>
    public const string FrequencyCap = "frequency-cap";

    /// <summary>The step found no channel of its list that reaches the customer (the decider's <c>unreachable</c>).</summary>
    public const string Unreachable = "unreachable";

    /// <summary>Anything else: an erased or merged customer.</summary>
    public const string Other = "other";

    /// <summary>The categories in the order results show them.</summary>
    public static IReadOnlyList<string> Categories { get; } = [NoConsent, Unsubscribed, NoAddress, FrequencyCap, Unreachable, Other];

    /// <summary>
    /// Why this customer must not get a send on <paramref name="channel"/> now, as the ledger records it; null when
    /// they may. Detailed (<c>line-not-following</c>, <c>email-suppressed</c> …); <see cref="Category"/> groups them.
    /// </summary>
    public static string? Reason(CustomerRecord? customer, Channel channel)
    {
        if (customer is null || customer.State != CustomerState.Active)
        {
            return "no-customer";
        }

        var reach = customer.ToProfile().Reachability;
        if (reach.CanReach(channel))
        {
            return null;
        }

        return channel switch
        {
            Channel.Email when !reach.HasEmail => "no-email",
            Channel.Email when customer.EmailSuppressed => "email-suppressed",
            Channel.Email when customer.EmailOptIn == false => Unsubscribed,
            Channel.Email => NoConsent,
            Channel.Line when customer.LineUserId is null => "line-not-linked",
            Channel.Line => "line-not-following",
            Channel.Phone when !reach.HasPhone => "no-phone",
            Channel.Phone => "do-not-call",
            Channel.Postal => "no-postal-address",
            _ => Other,
        };
    }

    /// <summary>The category a recorded reason is counted under.</summary>
    public static string Category(string? reason) => reason switch
    {
        NoConsent => NoConsent,
        Unsubscribed or "line-not-following" or "do-not-call" => Unsubscribed,
        "no-email" or "email-suppressed" or "line-not-linked" or "no-phone" or "no-postal-address" or "no-consent-or-address" => NoAddress,
        FrequencyCap => FrequencyCap,
        Unreachable => Unreachable,
        _ => Other,
    };
}
