using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;

namespace Kozuchi.Functions.Channels;

/// <summary><c>Kozuchi:Channels</c>: provider settings. Secrets come from app settings (Key Vault references in Azure).</summary>
public sealed class ChannelsOptions
{
    public AcsEmailOptions Email { get; set; } = new();
    public LineOptions Line { get; set; } = new();
    public UnsubscribeOptions Unsubscribe { get; set; } = new();
    public EventGridOptions EventGrid { get; set; } = new();
    public PostalOptions Postal { get; set; } = new();
}

public sealed class EventGridOptions
{
    /// <summary>Shared key the Event Grid subscription's endpoint URL carries as <c>?key=</c>; without it nothing is accepted.</summary>
    public string Key { get; set; } = string.Empty;
}

public sealed class PostalOptions
{
    /// <summary>Print and postage per piece, charged to the campaign for ROAS (a DM list may override it).</summary>
    public decimal CostPerPiece { get; set; } = 120m;

    public string Currency { get; set; } = "JPY";
}
