using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;

namespace Kozuchi.Core.Customers;

/// <summary>How Kozuchi may reach a customer, and what they agreed to.</summary>
public sealed record Reachability
{
    public bool HasEmail { get; init; }
    public bool EmailOptIn { get; init; }

    /// <summary>Hard bounce or unsubscribe: never email again.</summary>
    public bool EmailSuppressed { get; init; }

    public string? LineUserId { get; init; }

    /// <summary>Friend of the shop's LINE account now (follow without a later unfollow).</summary>
    public bool LineFollowing { get; init; }

    public bool HasPostalAddress { get; init; }
    public bool HasPhone { get; init; }
    public bool DoNotCall { get; init; }

    public bool CanEmail => HasEmail && EmailOptIn && !EmailSuppressed;
    public bool CanLine => LineUserId is not null && LineFollowing;
    public bool CanPost => HasPostalAddress;
    public bool CanCall => HasPhone && !DoNotCall;
}

/// <summary>Which states count in analytics.</summary>
public static class CustomerStates
{
    /// <summary>
    /// Active and erased customers count in KPIs, RFM and cohorts (an erased customer's orders are kept anonymously so
    /// totals stay right); merged ones count through their survivor. Only active ones are ever targeted.
    /// </summary>
    public static bool CountsInAnalytics(this CustomerState state) => state != CustomerState.Merged;
}

public enum CustomerState
{
    Active,

    /// <summary>Merged into another customer by identity resolution; <see cref="CustomerProfile.MergedInto"/> says which.</summary>
    Merged,

    /// <summary>Personal data erased on request; totals kept anonymously.</summary>
    Erased,
}

/// <summary>
/// The customer aggregate as segments, scenarios and reports read it: one record per real person, folded
/// from their orders. Personal data (email, phone, name, address) is not here: it stays with identity
/// records, so most of the product never handles it.
/// </summary>
public sealed record CustomerProfile
{
    public const int SchemaVersion = 1;

    public required string CustomerId { get; init; }
    public CustomerState State { get; init; } = CustomerState.Active;
    public string? MergedInto { get; init; }

    public DateTimeOffset? FirstOrderAt { get; init; }
    public DateTimeOffset? LastOrderAt { get; init; }

    /// <summary>F: orders not cancelled.</summary>
    public int Frequency { get; init; }

    /// <summary>M: revenue net of refunds, in <see cref="Currency"/> (the currency of the customer's first order).</summary>
    public decimal Monetary { get; init; }

    public string Currency { get; init; } = "JPY";

    /// <summary>Revenue of orders in other currencies than <see cref="Currency"/>, per currency: kept apart, never added to <see cref="Monetary"/>.</summary>
    public IReadOnlyList<CurrencyTotal> OtherMonetary { get; init; } = [];

    /// <summary>Monetary per order in <see cref="Currency"/> (orders in other currencies are not in it).</summary>
    public decimal AverageOrderValue => Frequency - OtherMonetary.Sum(o => o.Orders) is var n and > 0 ? Monetary / n : 0;

    /// <summary>Net revenue in <paramref name="currency"/>, or null when the customer has no counted order in it.</summary>
    public decimal? MonetaryIn(string currency) =>
        currency == Currency && Frequency > OtherMonetary.Sum(o => o.Orders) ? Monetary : OtherMonetary.FirstOrDefault(o => o.Currency == currency)?.Amount;

    /// <summary>Every currency the customer's revenue is in, <see cref="Currency"/> first.</summary>
    public IEnumerable<CurrencyTotal> Totals() =>
        Frequency > OtherMonetary.Sum(o => o.Orders) ? [new CurrencyTotal(Currency, Monetary, Frequency - OtherMonetary.Sum(o => o.Orders)), .. OtherMonetary] : OtherMonetary;

    /// <summary>Product keys of the first order (入口商品).</summary>
    public IReadOnlyList<string> EntryProducts { get; init; } = [];

    /// <summary>Product keys of the most recent order.</summary>
    public IReadOnlyList<string> LastProducts { get; init; } = [];

    /// <summary>Every product key ever bought (not cancelled).</summary>
    public IReadOnlySet<string> BoughtProducts { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Has a subscription (定期) order that is not cancelled among the recent orders.</summary>
    public bool IsSubscriber { get; init; }

    public string? AcquisitionMedium { get; init; }
    public string? Prefecture { get; init; }
    public DateOnly? Birthday { get; init; }

    public Reachability Reachability { get; init; } = new();

    /// <summary>
    /// Model outputs (BG/NBD, Gamma-Gamma: P(alive), expected orders, 12-month CLV, churn-risk band, CLV rank) as of the
    /// day they were computed for; null when no fit covers the customer. Not stored with the profile: attached from the
    /// day's predictions when a segment rule reads them.
    /// </summary>
    public CustomerPrediction? Prediction { get; init; }

    /// <summary>
    /// The operator's tags (<see cref="CustomerTags"/>). Not stored with the profile (operators write them apart from
    /// ingest): attached from the tag table when a segment rule reads them.
    /// </summary>
    public IReadOnlySet<string> Tags { get; init; } = NoTags;

    private static readonly IReadOnlySet<string> NoTags = new HashSet<string>(StringComparer.Ordinal);

    public int? DaysSinceLastOrder(DateOnly asOf, TimeZoneInfo zone) =>
        LastOrderAt is { } last ? asOf.DayNumber - DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(last, zone).DateTime).DayNumber : null;
}
