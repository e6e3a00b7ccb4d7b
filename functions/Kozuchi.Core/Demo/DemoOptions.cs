using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Demo;

/// <summary>
/// What to generate. Nothing reads a clock: <see cref="AsOf"/> is the last day of the history (Asia/Tokyo), and the
/// same options always give the same orders.
/// </summary>
public sealed record DemoOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>People (real persons) to generate; each has at least one order.</summary>
    public int Customers { get; init; } = 5000;

    /// <summary>The last day of the history; first orders spread over <see cref="Years"/> years up to it.</summary>
    public required DateOnly AsOf { get; init; }

    public int Years { get; init; } = 3;

    /// <summary>The order source of every <see cref="OrderKey"/>.</summary>
    public string Source { get; init; } = "demo";

    /// <summary>Stop after this many orders (benchmarks ask for an exact count); the history then ends a little before <see cref="AsOf"/>.</summary>
    public int? MaxOrders { get; init; }

    /// <summary>Share of people whose later orders carry formatting variants of their e-mail, phone and name.</summary>
    public double DirtyShare { get; init; } = 0.08;

    /// <summary>Share of people who also check out as a guest (no cart customer id), with the same e-mail or with another e-mail and the same phone.</summary>
    public double SecondAccountShare { get; init; } = 0.03;

    /// <summary>
    /// Share of people who are a family member of the previous person: same surname and address, and they order with
    /// the family's landline. Different people by ground truth, so identity resolution on phone merges them: this is
    /// what pairwise precision measures.
    /// </summary>
    public double SharedLandlineShare { get; init; } = 0.003;

    /// <summary>Share of later orders taken without an e-mail address (電話注文, はがき注文): they still carry a phone.</summary>
    public double NoEmailOrderShare { get; init; } = 0.03;

    /// <summary>The options that give about <paramref name="orders"/> orders, stopping at exactly that many.</summary>
    public static DemoOptions ForOrders(int orders, int seed, DateOnly asOf) => new()
    {
        Seed = seed,
        AsOf = asOf,
        Customers = (int)Math.Ceiling(orders / OrdersPerCustomer * 1.1),
        MaxOrders = orders,
    };

    /// <summary>Measured mean orders per person with the default options (DemoGeneratorTests checks it stays close).</summary>
    public const double OrdersPerCustomer = 2.25;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Customers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Years);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Years, 20);
        if (MaxOrders is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(max);
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(Source);
        foreach (var share in new[] { DirtyShare, SecondAccountShare, SharedLandlineShare, NoEmailOrderShare })
        {
            if (share is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(share), share, "Shares are between 0 and 1.");
            }
        }
    }
}

/// <summary>A generated order and the real person behind it.</summary>
public readonly record struct DemoOrder(Order Order, string PersonId);

/// <summary>A generated history: orders in time order, who really placed each one, and the catalogue.</summary>
public sealed record DemoData(IReadOnlyList<Order> Orders, IReadOnlyDictionary<OrderKey, string> GroundTruth, IReadOnlyList<DemoProduct> Catalogue, int People);
