using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// The send outcomes' change marker: the send consumers touch it after a batch recorded outcomes (sent, sandbox,
/// failed, suppressed), and the delivery reports after they marked a send delivered. A send that succeeds changes no
/// enrollment, so scenario results are current only while both this marker and <see cref="EnrollmentChanges"/> stand.
/// </summary>
public sealed class SendOutcomeChanges(StorageClients clients)
{
    private readonly ChangeMarker _marker = new(clients, "send-outcomes");

    public Task TouchAsync(CancellationToken cancellationToken) => _marker.TouchAsync(cancellationToken);

    public Task<string> MarkerAsync(CancellationToken cancellationToken) => _marker.ReadAsync(cancellationToken);
}
