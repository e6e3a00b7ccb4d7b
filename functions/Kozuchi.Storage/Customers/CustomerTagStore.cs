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
/// A tag row stays under the id it was put on. When identity resolution merges that customer into another, every read
/// resolves it to the survivor (as enrollments do): the survivor carries the union of the group's tags, the merged id
/// has none of its own, and a merge writes no tag row at all — so a replayed merge can neither lose nor duplicate a
/// tag, and an undone merge gives each customer back the tags put on it.
/// </summary>
public sealed class CustomerTagStore(StorageClients clients, CustomerStore customers)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.CustomerTags);

    /// <summary>The tags held under this id itself, in order (what erasure and a data request go through, id by id).</summary>
    public async Task<IReadOnlyList<string>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == customerId, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            tags.Add(row.RowKey);
        }

        return [.. tags.Order(StringComparer.Ordinal)];
    }

    /// <summary>The tags an active customer carries: its own and those put on the customers merged into it, once each, in order.</summary>
    public async Task<IReadOnlyList<string>> OfAsync(CustomerRecord customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in await GroupAsync(customer, cancellationToken).ConfigureAwait(false))
        {
            tags.UnionWith(await ForCustomerAsync(id, cancellationToken).ConfigureAwait(false));
        }

        return [.. tags];
    }

    /// <summary>Puts a tag (validated and normalized by the caller) on the active customer, unless they already carry <see cref="CustomerTags.MaxPerCustomer"/>.</summary>
    public async Task<TagOutcome> AddAsync(CustomerRecord customer, string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var existing = await OfAsync(customer, cancellationToken).ConfigureAwait(false);
        if (existing.Contains(tag, StringComparer.Ordinal))
        {
            return TagOutcome.AlreadyThere;
        }

        if (existing.Count >= CustomerTags.MaxPerCustomer)
        {
            return TagOutcome.TooMany;
        }

        await _table.UpsertEntityAsync(new TableEntity(customer.CustomerId, tag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return TagOutcome.Added;
    }

    /// <summary>Takes the tag off the active customer, wherever in its group it was put; false when the customer did not carry it.</summary>
    public async Task<bool> RemoveAsync(CustomerRecord customer, string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var removed = false;
        foreach (var id in await GroupAsync(customer, cancellationToken).ConfigureAwait(false))
        {
            removed |= await RemoveAsync(id, tag, cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    private async Task<bool> RemoveAsync(string customerId, string tag, CancellationToken cancellationToken)
    {
        // The client answers a delete of a row that is not there with its 404 rather than an exception.
        try
        {
            using var response = await _table.DeleteEntityAsync(customerId, tag, ETag.All, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Every tag row, by the id it is held under (the table holds tagged customers only).</summary>
    private async Task<Dictionary<string, HashSet<string>>> HeldAsync(CancellationToken cancellationToken)
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

        return all;
    }

    /// <summary>
    /// The profiles (active customers) with their tags attached: what a rule reading tags evaluates on. Tags held under
    /// an id that is no profile's (a customer merged away) go to the survivor it resolves to, read by point for those ids
    /// only; a survivor counts once however many ids its tags came from.
    /// </summary>
    public async Task<IEnumerable<CustomerProfile>> AttachAsync(IReadOnlyCollection<CustomerProfile> profiles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var held = await HeldAsync(cancellationToken).ConfigureAwait(false);
        if (held.Count == 0)
        {
            return profiles;
        }

        var elsewhere = new HashSet<string>(held.Keys, StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            if (elsewhere.Remove(profile.CustomerId) && elsewhere.Count == 0)
            {
                break;
            }
        }

        foreach (var id in elsewhere)
        {
            var tags = held[id];
            held.Remove(id);
            if (await customers.GetActiveAsync(id, cancellationToken).ConfigureAwait(false) is { State: CustomerState.Active } survivor && survivor.CustomerId != id)
            {
                if (held.TryGetValue(survivor.CustomerId, out var own))
                {
                    own.UnionWith(tags);
                }
                else
                {
                    held[survivor.CustomerId] = tags;
                }
            }
        }

        return profiles.Select(p => held.TryGetValue(p.CustomerId, out var tags) ? p with { Tags = tags } : p);
    }

    /// <summary>Removes every tag held under the id; how many there were.</summary>
    public async Task<int> EraseAsync(string customerId, CancellationToken cancellationToken)
    {
        var tags = await ForCustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        foreach (var tag in tags)
        {
            await RemoveAsync(customerId, tag, cancellationToken).ConfigureAwait(false);
        }

        return tags.Count;
    }

    private async Task<IReadOnlyList<string>> GroupAsync(CustomerRecord customer, CancellationToken cancellationToken) =>
        customer.Merges.Count == 0 ? [customer.CustomerId] : [customer.CustomerId, .. await customers.MergedIdsAsync(customer, cancellationToken).ConfigureAwait(false)];
}
