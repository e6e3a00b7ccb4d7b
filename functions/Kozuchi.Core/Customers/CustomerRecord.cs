using Kozuchi.Core.Common;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Customers;

/// <summary>
/// What the customer aggregate keeps of each order: enough to refold F, M, entry and last products, the currency
/// <see cref="Net"/> is in, and the version stamp later versions are compared with (<see cref="OrderVersions"/>).
/// Summaries stored before currencies and stamps were kept have neither: their currency is the record's, and a
/// version is then known by its time only.
/// </summary>
public sealed record OrderSummary(
    OrderKey Key,
    DateTimeOffset OrderedAt,
    DateTimeOffset UpdatedAt,
    bool Counts,
    decimal Net,
    IReadOnlyList<string> Products,
    bool IsSubscription,
    string? Currency = null,
    string? Version = null)
{
    /// <summary>
    /// The products as the cart titled them (order line titles), for what a person reads: emails, LINE, call and DM
    /// lists. <see cref="Products"/> are keys (SKUs) for analyses. Null on summaries stored before names were kept:
    /// such an order gets them when it is ingested again (its next version, or <c>kozuchi replay raw</c>).
    /// </summary>
    public IReadOnlyList<string>? ProductNames { get; init; }

    public static OrderSummary Of(Order order) => Of(order, OrderVersions.Stamp(order));

    /// <summary>The summary with the version stamp already computed for the order (the ledger compares with it first).</summary>
    public static OrderSummary Of(Order order, string stamp)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new(order.Key, order.OrderedAt, order.UpdatedAt, order.Counts, order.NetAmount,
            [.. order.Lines.Select(l => l.ProductKey).Distinct(StringComparer.Ordinal)], order.IsSubscription, order.Currency, stamp)
        {
            ProductNames = [.. order.Lines.Select(l => l.ProductName.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal)],
        };
    }
}

/// <summary>
/// Latest personal data of a customer, kept apart from the profile so most code never touches it. The address is one
/// group — postal code, country, region (都道府県), city, lines, the name on it — always taken from one order together,
/// never pieced from several; <see cref="Address"/> is the same address on one line.
/// </summary>
public sealed record CustomerContact
{
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Name { get; init; }

    /// <summary>The reading of the name (フリガナ) as the cart sent it: what a Japanese call centre searches by.</summary>
    public string? NameKana { get; init; }
    public string? PostalCode { get; init; }
    public string? Address { get; init; }
    public string? Country { get; init; }
    public string? Region { get; init; }
    public string? City { get; init; }
    public string? AddressLine1 { get; init; }
    public string? AddressLine2 { get; init; }
    public string? AddressName { get; init; }
    public DateOnly? Birthday { get; init; }
}

/// <summary>Marks on a customer record.</summary>
public static class CustomerFlags
{
    /// <summary>
    /// An order carried an identifier of a customer whose data was erased: the order was kept without its personal
    /// fields on an anonymous customer, so the erased person is not silently recreated. The shop decides what to do.
    /// </summary>
    public const string ErasedIdentifier = "erased-identifier";
}

/// <summary>
/// Why two customers became one: the shared identifier, where the order that joined them carried it (<c>customer.email</c>,
/// <c>contact_email</c>, <c>phone</c>…; null on merges recorded before sources were kept), and which orders came over (so it
/// can be undone).
/// </summary>
public sealed record MergeRecord(string MergedCustomerId, IdentityKey SharedKey, DateTimeOffset At, IReadOnlyList<OrderKey> Orders, string? Source = null);

/// <summary>
/// A merge the shop undid: the two customers are different people (a family sharing a landline, a shared office
/// e-mail). Identity resolution never merges them again; an order that points at both goes to the one its strongest
/// identifier belongs to.
/// </summary>
public sealed record Separation(string OtherCustomerId, IdentityKey SharedKey, DateTimeOffset At);

/// <summary>
/// The stored customer aggregate. The profile is a pure fold of <see cref="Orders"/>, so applying an order version
/// twice changes nothing: this is what makes ingest idempotent without a separate "applied" log.
/// </summary>
public sealed record CustomerRecord
{
    public const int SchemaVersion = 1;

    public required string CustomerId { get; init; }
    public CustomerState State { get; init; } = CustomerState.Active;
    public string? MergedInto { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<OrderSummary> Orders { get; init; } = [];
    public CustomerContact Contact { get; init; } = new();
    public IReadOnlyList<MergeRecord> Merges { get; init; } = [];
    public IReadOnlyList<Separation> Separations { get; init; } = [];
    public IReadOnlyList<IdentityKey> Identities { get; init; } = [];
    public string Currency { get; init; } = "JPY";
    public string? AcquisitionMedium { get; init; }
    public bool? EmailOptIn { get; init; }
    public bool EmailSuppressed { get; init; }
    public bool DoNotCall { get; init; }
    public string? LineUserId { get; init; }
    public bool LineFollowing { get; init; }

    /// <summary>
    /// When the newest LINE follow/unfollow event applied to <see cref="LineFollowing"/> happened (LINE's event
    /// timestamp): an older event, redelivered or replayed, is ignored (<see cref="Channels.ChannelConsent.LineFollowing"/>).
    /// </summary>
    public DateTimeOffset? LineEventAt { get; init; }

    /// <summary>Marks for the shop to look at, e.g. <see cref="CustomerFlags.ErasedIdentifier"/>.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    public OrderSummary? Find(OrderKey key) => Orders.FirstOrDefault(o => o.Key == key);

    public bool IsSeparatedFrom(string customerId) => Separations.Any(s => s.OtherCustomerId == customerId);

    /// <summary>The customer as they were just before <paramref name="cutoff"/>: for RFM movement and as-of reports.</summary>
    public CustomerRecord AsOf(DateTimeOffset cutoff) => this with { Orders = [.. Orders.Where(o => o.OrderedAt < cutoff)] };

    /// <summary>The product names of the first counted order (the entry products), as a person reads them; empty when unknown.</summary>
    public IReadOnlyList<string> EntryProductNames() => Counted().FirstOrDefault()?.ProductNames ?? [];

    /// <summary>The product names of the latest counted order, as a person reads them; empty when unknown.</summary>
    public IReadOnlyList<string> LastProductNames() => Counted().LastOrDefault()?.ProductNames ?? [];

    private List<OrderSummary> Counted() =>
        [.. Orders.Where(o => o.Counts).OrderBy(o => o.OrderedAt).ThenBy(o => o.Key.ToString(), StringComparer.Ordinal)];

    /// <summary>The currency an order summary's amount is in (the record's for summaries stored before it was kept).</summary>
    public string CurrencyOf(OrderSummary order) => order?.Currency ?? Currency;

    /// <summary>
    /// The profile. Its monetary figures are in the currency of the customer's first counted order; orders in any other
    /// currency are totalled apart (<see cref="CustomerProfile.OtherMonetary"/>), never added.
    /// </summary>
    public CustomerProfile ToProfile()
    {
        var counted = Counted();
        var first = counted.FirstOrDefault();
        var last = counted.LastOrDefault();
        var currency = first is null ? Currency : CurrencyOf(first);
        return Profile(counted, first, last, currency);
    }

    /// <summary>The currency the customer's monetary figures are in: their first counted order's (the record's without one).</summary>
    public string MonetaryCurrency() => Counted().Select(CurrencyOf).FirstOrDefault() ?? Currency;

    private CustomerProfile Profile(List<OrderSummary> counted, OrderSummary? first, OrderSummary? last, string currency)
    {
        var totals = Currencies.Totals(counted.Select(o => (CurrencyOf(o), o.Net, 1)), currency);
        return new CustomerProfile
        {
            CustomerId = CustomerId,
            State = State,
            MergedInto = MergedInto,
            FirstOrderAt = first?.OrderedAt,
            LastOrderAt = last?.OrderedAt,
            Frequency = counted.Count,
            Monetary = totals[0].Amount,
            Currency = currency,
            OtherMonetary = [.. totals.Skip(1)],
            EntryProducts = first?.Products ?? [],
            LastProducts = last?.Products ?? [],
            BoughtProducts = counted.SelectMany(o => o.Products).ToHashSet(StringComparer.Ordinal),
            IsSubscriber = counted.Where(o => o.OrderedAt >= (last?.OrderedAt ?? default).AddDays(-120)).Any(o => o.IsSubscription),
            AcquisitionMedium = AcquisitionMedium,
            Prefecture = Prefecture(Contact),
            Birthday = Contact.Birthday,
            Reachability = new Reachability
            {
                HasEmail = Contact.Email is not null,
                EmailOptIn = EmailOptIn ?? false,
                EmailSuppressed = EmailSuppressed,
                LineUserId = LineUserId,
                LineFollowing = LineFollowing,
                HasPostalAddress = Contact.PostalCode is not null && (Contact.Address is not null || Contact.AddressLine1 is not null),
                HasPhone = Contact.Phone is not null,
                DoNotCall = DoNotCall,
            },
        };
    }

    /// <summary>The prefecture of a Japanese address: its region when the cart gave one, else the start of the one-line address.</summary>
    private static string? Prefecture(CustomerContact contact) =>
        IdentityNormalizer.Country(contact.Country) is null or "JP"
            ? IdentityNormalizer.Prefecture(contact.Region) ?? IdentityNormalizer.SplitPrefecture(contact.Address).Prefecture
            : null;
}
