using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Customers;

/// <summary>A customer's tags after a change.</summary>
public sealed record CustomerTagsView(string CustomerId, IReadOnlyList<string> Tags);

/// <summary>What a tag change came to: the tags, or why not (<see cref="Status"/> is the HTTP status to answer with).</summary>
public sealed record TagChange(CustomerTagsView? Tags, int Status, string? Problem);

/// <summary>
/// The operator tags a customer or takes a tag off: the tag is normalized (NFKC) and checked (<see cref="CustomerTags"/>),
/// only an active customer is tagged (a merged id names its survivor; an erased one has nobody left to tag), and a
/// customer carries at most <see cref="CustomerTags.MaxPerCustomer"/>. A customer's tags include those put on the
/// customers merged into it (<see cref="CustomerTagStore"/>): taking one off takes it off wherever it was put.
/// </summary>
public sealed class CustomerTagging(CustomerStore customers, CustomerTagStore tags)
{
    public async Task<TagChange> AddAsync(string customerId, string tag, CancellationToken cancellationToken) =>
        await ChangeAsync(customerId, tag, add: true, cancellationToken).ConfigureAwait(false);

    public async Task<TagChange> RemoveAsync(string customerId, string tag, CancellationToken cancellationToken) =>
        await ChangeAsync(customerId, tag, add: false, cancellationToken).ConfigureAwait(false);

    private async Task<TagChange> ChangeAsync(string customerId, string tag, bool add, CancellationToken cancellationToken)
    {
        var normalized = CustomerTags.Normalize(tag);
        if (CustomerTags.Problem(normalized) is { } problem)
        {
            return new(null, StatusCodes.Status400BadRequest, problem);
        }

        var record = await customers.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return new(null, StatusCodes.Status404NotFound, $"No customer {customerId}.");
        }

        if (record.State != CustomerState.Active)
        {
            return new(null, StatusCodes.Status409Conflict, record.State == CustomerState.Merged
                ? $"Customer {customerId} was merged into {record.MergedInto}; tag that customer."
                : $"Customer {customerId} was erased; there is nobody to tag.");
        }

        if (add && await tags.AddAsync(record, normalized, cancellationToken).ConfigureAwait(false) == TagOutcome.TooMany)
        {
            return new(null, StatusCodes.Status409Conflict, $"A customer carries at most {CustomerTags.MaxPerCustomer} tags; take one off first.");
        }

        if (!add)
        {
            await tags.RemoveAsync(record, normalized, cancellationToken).ConfigureAwait(false);
        }

        return new(new CustomerTagsView(customerId, await tags.OfAsync(record, cancellationToken).ConfigureAwait(false)), StatusCodes.Status200OK, null);
    }
}
