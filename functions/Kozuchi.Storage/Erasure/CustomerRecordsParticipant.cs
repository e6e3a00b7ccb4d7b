using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Customer rows: the survivor becomes an anonymous <see cref="CustomerState.Erased"/> record that keeps its order
/// summaries (so KPIs stay right), customers merged into it are emptied, and customers separated from it lose the
/// erased identifier their separation was explained by.
/// </summary>
public sealed class CustomerRecordsParticipant(StorageClients clients) : IErasureParticipant
{
    private readonly TableClient _customers = clients.Table(StorageCatalog.Tables.Customers);

    public string Name => "customers";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var changed = 0;
        foreach (var id in subject.CustomerIds)
        {
            changed += await UpdateAsync(id, CustomerLedger.Anonymise, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        var others = subject.Records.SelectMany(r => r.Separations).Select(s => s.OtherCustomerId).Where(id => !subject.CustomerIds.Contains(id)).Distinct(StringComparer.Ordinal);
        foreach (var id in others)
        {
            changed += await UpdateAsync(id, r => r with
            {
                Separations = [.. r.Separations.Select(s => subject.CustomerIds.Contains(s.OtherCustomerId) || subject.Identities.Contains(s.SharedKey) ? s with { SharedKey = CustomerLedger.ErasedKey(s.SharedKey) } : s)],
                Merges = [.. r.Merges.Select(m => subject.Identities.Contains(m.SharedKey) ? m with { SharedKey = CustomerLedger.ErasedKey(m.SharedKey) } : m)],
            }, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return changed;
    }

    public Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return Task.FromResult<object?>(subject.Records.Select(r => new
        {
            r.CustomerId,
            State = r.State.ToString(),
            r.CreatedAt,
            r.Contact,
            Identifiers = r.Identities.Select(k => k.ToString()),
            r.EmailOptIn,
            r.LineUserId,
            r.AcquisitionMedium,
            Orders = r.Orders.Select(o => new { Order = o.Key.ToString(), o.OrderedAt, o.Net, o.Products }),
        }).ToList());
    }

    private async Task<bool> UpdateAsync(string customerId, Func<CustomerRecord, CustomerRecord> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await _customers.GetEntityIfExistsAsync<TableEntity>(CustomerEntities.CustomerPartition(customerId), customerId, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!row.HasValue || row.Value is not { } entity)
            {
                return false;
            }

            var record = CustomerEntities.FromEntity(entity);
            var changed = change(record);
            if (System.Text.Json.JsonSerializer.Serialize(changed, CustomerEntities.Json) == System.Text.Json.JsonSerializer.Serialize(record, CustomerEntities.Json))
            {
                return false;
            }

            try
            {
                await _customers.UpdateEntityAsync(CustomerEntities.ToEntity(changed), entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 8)
            {
                // An order landed meanwhile: read again and anonymise what it wrote too.
            }
        }
    }
}
