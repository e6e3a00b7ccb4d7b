using Kozuchi.Core.Common;
using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Postal DM and outbound calls have no API to call: "delivering" is adding the recipient to the day's list, which
/// the DM and call exports turn into the vendor's file. The row key is the ledger key, so a retry adds nothing.
/// </summary>
public abstract class ListDelivery(SendLists lists, ShopTime shop, TimeProvider time) : IChannelDelivery
{
    public abstract Channel Channel { get; }

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        var list = SendLists.ListId(Channel, shop.Today(now));
        await lists.AddAsync(list, new SendListEntry(request.IdempotencyKey, request.Customer.CustomerId, request.Batch.ScenarioId, request.Batch.Template, request.Recipient.Arm, now), cancellationToken);
        return DeliveryResult.Sent(list);
    }
}

public sealed class DmListDelivery(SendLists lists, ShopTime shop, TimeProvider time) : ListDelivery(lists, shop, time)
{
    public override Channel Channel => Channel.Postal;
}

public sealed class CallListDelivery(SendLists lists, ShopTime shop, TimeProvider time) : ListDelivery(lists, shop, time)
{
    public override Channel Channel => Channel.Phone;
}
