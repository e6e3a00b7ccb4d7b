namespace Kozuchi.Core.Orders;

/// <summary>An address's parts on one line, as the country writes them, for people and lists that want one string.</summary>
public static class AddressFormat
{
    /// <summary>
    /// A Japanese address in Japanese script runs from the prefecture down without separators, the building after a space
    /// (東京都渋谷区神宮前1-2-3 ビル5F); anything else runs from the street up, parts separated by commas
    /// (1 Market St, Suite 5, Sydney, NSW, AU). Null when there is no part.
    /// </summary>
    public static string? OneLine(string? country, string? region, string? city, string? line1, string? line2)
    {
        static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
        (region, city, line1, line2, country) = (Clean(region), Clean(city), Clean(line1), Clean(line2), Clean(country));
        if (region is null && city is null && line1 is null && line2 is null)
        {
            return null;
        }

        var japan = country is null || country.Equals("JP", StringComparison.OrdinalIgnoreCase);
        if (japan && new[] { region, city, line1 }.Any(p => p is not null && p.Any(IsJapaneseScript)))
        {
            var main = string.Concat(region, city, line1);
            return line2 is null ? main : main.Length == 0 ? line2 : main + " " + line2;
        }

        return string.Join(", ", new[] { line1, line2, city, region, japan ? null : country }.Where(p => p is not null));
    }

    /// <summary>
    /// A region as the address keeps it: in Japan (or with no country) the prefecture's name from any form carts write it
    /// in (13, JP-13, Tokyo, 東京), else as written.
    /// </summary>
    public static string? Region(string? country, string? region) =>
        string.IsNullOrWhiteSpace(region) ? null
        : Identity.IdentityNormalizer.Country(country) is null or "JP" ? Identity.IdentityNormalizer.Prefecture(region) ?? region.Trim()
        : region.Trim();

    private static bool IsJapaneseScript(char c) => c is >= '\u3040' and <= '\u30FF' or >= '\u4E00' and <= '\u9FFF' or >= '\uFF66' and <= '\uFF9F';
}
