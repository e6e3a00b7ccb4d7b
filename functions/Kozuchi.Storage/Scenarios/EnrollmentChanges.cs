using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// The enrollments' change marker: the engine touches it after every batch that saved an enrollment, so results
/// computed from the enrollments (scenario results) are known to be current while it has not moved — the rule the
/// customer change marker (<see cref="Customers.ProfileSnapshots"/>) follows for reports.
/// </summary>
public sealed class EnrollmentChanges(StorageClients clients)
{
    private readonly ChangeMarker _marker = new(clients, "enrollments");

    public Task TouchAsync(CancellationToken cancellationToken) => _marker.TouchAsync(cancellationToken);

    public Task<string> MarkerAsync(CancellationToken cancellationToken) => _marker.ReadAsync(cancellationToken);
}
