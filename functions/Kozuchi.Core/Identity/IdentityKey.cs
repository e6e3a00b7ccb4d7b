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
    public static IReadOnlyList<IdentityKey> From(string source, string? cartCustomerId, OrderContact contact) =>
        [.. Sourced(source, cartCustomerId, contact).Select(s => s.Key)];

    /// <summary>The order's identifiers with where in the order each was (<c>customer.email</c>, <c>contact_email</c>…).</summary>
    public static IReadOnlyList<SourcedIdentity> Sourced(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return Sourced(order.Key.Source, order.CartCustomerId, order.Contact);
    }

    /// <summary>
    /// Each distinct identifier once, the cart's customer id first, then e-mails, then phones; its source is the first
    /// place the order carried it, as the format names it (null where the format names no source: the cart customer id,
    /// a generic order's or CSV row's one e-mail and phone). Phones are read in the address's country (a US billing phone
    /// is not Japanese).
    /// </summary>
    public static IReadOnlyList<SourcedIdentity> Sourced(string source, string? cartCustomerId, OrderContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var keys = new List<SourcedIdentity>(3);
        void Add(IdentityKind kind, string? value, string? from)
        {
            var normalized = kind switch
            {
                IdentityKind.Email => IdentityNormalizer.Email(value),
                IdentityKind.Phone => IdentityNormalizer.Phone(value, contact.Country),
                _ => null,
            };
            if (normalized is not null && !keys.Any(k => k.Key.Kind == kind && k.Key.Value == normalized))
            {
                keys.Add(new SourcedIdentity(new IdentityKey(kind, normalized), from));
            }
        }

        if (!string.IsNullOrWhiteSpace(cartCustomerId))
        {
            keys.Add(new SourcedIdentity(new IdentityKey(IdentityKind.CartCustomer, $"{source}:{IdentityNormalizer.Text(cartCustomerId)}"), null));
        }

        var listed = contact.Identifiers ?? [];
        foreach (var kind in (ReadOnlySpan<IdentityKind>)[IdentityKind.Email, IdentityKind.Phone])
        {
            var primary = kind == IdentityKind.Email ? contact.Email : contact.Phone;
            var primarySource = listed.FirstOrDefault(i => i.Kind == kind && i.Value == primary)?.Source;
            Add(kind, primary, primarySource);
            foreach (var other in listed.Where(i => i.Kind == kind))
            {
                Add(kind, other.Value, other.Source);
            }
        }

        return keys;
    }
}

/// <summary>An identifier and where the order carried it (null when the format does not say): what a merge explanation names.</summary>
public readonly record struct SourcedIdentity(IdentityKey Key, string? Source);
