using Azure.Data.Tables;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Identity rows (the identifier in clear is the row key): deleted when they point at the subject. An identifier a
/// separated customer holds stays theirs.
/// </summary>
public sealed class IdentityRowsParticipant(StorageClients clients) : IErasureParticipant
{
    private readonly TableClient _identities = clients.Table(StorageCatalog.Tables.Identities);

    public string Name => "identities";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var deleted = 0;
        foreach (var key in subject.Identities)
        {
            var pk = CustomerEntities.IdentityPartition(key);
            var rk = CustomerEntities.IdentityRow(key);
            var row = await _identities.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (row.HasValue && row.Value is { } e && subject.CustomerIds.Contains(e.GetString("CustomerId")))
            {
                await _identities.DeleteEntityAsync(pk, rk, e.ETag, cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return Task.FromResult<object?>(subject.Identities.Select(k => new { Kind = k.Kind.ToString(), k.Value }).ToList());
    }
}
