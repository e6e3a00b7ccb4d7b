using System.Text.RegularExpressions;
using Kozuchi.Channels.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;

namespace Kozuchi.Channels.Postal;

/// <summary>One addressed piece of direct mail, as the print vendor sets it on the envelope or postcard.</summary>
/// <remarks><see cref="LastProduct"/> (by name) and <see cref="Copy"/> (the template's text for this customer) are for variable printing.</remarks>
public sealed record DmRecipient(string CustomerId, string PostalCode, string Prefecture, string City, string AddressLine1, string? AddressLine2, string? Building, string Name, string VariantCode)
{
    public string? LastProduct { get; init; }

    public string? Copy { get; init; }
}

/// <summary>What the list cost to mail: recorded with the export so ROAS can charge the campaign for it.</summary>
public sealed record DmListSummary(int Pieces, int Skipped, decimal CostPerPiece, decimal TotalCost, string Currency);

public static partial class DmList
{
    public static readonly string[] Header = ["顧客ID", "郵便番号", "都道府県", "市区町村", "住所1", "住所2", "建物名", "宛名", "バリアント", "前回購入商品", "文面"];

    /// <summary>
    /// A customer's piece: from the address's parts when the cart gave them (a Japanese address with its prefecture,
    /// city and street line), else from the one-line address. Null for an address abroad (a Japanese DM vendor's list
    /// has no place for it), or one without postal code, prefecture, city or name.
    /// </summary>
    public static DmRecipient? From(string customerId, CustomerContact contact, string variantCode)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (IdentityNormalizer.Country(contact.Country) is not (null or "JP"))
        {
            return null;
        }

        var name = contact.Name ?? contact.AddressName;
        var prefecture = IdentityNormalizer.Prefecture(contact.Region);
        if (prefecture is not null && contact.City is { } city && contact.AddressLine1 is { } line)
        {
            var postal = IdentityNormalizer.PostalCode(contact.PostalCode);
            return postal is null || string.IsNullOrWhiteSpace(name) ? null
                : new DmRecipient(customerId, postal, prefecture, IdentityNormalizer.Text(city), IdentityNormalizer.Text(line), null, contact.AddressLine2 is { } l2 ? IdentityNormalizer.Text(l2) : null, name.Trim(), variantCode);
        }

        return From(customerId, contact.PostalCode, contact.Address, name, variantCode);
    }

    /// <summary>
    /// Splits a stored address (normalised: prefecture first, the building after a space) into the vendor's columns.
    /// Returns null when the address has no prefecture or city: such a piece would come back undelivered.
    /// </summary>
    public static DmRecipient? From(string customerId, string? postalCode, string? address, string? name, string variantCode)
    {
        var postal = IdentityNormalizer.PostalCode(postalCode);
        var (prefecture, rest) = IdentityNormalizer.SplitPrefecture(address);
        if (postal is null || prefecture is null || string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var match = CityPattern().Match(rest);
        if (!match.Success)
        {
            return null;
        }

        var city = match.Value;
        var remainder = rest[city.Length..].Trim();
        var space = remainder.IndexOf(' ', StringComparison.Ordinal);
        var (line, building) = space > 0 ? (remainder[..space], remainder[(space + 1)..].Trim()) : (remainder, null);
        return new DmRecipient(customerId, postal, prefecture, city, line, null, building, name.Trim(), variantCode);
    }

    /// <summary>Writes the list; the name carries 様, the postal code 〒. Returns how many pieces were written.</summary>
    public static async Task<int> WriteAsync(Stream output, IEnumerable<DmRecipient> recipients, ListEncoding encoding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var writer = new StreamWriter(output, CsvText.For(encoding), bufferSize: 64 * 1024, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteAsync(CsvText.Row(Header).AsMemory(), cancellationToken).ConfigureAwait(false);
            var pieces = 0;
            foreach (var r in recipients)
            {
                var row = CsvText.Row(r.CustomerId, "〒" + r.PostalCode, r.Prefecture, r.City, r.AddressLine1, r.AddressLine2, r.Building, r.Name + " 様", r.VariantCode, r.LastProduct, r.Copy);
                await writer.WriteAsync(row.AsMemory(), cancellationToken).ConfigureAwait(false);
                pieces++;
            }

            return pieces;
        }
    }

    public static DmListSummary Cost(int pieces, int skipped, decimal costPerPiece, string currency = "JPY") =>
        new(pieces, skipped, costPerPiece, pieces * costPerPiece, currency);

    // Designated-city wards first (大阪市北区), then 郡+町村, then 市, 区 (Tokyo's wards), 町, 村.
    [GeneratedRegex(@"^(?:.+?市.+?区|.+?郡.+?[町村]|.+?市|.+?区|.+?[町村])")]
    private static partial Regex CityPattern();
}
