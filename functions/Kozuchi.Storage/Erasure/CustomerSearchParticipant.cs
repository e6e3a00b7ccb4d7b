using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Customer search's name index: its rows hold the subject's name and kana (normalised) in their keys. Every name the
/// subject was known by — the records' current contact and every order's — is looked up for each of their customer
/// ids and deleted.
/// </summary>
public sealed class CustomerSearchParticipant(CustomerSearchIndex index) : IErasureParticipant
{
    public string Name => "customer-search";

    public async Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(subject, cancellationToken).ConfigureAwait(false);
        foreach (var (partition, row, _) in rows)
        {
            await index.DeleteAsync(partition, row, cancellationToken).ConfigureAwait(false);
        }

        return rows.Count;
    }

    public async Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(subject, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows.Select(r => r.Token).Distinct(StringComparer.Ordinal).ToList();
    }

    private Task<IReadOnlyList<(string Partition, string Row, string Token)>> RowsAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var tokens = subject.Records.SelectMany(r => CustomerSearch.NameTokens(r.Contact))
            .Concat(subject.Orders.SelectMany(o => CustomerSearch.NameTokens(new CustomerContact { Name = o.Contact.Name, NameKana = o.Contact.NameKana })));
        return index.RowsOfAsync(tokens, subject.CustomerIds, cancellationToken);
    }
}
