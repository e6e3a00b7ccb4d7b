using System.Collections.Concurrent;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Customers;

/// <summary>One customer found, as the search list shows it.</summary>
public sealed record CustomerHit(
    string CustomerId,
    string State,
    string? Name,
    string? NameKana,
    SearchMatch MatchedBy,
    int Frequency,
    decimal Monetary,
    string Currency,
    DateTimeOffset? LastOrderAt);

/// <summary>What a search found: exact is true when an identifier (not a name prefix) matched.</summary>
public sealed record CustomerSearchAnswer(IReadOnlyList<SearchMatch> Tried, bool Exact, IReadOnlyList<CustomerHit> Customers);

/// <summary>The search text, in the body so that it never appears in a URL (access logs, proxies, telemetry).</summary>
public sealed record CustomerSearchRequest(string? Q, int? Take);

/// <summary>
/// Customer search over a million customers without a scan: exact e-mail, phone and cart customer id through the
/// identity index, an order id through the orders table (point reads, in each known source when none is typed), a
/// customer id directly, and a name or kana prefix through the name index — each hit read once and checked against
/// the customer as they are now (a merged id gives its survivor; a name the index still holds from before a rename does
/// not match). The text is normalised as identity resolution normalises it. It is never logged: only what kinds were
/// tried and how many were found.
/// </summary>
public sealed partial class CustomerFinder(CustomerStore store, CustomerSearchIndex index, ILogger<CustomerFinder> logger)
{
    public const int MaxTake = 100;

    private const int ReadParallelism = 16;

    public async Task<CustomerSearchAnswer> SearchAsync(string? text, int take, CancellationToken cancellationToken)
    {
        take = Math.Clamp(take, 1, MaxTake);
        var terms = CustomerSearch.Parse(text);
        var tried = new List<SearchMatch>();
        var exact = new ConcurrentDictionary<string, (SearchMatch Match, CustomerRecord Record)>(StringComparer.Ordinal);

        async Task Exact(SearchMatch match, Func<Task<CustomerRecord?>> find)
        {
            tried.Add(match);
            if (await find().ConfigureAwait(false) is { } record)
            {
                exact.TryAdd(record.CustomerId, (match, record));
            }
        }

        var lookups = new List<Task>();
        if (terms.CustomerId is { } id)
        {
            lookups.Add(Exact(SearchMatch.Id, () => store.GetActiveAsync(id, cancellationToken)));
        }

        foreach (var (match, key) in new[] { (SearchMatch.Email, terms.Email), (SearchMatch.Phone, terms.Phone), (SearchMatch.CartCustomer, terms.CartCustomer) })
        {
            if (key is { } k)
            {
                lookups.Add(Exact(match, () => store.FindByIdentityAsync(k, cancellationToken)));
            }
        }

        if (terms.Order is { } order)
        {
            lookups.Add(Exact(SearchMatch.Order, () => OwnerAsync(order, cancellationToken)));
        }

        if (terms.OrderId is { } orderId)
        {
            tried.Add(SearchMatch.Order);
            foreach (var source in await index.SourcesAsync(cancellationToken).ConfigureAwait(false))
            {
                lookups.Add(Exact(SearchMatch.Order, () => OwnerAsync(new OrderKey(source, orderId), cancellationToken)));
            }
        }

        await Task.WhenAll(lookups).ConfigureAwait(false);
        var hits = exact.Values.Select(x => Hit(x.Record, x.Match)).ToList();

        if (terms.NamePrefix is { } prefix && hits.Count < take)
        {
            tried.Add(SearchMatch.Name);
            var candidates = (await index.NamePrefixAsync(prefix, take * 3, cancellationToken).ConfigureAwait(false)).Distinct(StringComparer.Ordinal).ToList();
            var found = new ConcurrentDictionary<string, (int Rank, CustomerHit Hit)>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(candidates.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken }, async (c, ct) =>
            {
                if (await store.GetActiveAsync(c.c, ct).ConfigureAwait(false) is { State: CustomerState.Active } record
                    && CustomerSearch.MatchName(record.Contact, prefix) is { } match
                    && !exact.ContainsKey(record.CustomerId))
                {
                    found.AddOrUpdate(record.CustomerId, (c.i, Hit(record, match)), (_, had) => had.Rank <= c.i ? had : (c.i, Hit(record, match)));
                }
            }).ConfigureAwait(false);
            hits.AddRange(found.Values.OrderBy(f => f.Rank).Select(f => f.Hit).Take(take - hits.Count));
        }

        IReadOnlyList<SearchMatch> kinds = [.. tried.Distinct()];
        LogSearched(logger, kinds, hits.Count);
        return new CustomerSearchAnswer(kinds, !exact.IsEmpty, hits);
    }

    private async Task<CustomerRecord?> OwnerAsync(OrderKey order, CancellationToken cancellationToken) =>
        await store.GetOrderRowCustomerAsync(order, cancellationToken).ConfigureAwait(false) is { } owner
            ? await store.GetActiveAsync(owner, cancellationToken).ConfigureAwait(false)
            : null;

    private static CustomerHit Hit(CustomerRecord record, SearchMatch match)
    {
        var profile = record.ToProfile();
        return new CustomerHit(record.CustomerId, record.State.ToString(), record.Contact.Name, record.Contact.NameKana, match,
            profile.Frequency, profile.Monetary, profile.Currency, profile.LastOrderAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer search by {Kinds}: {Found} found")]
    private static partial void LogSearched(ILogger logger, IReadOnlyList<SearchMatch> kinds, int found);
}
