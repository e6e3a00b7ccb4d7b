using System.Text.Json.Serialization;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Common;

/// <summary>A way to reach a customer. Each has its own send queue (email → send-email, line → send-line, postal → send-dm, phone → send-call).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
public enum Channel
{
    [JsonStringEnumMemberName("email")]
    Email,

    [JsonStringEnumMemberName("line")]
    Line,

    /// <summary>Postal direct mail (DM): a list for the print shop, not a message.</summary>
    [JsonStringEnumMemberName("postal")]
    Postal,

    /// <summary>Outbound call list.</summary>
    [JsonStringEnumMemberName("phone")]
    Phone,
}

public static class ChannelReach
{
    /// <summary>The customer can be contacted on the channel now: an address and the consent it needs.</summary>
    public static bool CanReach(this Reachability reach, Channel channel) => channel switch
    {
        Channel.Email => reach.CanEmail,
        Channel.Line => reach.CanLine,
        Channel.Postal => reach.CanPost,
        Channel.Phone => reach.CanCall,
        _ => false,
    };

    /// <summary>
    /// The customer has not refused the channel, whether or not an address is known. Postal mail needs no opt-in
    /// in Japan (the opt-in law covers email), so only a known address counts there.
    /// </summary>
    public static bool HasConsent(this Reachability reach, Channel channel) => channel switch
    {
        Channel.Email => reach.EmailOptIn && !reach.EmailSuppressed,
        Channel.Line => reach.LineFollowing,
        Channel.Postal => reach.HasPostalAddress,
        Channel.Phone => !reach.DoNotCall,
        _ => false,
    };

    public static string Code(this Channel channel) => channel switch
    {
        Channel.Email => "email",
        Channel.Line => "line",
        Channel.Postal => "postal",
        Channel.Phone => "phone",
        _ => channel.ToString(),
    };
}
