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
