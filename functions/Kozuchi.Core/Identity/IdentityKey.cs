using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Identity;

/// <summary>Identifiers strong enough to say two records are the same person (名寄せ).</summary>
public enum IdentityKind
{
    /// <summary>The cart's own customer id, scoped by source: <c>shopify:12345</c>.</summary>
    CartCustomer,
    Email,

    /// <summary>E.164 phone number.</summary>
    Phone,
    LineUser,
}

/// <summary>A normalised identifier. Values are personal data: never log them; show them masked.</summary>
public readonly record struct IdentityKey(IdentityKind Kind, string Value)
{
    public override string ToString() => $"{Kind}:{Value}";

    public static IdentityKey Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Enum.TryParse<IdentityKind>(text[..colon], out var kind)
            ? new IdentityKey(kind, text[(colon + 1)..])
            : throw new FormatException("Not an identity key");
    }

    /// <summary>Enough to recognise the identifier on screen without disclosing it: <c>t***@example.com</c>, <c>+81******5678</c>.</summary>
    public string Masked() => Kind switch
    {
        IdentityKind.Email when Value.IndexOf('@', StringComparison.Ordinal) > 0 => $"{Value[0]}***{Value[Value.IndexOf('@', StringComparison.Ordinal)..]}",
        IdentityKind.Phone when Value.Length > 6 => Value[..3] + new string('*', Value.Length - 7) + Value[^4..],
        IdentityKind.CartCustomer => Value,
        _ => Value.Length <= 4 ? "****" : Value[..2] + "***",
    };

    /// <summary>The strong identifiers an order carries, normalised; empty or invalid values give none.</summary>
    public static IReadOnlyList<IdentityKey> From(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return From(order.Key.Source, order.CartCustomerId, order.Contact);
    }

    /// <summary>The strong identifiers of anything that names a person the way an order does (a checkout).</summary>
    public static IReadOnlyList<IdentityKey> From(string source, string? cartCustomerId, OrderContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var keys = new List<IdentityKey>(3);
        if (!string.IsNullOrWhiteSpace(cartCustomerId))
        {
            keys.Add(new IdentityKey(IdentityKind.CartCustomer, $"{source}:{IdentityNormalizer.Text(cartCustomerId)}"));
        }

        if (IdentityNormalizer.Email(contact.Email) is { } email)
        {
            keys.Add(new IdentityKey(IdentityKind.Email, email));
        }

        if (IdentityNormalizer.Phone(contact.Phone) is { } phone)
        {
            keys.Add(new IdentityKey(IdentityKind.Phone, phone));
        }

        return keys;
    }
}
