using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kozuchi.Core.Orders;

/// <summary>
/// Which of two versions of one order is the later, decided by what they say rather than by when they arrived: carts
/// stamp <c>updated_at</c> to the second (Shopify's own sample has <c>created_at == updated_at == cancelled_at</c>), so
/// a paid version and its cancellation can carry the same time. The later <see cref="Order.UpdatedAt"/> wins; within
/// the same instant the version further along wins — cancelled over not, more refunded over less, a later financial
/// state, a later fulfilment — and versions that are equally far along but differ are ordered by a fingerprint of their
/// content, so every arrival order ends with the same version. Identical content is the same version (unchanged).
/// Webhooks, pulls, CSV re-imports and replays all go through this one rule.
/// </summary>
public static class OrderVersions
{
    /// <summary>The version tag of the current rule; a stored tag of another rule is read as unknown.</summary>
    private const string Tag = "v1";

    /// <summary>Positive when <paramref name="a"/> is the later version, negative when <paramref name="b"/> is, 0 when they are the same version.</summary>
    public static int Compare(Order a, Order b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Compare(a.UpdatedAt, Stamp(a), b.UpdatedAt, Stamp(b));
    }

    /// <summary>
    /// Compares versions by their update time and stamp (<see cref="Stamp"/>). A null stamp (a version stored before
    /// stamps were kept) is known only by its time: on a tie it is treated as not further along than the other.
    /// </summary>
    public static int Compare(DateTimeOffset aUpdated, string? aStamp, DateTimeOffset bUpdated, string? bStamp)
    {
        var byTime = aUpdated.CompareTo(bUpdated);
        if (byTime != 0)
        {
            return byTime;
        }

        var (pa, pb) = (Progress.Parse(aStamp), Progress.Parse(bStamp));
        if (pa is null || pb is null)
        {
            return (pa, pb) switch
            {
                (null, null) => 0,
                (null, _) => -1,
                _ => 1,
            };
        }

        return pa.CompareTo(pb);
    }

    /// <summary>
    /// What the customer aggregate keeps of a version to compare later ones with: how far along it is and a
    /// fingerprint of everything it says (<c>v1:state:refunded:refunds:fulfilment:fingerprint</c>).
    /// </summary>
    public static string Stamp(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return string.Join(':', Tag, StateRank(order.Status).ToString(CultureInfo.InvariantCulture), order.RefundedAmount.ToString(CultureInfo.InvariantCulture),
            order.RefundIds.Count.ToString(CultureInfo.InvariantCulture), ((int)order.Fulfillment).ToString(CultureInfo.InvariantCulture), Fingerprint(order));
    }

    /// <summary>Pending, paid, partly refunded, refunded, cancelled: each a later state of the order than the one before.</summary>
    private static int StateRank(OrderStatus status) => status switch
    {
        OrderStatus.Pending => 0,
        OrderStatus.Paid => 1,
        OrderStatus.PartiallyRefunded => 2,
        OrderStatus.Refunded => 3,
        OrderStatus.Cancelled => 4,
        _ => 0,
    };

    private static readonly JsonSerializerOptions FingerprintJson = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The first 64 bits of the SHA-256 of the order's JSON (properties in declaration order): equal content, equal fingerprint.</summary>
    private static string Fingerprint(Order order)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(order, FingerprintJson);
        return Convert.ToHexStringLower(SHA256.HashData(json).AsSpan(0, 8));
    }

    private sealed record Progress(int State, decimal Refunded, int Refunds, int Fulfilment, string Fingerprint) : IComparable<Progress>
    {
        public static Progress? Parse(string? stamp)
        {
            var parts = stamp?.Split(':');
            return parts is [Tag, var state, var refunded, var refunds, var fulfilment, var fingerprint]
                && int.TryParse(state, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
                && decimal.TryParse(refunded, NumberStyles.Number, CultureInfo.InvariantCulture, out var r)
                && int.TryParse(refunds, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                && int.TryParse(fulfilment, NumberStyles.Integer, CultureInfo.InvariantCulture, out var f)
                ? new Progress(s, r, n, f, fingerprint)
                : null;
        }

        public int CompareTo(Progress? other)
        {
            if (other is null)
            {
                return 1;
            }

            var c = State.CompareTo(other.State);
            c = c != 0 ? c : Refunded.CompareTo(other.Refunded);
            c = c != 0 ? c : Refunds.CompareTo(other.Refunds);
            c = c != 0 ? c : Fulfilment.CompareTo(other.Fulfilment);
            return c != 0 ? c : string.CompareOrdinal(Fingerprint, other.Fingerprint);
        }
    }
}
