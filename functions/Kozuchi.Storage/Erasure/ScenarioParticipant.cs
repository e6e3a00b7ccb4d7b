using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Enrollments and the send ledger hold no personal value, only the customer id, which after erasure points at an
/// anonymous record: the rows are kept so scenario results (per-arm counts, uplift) stay right. The erased record has
/// no contact, consent or LINE user left, so a running enrollment has nothing to send to, and no new one starts (entry
/// rules admit active customers only). A data request lists them.
/// </summary>
public sealed class ScenarioParticipant(EnrollmentStore enrollments) : IErasureParticipant
{
    public string Name => "enrollments";

    public Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken) => Task.FromResult(0);

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var rows = new List<object>();
        foreach (var id in subject.CustomerIds)
        {
            foreach (var e in await enrollments.ForCustomerAsync(id, cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new { Enrollment = e.EnrollmentId, e.ScenarioId, Status = e.Status.ToString(), e.Arm, e.EnrolledAt, e.CompletedAt });
            }
        }

        return rows.Count == 0 ? null : rows;
    }
}
