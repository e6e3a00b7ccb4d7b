using System.Text;
using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// The enrollments' change marker: the engine touches it after every batch that saved an enrollment, so results
/// computed from the enrollments (scenario results) are tied to the marker they were computed under and are known to
/// be current while it has not moved — the rule the customer change marker follows for reports.
/// </summary>
public sealed class EnrollmentChanges(StorageClients clients)
{
    private const string MarkerPartition = "enrollments";
    private const string MarkerRow = "last-change";

    private readonly TableClient _runtime = clients.Table(StorageCatalog.Tables.Runtime);

    public async Task TouchAsync(CancellationToken cancellationToken) =>
        await _runtime.UpsertEntityAsync(new TableEntity(MarkerPartition, MarkerRow), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    /// <summary>The marker's current version ("none" before the first change).</summary>
    public async Task<string> MarkerAsync(CancellationToken cancellationToken)
    {
        var row = await _runtime.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, ["PartitionKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? Convert.ToBase64String(Encoding.UTF8.GetBytes(e.ETag.ToString())) : "none";
    }
}
