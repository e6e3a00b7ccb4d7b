using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Channel records about the subject: email delivery reports (a recipient hash is still personal data), pending LINE
/// account-link nonces and call-centre results (free-text refusal reasons): deleted.
/// </summary>
public sealed class ChannelEventsParticipant(StorageClients clients) : IErasureParticipant
{
    private readonly TableClient _deliveries = clients.Table(StorageCatalog.Tables.EmailDeliveries);
    private readonly TableClient _links = clients.Table(StorageCatalog.Tables.LineLinks);
    private readonly TableClient _calls = clients.Table(StorageCatalog.Tables.CallResults);

    public string Name => "channel-events";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var deleted = 0;
        foreach (var id in subject.CustomerIds)
        {
            foreach (var (table, filter) in Queries(id))
            {
                await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                    deleted++;
                }
            }
        }

        return deleted;
    }

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var rows = new List<Dictionary<string, object?>>();
        foreach (var id in subject.CustomerIds)
        {
            foreach (var (table, filter) in Queries(id))
            {
                await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(new Dictionary<string, object?>(e.Where(p => p.Key is not ("odata.etag" or "PartitionKey" or "RowKey")), StringComparer.Ordinal) { ["table"] = table.Name });
                }
            }
        }

        return rows.Count == 0 ? null : rows;
    }

    private IEnumerable<(TableClient Table, string Filter)> Queries(string customerId) =>
    [
        (_deliveries, TableClient.CreateQueryFilter($"CustomerId eq {customerId}")),
        (_links, TableClient.CreateQueryFilter($"CustomerId eq {customerId}")),
        (_calls, TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(customerId)}")),
    ];
}
