using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Enrollments and the send ledger hold no personal value, only the customer id, which after erasure points at an
/// anonymous record: the rows are kept so scenario results (per-arm counts, uplift) stay right. The erased record has
/// no contact, consent or LINE user left, so a running enrollment has nothing to send to, and no new one starts (entry
/// rules admit active customers only). A data request lists them.
/// </summary>
public sealed class ScenarioParticipant(StorageClients clients) : IErasureParticipant
{
    private readonly TableClient _enrollments = clients.Table(StorageCatalog.Tables.Enrollments);

    public string Name => "enrollments";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult(0);

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var rows = new List<object>();
        foreach (var id in subject.CustomerIds)
        {
            await foreach (var e in _enrollments.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {EnrollmentStore.Partition(id)} and RowKey lt {EnrollmentStore.GuardPrefix}"), select: ["RowKey", "ScenarioId", "Status", "Arm", "EnrolledAt", "CompletedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new { Enrollment = e.RowKey, ScenarioId = e.GetString("ScenarioId"), Status = e.GetString("Status"), Arm = e.GetString("Arm"), EnrolledAt = e.GetDateTimeOffset("EnrolledAt"), CompletedAt = e.GetDateTimeOffset("CompletedAt") });
            }
        }

        return rows.Count == 0 ? null : rows;
    }
}
