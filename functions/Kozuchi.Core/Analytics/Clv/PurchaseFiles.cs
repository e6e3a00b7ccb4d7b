using System.Globalization;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Import;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>
/// Purchases read from a file for a backtest, in one currency (amounts in different currencies are never added);
/// <see cref="Skipped"/> counts orders left out (another currency, no customer identifier, rejected rows).
/// </summary>
public sealed record PurchaseFile(IReadOnlyList<Purchase> Purchases, string Currency, int Skipped, string? Error)
{
    public bool Ok => Error is null;

    public static PurchaseFile Failed(string error) => new([], string.Empty, 0, error);
}

/// <summary>The transaction files <c>kozuchi clv backtest</c> reads.</summary>
public static class PurchaseFiles
{
    /// <summary>
    /// The CDNOW sample's layout (whitespace separated: customer id, sample id, date yyyymmdd, units, dollar value),
    /// one purchase per line, in US dollars.
    /// </summary>
    public static PurchaseFile ReadCdnow(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var purchases = new List<Purchase>();
        var line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            var f = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0)
            {
                continue;
            }

            if (f.Length != 5
                || !DateOnly.TryParseExact(f[2], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                || !decimal.TryParse(f[4], NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
            {
                return PurchaseFile.Failed($"Line {line}: expected customer id, sample id, date (yyyymmdd), units and value separated by spaces.");
            }

            purchases.Add(new Purchase(f[0], day, value));
        }

        return purchases.Count == 0 ? PurchaseFile.Failed("The file has no purchases.") : new PurchaseFile(purchases, "USD", 0, null);
    }

    /// <summary>
    /// The Kozuchi order CSV (what <c>kozuchi import orders</c> reads): each order's day in the shop's zone and its value
    /// net of refunds (cancelled orders are worth nothing, so are no purchase). The customer is the cart's customer id,
    /// else the normalised e-mail, else the normalised phone: the strong identifiers identity resolution would merge on,
    /// without resolving chains of them. Orders in a currency other than <paramref name="currency"/> are skipped; with
    /// no currency given, a file in several currencies is refused.
    /// </summary>
    public static PurchaseFile ReadOrders(TextReader reader, TimeZoneInfo zone, string? currency)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(zone);
        var parser = new OrderCsvParser(CsvMapping.Kozuchi, zone);
        var orders = new List<(string Customer, DateOnly Day, decimal Value, string Currency)>();
        var skipped = 0;
        foreach (var chunk in parser.Parse(reader))
        {
            if (chunk.Errors.Count > 0 && chunk.Errors[0].Line == 1)
            {
                return PurchaseFile.Failed(chunk.Errors[0].Reason);
            }

            foreach (var order in chunk.Orders)
            {
                var customer = Customer(order);
                if (customer is null)
                {
                    skipped++;
                    continue;
                }

                orders.Add((customer, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(order.OrderedAt, zone).DateTime), order.NetAmount, order.Currency));
            }
        }

        skipped += parser.Summary.OrdersRejected;
        var currencies = orders.Select(o => o.Currency).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (currency is null && currencies.Count > 1)
        {
            return PurchaseFile.Failed($"The file has orders in {string.Join(", ", currencies)}; amounts in different currencies are never added: choose one with --currency.");
        }

        var chosen = currency?.ToUpperInvariant() ?? currencies.FirstOrDefault() ?? "JPY";
        var kept = orders.Where(o => o.Currency == chosen).Select(o => new Purchase(o.Customer, o.Day, o.Value)).ToList();
        skipped += orders.Count - kept.Count;
        return kept.Count == 0 ? PurchaseFile.Failed($"The file has no orders in {chosen}.") : new PurchaseFile(kept, chosen, skipped, null);
    }

    private static string? Customer(Orders.Order order) =>
        !string.IsNullOrWhiteSpace(order.CartCustomerId) ? "ref:" + order.CartCustomerId.Trim()
        : IdentityNormalizer.Email(order.Contact.Email) is { } email ? "email:" + email
        : IdentityNormalizer.Phone(order.Contact.Phone) is { } phone ? "phone:" + phone
        : null;
}
