using Kozuchi.Storage.Channels;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// The sandbox outbox: messages rendered for the subject (their address, name and products are in them): deleted; a
/// data request lists them as they were rendered.
/// </summary>
public sealed class OutboxParticipant(Infrastructure.StorageClients clients) : IErasureParticipant
{
    private readonly OutboxStore _outbox = new(clients);

    public string Name => "outbox";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var deleted = 0;
        foreach (var id in subject.CustomerIds)
        {
            deleted += await _outbox.DeleteCustomerAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var messages = new List<OutboxMessage>();
        foreach (var id in subject.CustomerIds)
        {
            foreach (var entry in await _outbox.ForCustomerAsync(id, cancellationToken).ConfigureAwait(false))
            {
                if (await _outbox.GetAsync(entry.Name, cancellationToken).ConfigureAwait(false) is { } message)
                {
                    messages.Add(message);
                }
            }
        }

        return messages.Count == 0 ? null : messages;
    }
}
