using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Customers;

/// <summary>How a customer was found (in JSON as the camel-case name).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SearchMatch>))]
public enum SearchMatch
{
    [JsonStringEnumMemberName("id")]
    Id,

    [JsonStringEnumMemberName("email")]
    Email,

    [JsonStringEnumMemberName("phone")]
    Phone,

    [JsonStringEnumMemberName("order")]
    Order,

    [JsonStringEnumMemberName("cartCustomer")]
    CartCustomer,

    [JsonStringEnumMemberName("name")]
    Name,

    [JsonStringEnumMemberName("kana")]
    Kana,
}

/// <summary>
/// What an operator's search text can mean, each normalised as identity resolution normalises it (so 「ＴＡＲＯ＠Example.jp」
/// finds taro@example.jp and ０９０ー１２３４ー５６７８ finds +819012345678): an exact e-mail, phone, customer id, cart
/// customer id or order id, and a name or kana prefix. A text may mean several (digits are a phone and an order id).
/// </summary>
public sealed record SearchTerms(
    string? CustomerId,
    IdentityKey? Email,
    IdentityKey? Phone,
    OrderKey? Order,
    string? OrderId,
    IdentityKey? CartCustomer,
    string? NamePrefix)
{
    public bool IsEmpty => CustomerId is null && Email is null && Phone is null && Order is null && OrderId is null && CartCustomer is null && NamePrefix is null;
}

/// <summary>Parsing a search text and the name index's tokens (pure).</summary>
public static partial class CustomerSearch
{
    /// <summary>The shortest name prefix searched: one character (a kanji family name, or a kana) is enough to list.</summary>
    public const int MinNamePrefix = 1;

    public static SearchTerms Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new SearchTerms(null, null, null, null, null, null, null);
        }

        var t = IdentityNormalizer.Text(text);
        if (t.Contains('@', StringComparison.Ordinal))
        {
            return new SearchTerms(null, IdentityNormalizer.Email(t) is { } email ? new IdentityKey(IdentityKind.Email, email) : null, null, null, null, null, null);
        }

        var customerId = CustomerIdPattern().IsMatch(t) ? t.ToLowerInvariant() : null;
        var phoneLike = PhoneCharacters().IsMatch(t) && t.Count(char.IsAsciiDigit) >= 9;
        var phone = phoneLike && IdentityNormalizer.Phone(t) is { } p ? new IdentityKey(IdentityKind.Phone, p) : (IdentityKey?)null;

        // "source:id" names one order and one cart customer exactly; "#1001" or "1001" is an order id in any source.
        OrderKey? order = null;
        IdentityKey? cart = null;
        string? orderId = null;
        var colon = t.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon < t.Length - 1 && !t.Contains(' ', StringComparison.Ordinal))
        {
            order = new OrderKey(t[..colon], t[(colon + 1)..]);
            cart = new IdentityKey(IdentityKind.CartCustomer, $"{t[..colon]}:{IdentityNormalizer.Text(t[(colon + 1)..])}");
        }
        else if (OrderIdPattern().IsMatch(t) && t.Any(char.IsAsciiDigit))
        {
            orderId = t.TrimStart('#');
        }

        // Names are anything with a letter that is not an address, an id or a number.
        var name = customerId is null && !phoneLike && order is null && t.Any(char.IsLetter) ? IdentityNormalizer.Name(t) : null;
        return new SearchTerms(customerId, null, phone, order, orderId, cart, name is { Length: >= MinNamePrefix } ? name : null);
    }

    /// <summary>
    /// The name index's tokens of a contact: the whole name and each of its words (family and given name), and the same
    /// for the kana reading, normalised (NFKC, no spaces, katakana as hiragana, lower case) so that a prefix of any of
    /// them finds the customer: 「山田」, 「太郎」, 「やまだ」, 「ヤマダタロウ」 all find 山田 太郎 (ヤマダ タロウ).
    /// </summary>
    public static IReadOnlyCollection<(SearchMatch Kind, string Token)> NameTokens(CustomerContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var tokens = new HashSet<(SearchMatch, string)>();
        Add(tokens, SearchMatch.Name, contact.Name);
        Add(tokens, SearchMatch.Kana, contact.NameKana);
        return tokens;
    }

    /// <summary>Does the contact still carry a name or kana starting with the (normalised) prefix: the index may lag behind a rename.</summary>
    public static SearchMatch? MatchName(CustomerContact contact, string normalisedPrefix)
    {
        ArgumentNullException.ThrowIfNull(contact);
        ArgumentNullException.ThrowIfNull(normalisedPrefix);
        var match = NameTokens(contact).Where(t => t.Token.StartsWith(normalisedPrefix, StringComparison.Ordinal)).Select(t => t.Kind).Order().ToList();
        return match.Count == 0 ? null : match[0];
    }

    private static void Add(HashSet<(SearchMatch, string)> tokens, SearchMatch kind, string? value)
    {
        if (IdentityNormalizer.Name(value) is not { Length: > 0 } whole)
        {
            return;
        }

        tokens.Add((kind, whole));
        foreach (var word in IdentityNormalizer.Text(value!).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (IdentityNormalizer.Name(word) is { Length: > 0 } w)
            {
                tokens.Add((kind, w));
            }
        }
    }

    [GeneratedRegex("^[cC][0-9a-fA-F]{20}$")]
    private static partial Regex CustomerIdPattern();

    [GeneratedRegex(@"^[+0-9０-９\-‐−ー()（）\s]+$")]
    private static partial Regex PhoneCharacters();

    [GeneratedRegex(@"^#?[0-9A-Za-z][0-9A-Za-z\-_.]*$")]
    private static partial Regex OrderIdPattern();
}
