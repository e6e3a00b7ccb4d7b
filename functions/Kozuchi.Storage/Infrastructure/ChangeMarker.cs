using System.Text;
using Azure.Data.Tables;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// A row of the runtime table whose ETag changes with every touch. Whoever changes some data touches it afterwards;
/// whatever is derived from that data (a snapshot, a report set, scenario results) remembers the version it read before
/// it began, and is current only while the version is the same.
/// </summary>
/// <param name="name">What the marker stands for (its partition key): <c>customers</c>, <c>enrollments</c>.</param>
public sealed class ChangeMarker(StorageClients clients, string name)
{
    private const string Row = "last-change";

    private readonly TableClient _runtime = clients.Table(StorageCatalog.Tables.Runtime);

    public async Task TouchAsync(CancellationToken cancellationToken) =>
        await _runtime.UpsertEntityAsync(new TableEntity(name, Row), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    /// <summary>The marker's current version ("none" before the first touch).</summary>
    public async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        var row = await _runtime.GetEntityIfExistsAsync<TableEntity>(name, Row, ["PartitionKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? Convert.ToBase64String(Encoding.UTF8.GetBytes(e.ETag.ToString())) : "none";
    }
}
