namespace Kozuchi.Functions.Channels;

/// <summary><c>Kozuchi:EventGrid</c>: how Event Grid proves it is Event Grid when it posts delivery reports.</summary>
public sealed class EventGridOptions
{
    /// <summary>Shared key the Event Grid subscription's endpoint URL carries as <c>?key=</c>; without it nothing is accepted.</summary>
    public string Key { get; set; } = string.Empty;
}

/// <summary><c>Kozuchi:Postal</c>: what a DM piece costs, for ROAS.</summary>
public sealed class PostalOptions
{
    /// <summary>Print and postage per piece, charged to the campaign for ROAS (a DM list may override it).</summary>
    public decimal CostPerPiece { get; set; } = 120m;

    public string Currency { get; set; } = "JPY";
}

/// <summary><c>Kozuchi:Sends</c>: how the send-queue consumers wait.</summary>
public sealed class SendQueueOptions
{
    /// <summary>
    /// The longest a throttled or not-yet-due batch is hidden on its queue. The message's <c>notBefore</c> is what counts
    /// (a copy that shows up early goes back for the remainder); the queue's own limit is 7 days.
    /// </summary>
    public TimeSpan MaxRequeueVisibility { get; set; } = Kozuchi.Storage.Scenarios.ScenarioTimers.MaxDelay;
}

/// <summary>
/// <c>Kozuchi:Channels</c>: which provider carries each channel, and how messages speak. <c>Email:Provider</c> is
/// <c>Acs</c> or <c>Sandbox</c>, <c>Line:Provider</c> is <c>Line</c> or <c>Sandbox</c>; unset, a channel uses its real
/// provider when that is configured and has none otherwise (scenarios on it are not activated). <c>scripts/start</c>
/// sets <c>Sandbox</c>: messages are rendered into the <c>outbox</c> container and shown in 送信プレビュー.
/// </summary>
public sealed class ChannelProviderOptions
{
    /// <summary><c>Kozuchi:Channels:Email:Provider</c>.</summary>
    public string? EmailProvider { get; set; }

    /// <summary><c>Kozuchi:Channels:Line:Provider</c>.</summary>
    public string? LineProvider { get; set; }

    /// <summary>The language messages are written in: <c>ja</c> (the templates' top level) or <c>en</c> (their English variants).</summary>
    public string Language { get; set; } = "ja";

    /// <summary>The shop's name, as messages sign and the email footer shows it; empty: 当店 / our shop.</summary>
    public string ShopName { get; set; } = string.Empty;

    /// <summary>The shop's public URL (its storefront), for the templates' "visit the shop" buttons; empty leaves them out.</summary>
    public string ShopUrl { get; set; } = string.Empty;

    /// <summary>Read from the <c>Kozuchi:Channels</c> section (<c>Email:Provider</c>, <c>Line:Provider</c>, <c>Language</c>, <c>ShopName</c>, <c>ShopUrl</c>).</summary>
    public static ChannelProviderOptions Read(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new ChannelProviderOptions
        {
            EmailProvider = section["Email:Provider"],
            LineProvider = section["Line:Provider"],
            Language = section["Language"] is { Length: > 0 } language ? language : "ja",
            ShopName = section["ShopName"] ?? string.Empty,
            ShopUrl = section["ShopUrl"] ?? string.Empty,
        };
    }
}
