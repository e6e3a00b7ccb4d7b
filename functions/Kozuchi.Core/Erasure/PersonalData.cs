using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Erasure;

/// <summary>
/// The personal values of one person being erased, in the forms they may be stored in: as received (raw order
/// contact), normalised (the customer record), and as identifiers. Used to recognise their data in places that have no
/// customer id (raw payloads, import files, exports) so it can be removed there too. Never log it.
/// </summary>
public sealed class PersonalData
{
    /// <summary>Needles shorter than this are not searched inside free text: too many false hits.</summary>
    public const int MinNeedleLength = 4;

    private readonly HashSet<string> _emails = new(StringComparer.Ordinal);
    private readonly HashSet<string> _phones = new(StringComparer.Ordinal);
    private readonly HashSet<string> _texts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _postalCodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _needles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nameParts = new(StringComparer.Ordinal);

    public bool IsEmpty => _emails.Count == 0 && _phones.Count == 0 && _texts.Count == 0;

    public void Add(CustomerContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        AddEmail(contact.Email);
        AddPhone(contact.Phone);
        AddName(contact.Name);
        AddName(contact.NameKana);
        AddName(contact.AddressName);
        AddText(contact.Address);
        AddAddressLines(contact.AddressLine1, contact.AddressLine2);
        AddPostal(contact.PostalCode);
    }

    public void Add(OrderContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        AddEmail(contact.Email);
        AddPhone(contact.Phone, contact.Country);
        AddName(contact.Name);
        AddName(contact.NameKana);
        AddName(contact.AddressName);
        AddText(contact.Address);
        AddAddressLines(contact.AddressLine1, contact.AddressLine2);
        AddPostal(contact.PostalCode, contact.Country);
        foreach (var other in contact.Identifiers ?? [])
        {
            if (other.Kind == IdentityKind.Email)
            {
                AddEmail(other.Value);
            }
            else if (other.Kind == IdentityKind.Phone)
            {
                AddPhone(other.Value, contact.Country);
            }
        }
    }

    /// <summary>Street lines are theirs; the region and city alone are shared by many people and are not searched for.</summary>
    private void AddAddressLines(string? line1, string? line2)
    {
        AddText(line1);
        AddText(line2);
    }

    public void Add(IdentityKey key)
    {
        switch (key.Kind)
        {
            case IdentityKind.Email:
                AddEmail(key.Value);
                break;
            case IdentityKind.Phone:
                AddPhone(key.Value);
                break;
            case IdentityKind.LineUser:
                AddNeedle(key.Value);
                break;
            case IdentityKind.CartCustomer:
                // "shopify:123" — the cart's own id is searched as a whole identifier only, never inside text.
                break;
        }
    }

    /// <summary>The value on its own is this person's email, phone, name or address (in any stored form).</summary>
    public bool Identifies(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (IdentityNormalizer.Email(value) is { } email && _emails.Contains(email))
        {
            return true;
        }

        if (value.Count(char.IsAsciiDigit) >= 9 && IdentityNormalizer.Phone(value) is { } phone && _phones.Contains(phone))
        {
            return true;
        }

        return _texts.Contains(IdentityNormalizer.Text(value)) || _needles.Contains(value.Trim());
    }

    /// <summary>
    /// Within a record already known to be this person's: is this value personal (their postal code, a part of their
    /// name as carts split it into family and given name, or anything <see cref="Identifies"/> or <see cref="Mentions"/>)?
    /// </summary>
    public bool IsPersonal(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (Identifies(value) || Mentions(value))
        {
            return true;
        }

        if (IdentityNormalizer.PostalCode(value) is { } postal && _postalCodes.Contains(postal))
        {
            return true;
        }

        var text = IdentityNormalizer.Text(value).Replace("様", string.Empty, StringComparison.Ordinal).Trim();
        return text.Length >= 1 && _nameParts.Contains(text);
    }

    /// <summary>Free text (a whole CSV line, a note) that contains one of this person's values.</summary>
    public bool Mentions(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var needle in _needles)
        {
            if (text.Contains(needle, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        if (text.Length > MinNeedleLength)
        {
            var normalized = IdentityNormalizer.Text(text);
            foreach (var needle in _texts)
            {
                if (needle.Length >= MinNeedleLength && normalized.Contains(needle, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void AddEmail(string? value)
    {
        if (IdentityNormalizer.Email(value) is { } email)
        {
            _emails.Add(email);
            AddNeedle(email);
        }

        AddNeedle(value?.Trim());
    }

    private void AddPhone(string? value, string? country = null)
    {
        if (IdentityNormalizer.Phone(value, country) is { } phone)
        {
            _phones.Add(phone);
            AddNeedle(phone);

            // The national form with and without hyphens, as carts and call lists write it.
            if (phone.StartsWith("+81", StringComparison.Ordinal))
            {
                AddNeedle("0" + phone[3..]);
            }
        }

        AddNeedle(value?.Trim());
    }

    private void AddName(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        AddText(value);
        foreach (var part in IdentityNormalizer.Text(value).Split([' ', '\u3000'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            _nameParts.Add(part);
        }
    }

    private void AddText(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        var normalized = IdentityNormalizer.Text(value);
        _texts.Add(normalized);
        _nameParts.Add(normalized);
        AddNeedle(value.Trim());
    }

    private void AddPostal(string? value, string? country = null)
    {
        if (IdentityNormalizer.PostalCode(value, country) is { } postal)
        {
            _postalCodes.Add(postal);
        }
    }

    private void AddNeedle(string? value)
    {
        if (value is { Length: >= MinNeedleLength })
        {
            _needles.Add(value);
        }
    }
}
