using Azure.Data.Tables;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Checkouts (issue 9): the person's linked checkouts and their index go (<see cref="CheckoutStore.EraseCustomerAsync"/>),
/// so do anonymous checkouts whose personal column names them (a guest cart typed with their address before it was
/// linked), and the raw checkout bodies that name them. A checkout is one person's cart, and it is no purchase: unlike
/// an order body nothing in it needs to survive for totals, so the body is deleted rather than redacted.
/// </summary>
public sealed class CheckoutsParticipant(StorageClients clients, CheckoutStore checkouts) : IErasureParticipant
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Checkouts);

    public string Name => "checkouts";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var erased = 0;
        foreach (var id in subject.CustomerIds)
        {
            erased += await checkouts.EraseCustomerAsync(id, cancellationToken).ConfigureAwait(false);
        }

        await foreach (var row in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Personal"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (subject.Person.Mentions(row.GetString("Personal")))
            {
                await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
                erased++;
            }
        }

        var raw = clients.Container(StorageCatalog.Containers.Raw);
        await foreach (var blob in raw.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.Metadata, Azure.Storage.Blobs.Models.BlobStates.None, "webhooks/", cancellationToken).ConfigureAwait(false))
        {
            if (blob.Metadata.TryGetValue("kind", out var kind) && kind is "shopify-checkout" or "kozuchi-checkout")
            {
                var text = (await raw.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
                if (subject.Person.Mentions(text))
                {
                    await raw.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    erased++;
                }
            }
        }

        return erased;
    }

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var held = new List<object>();
        foreach (var id in subject.CustomerIds)
        {
            foreach (var checkoutId in await checkouts.ForCustomerAsync(id, cancellationToken).ConfigureAwait(false))
            {
                if (await checkouts.GetAsync(checkoutId, cancellationToken).ConfigureAwait(false) is { } stored)
                {
                    held.Add(stored.Checkout);
                }
            }
        }

        return held.Count == 0 ? null : held;
    }
}
