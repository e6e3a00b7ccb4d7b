using Kozuchi.Storage.Customers;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// The operator's tags on the person's customer ids: a tag is the shop's word about a person (要注意, クレーム), so it
/// goes with them on erasure and is shown to them in a data request.
/// </summary>
public sealed class CustomerTagsParticipant(CustomerTagStore tags) : IErasureParticipant
{
    public string Name => "customer-tags";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var erased = 0;
        foreach (var id in subject.CustomerIds)
        {
            erased += await tags.EraseAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return erased;
    }

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var held = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var id in subject.CustomerIds)
        {
            if (await tags.ForCustomerAsync(id, cancellationToken).ConfigureAwait(false) is { Count: > 0 } list)
            {
                held[id] = list;
            }
        }

        return held.Count == 0 ? null : held;
    }
}
