using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Customers;

/// <summary>What became of a tag put on a customer.</summary>
public enum TagOutcome
{
    Added,
    AlreadyThere,
    TooMany,
}

/// <summary>
/// The operator's customer tags, one row per (customer, tag) in their own table rather than on the customer row: an
/// operator tagging never races ingest's optimistic writes of the customer, and the profile snapshot (a million rows
/// read per segment) keeps its format. Segments read the whole table (tagged customers only) when a rule reads tags.
/// </summary>
public sealed class CustomerTagStore(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.CustomerTags);

    /// <summary>The customer's tags, in order.</summary>
    public async Task<IReadOnlyList<string>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == customerId, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            tags.Add(row.RowKey);
        }

        return [.. tags.Order(StringComparer.Ordinal)];
    }

    /// <summary>Puts a tag (validated and normalized by the caller) on the customer, unless they already carry <see cref="CustomerTags.MaxPerCustomer"/>.</summary>
    public async Task<TagOutcome> AddAsync(string customerId, string tag, CancellationToken cancellationToken)
    {
        var existing = await ForCustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (existing.Contains(tag, StringComparer.Ordinal))
        {
            return TagOutcome.AlreadyThere;
        }

        if (existing.Count >= CustomerTags.MaxPerCustomer)
        {
            return TagOutcome.TooMany;
        }

        await _table.UpsertEntityAsync(new TableEntity(customerId, tag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return TagOutcome.Added;
    }

    /// <summary>Takes the tag off; false when the customer did not carry it.</summary>
    public async Task<bool> RemoveAsync(string customerId, string tag, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(customerId, tag, ETag.All, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Every tagged customer's tags (the table holds tagged customers only).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> AllAsync(CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await foreach (var row in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!all.TryGetValue(row.PartitionKey, out var tags))
            {
                all[row.PartitionKey] = tags = new HashSet<string>(StringComparer.Ordinal);
            }

            tags.Add(row.RowKey);
        }

        return all.ToDictionary(x => x.Key, x => (IReadOnlySet<string>)x.Value, StringComparer.Ordinal);
    }

    /// <summary>The profiles with their tags attached (what a rule reading tags evaluates on).</summary>
    public async Task<IEnumerable<CustomerProfile>> AttachAsync(IEnumerable<CustomerProfile> profiles, CancellationToken cancellationToken)
    {
        var all = await AllAsync(cancellationToken).ConfigureAwait(false);
        return all.Count == 0 ? profiles : profiles.Select(p => all.TryGetValue(p.CustomerId, out var tags) ? p with { Tags = tags } : p);
    }

    /// <summary>Removes every tag of the customer; how many there were.</summary>
    public async Task<int> EraseAsync(string customerId, CancellationToken cancellationToken)
    {
        var tags = await ForCustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        foreach (var tag in tags)
        {
            await RemoveAsync(customerId, tag, cancellationToken).ConfigureAwait(false);
        }

        return tags.Count;
    }
}
