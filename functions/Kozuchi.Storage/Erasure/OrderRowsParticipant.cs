using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>Order rows: the personal fields (contact, the cart's customer id) go; ids, dates, lines and amounts stay.</summary>
public sealed class OrderRowsParticipant(StorageClients clients) : IErasureParticipant
{
    private readonly TableClient _orders = clients.Table(StorageCatalog.Tables.Orders);

    public string Name => "orders";

    public static Order Anonymise(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order with { Contact = new OrderContact(), CartCustomerId = null };
    }

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var changed = 0;
        foreach (var key in subject.Orders.Select(o => o.Key))
        {
            for (var attempt = 0; ; attempt++)
            {
                var row = await _orders.GetEntityIfExistsAsync<TableEntity>(CustomerEntities.OrderPartition(key), CustomerEntities.OrderRow(key), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!row.HasValue || row.Value is not { } e || e.GetString("Order") is null)
                {
                    break;
                }

                var order = CustomerEntities.OrderFromEntity(e);
                var anonymous = Anonymise(order);
                if (anonymous == order)
                {
                    break;
                }

                try
                {
                    await _orders.UpdateEntityAsync(new TableEntity(e.PartitionKey, e.RowKey) { ["Order"] = System.Text.Json.JsonSerializer.Serialize(anonymous, CustomerEntities.Json) }, e.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                    changed++;
                    break;
                }
                catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 8)
                {
                    // A newer version of the order landed meanwhile: anonymise that one.
                }
            }
        }

        return changed;
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return Task.FromResult<object?>(subject.Orders);
    }
}
