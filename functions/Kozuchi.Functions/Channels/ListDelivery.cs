using Kozuchi.Core.Common;
using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Postal DM and outbound calls have no API to call: "delivering" is adding the recipient to the day's list, which
/// the DM and call exports turn into the vendor's file (with the template's DM copy or call script written for each
/// customer). The row key is the ledger key, so a retry adds nothing. A template without the channel's part fails
/// once (<c>template-missing</c>): a list entry nobody has words for is no send.
/// </summary>
public abstract class ListDelivery(SendLists lists, MessageRenderer renderer, ShopTime shop, TimeProvider time) : IChannelDelivery
{
    public const string Provider = "list";

    public abstract Channel Channel { get; }

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Template is null || !renderer.Parts(request.Template).Channels().Contains(Channel))
        {
            return DeliveryResult.Failed("template-missing");
        }

        var now = time.GetUtcNow();
        var list = SendLists.ListId(Channel, shop.Today(now));
        await lists.AddAsync(list, new SendListEntry(request.IdempotencyKey, request.Customer.CustomerId, request.Batch.ScenarioId, request.Batch.Template, request.Recipient.Arm, now), cancellationToken);
        return DeliveryResult.Sent(list) with { Provider = Provider };
    }
}

public sealed class DmListDelivery(SendLists lists, MessageRenderer renderer, ShopTime shop, TimeProvider time) : ListDelivery(lists, renderer, shop, time)
{
    public override Channel Channel => Channel.Postal;
}

public sealed class CallListDelivery(SendLists lists, MessageRenderer renderer, ShopTime shop, TimeProvider time) : ListDelivery(lists, renderer, shop, time)
{
    public override Channel Channel => Channel.Phone;
}
