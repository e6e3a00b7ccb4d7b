using System.Globalization;

namespace Kozuchi.Core.Common;

/// <summary>
/// The shop's base currency (<c>Kozuchi__Shop__Currency</c>, JPY by default): the currency reports and KPIs are in
/// unless another is asked for. Figures in other currencies are listed apart, never added to it.
/// </summary>
public sealed record ShopCurrency
{
    public ShopCurrency(string code) => Code = Currencies.Normalize(code) ?? throw new ArgumentException($"'{code}' is not an ISO 4217 currency code (three letters, e.g. JPY).", nameof(code));

    public static ShopCurrency Default { get; } = new(Currencies.Default);

    public string Code { get; }
}

/// <summary>An amount in one currency and the orders it comes from: one figure, one currency.</summary>
public sealed record CurrencyTotal(string Currency, decimal Amount, int Orders);

public static class Currencies
{
    /// <summary>The default of Japanese carts, CSV files and the shop setting.</summary>
    public const string Default = "JPY";

    /// <summary>An ISO 4217 code in upper case, or null when the text is not three ASCII letters.</summary>
    public static string? Normalize(string? code)
    {
        var text = code?.Trim().ToUpperInvariant();
        return text is { Length: 3 } && text.All(char.IsAsciiLetterUpper) ? text : null;
    }

    /// <summary>Sums by currency, the <paramref name="first"/> currency first (with zero when absent) and the others by code: never across currencies.</summary>
    public static IReadOnlyList<CurrencyTotal> Totals(IEnumerable<(string Currency, decimal Amount, int Orders)> parts, string? first = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var sums = new SortedDictionary<string, (decimal Amount, int Orders)>(StringComparer.Ordinal);
        foreach (var (currency, amount, orders) in parts)
        {
            var s = sums.GetValueOrDefault(currency);
            sums[currency] = (s.Amount + amount, s.Orders + orders);
        }

        var list = new List<CurrencyTotal>(sums.Count + 1);
        if (first is not null)
        {
            var s = sums.GetValueOrDefault(first);
            list.Add(new CurrencyTotal(first, s.Amount, s.Orders));
        }

        list.AddRange(sums.Where(kv => kv.Key != first).Select(kv => new CurrencyTotal(kv.Key, kv.Value.Amount, kv.Value.Orders)));
        return list;
    }

    /// <summary>Per-currency totals as one table column: <c>USD:403.00:1;AUD:12.5:2</c> (invariant culture).</summary>
    public static string Format(IEnumerable<CurrencyTotal> totals) =>
        string.Join(';', totals.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Currency}:{t.Amount}:{t.Orders}")));

    /// <summary>Reads <see cref="Format"/>'s column back; an empty or missing column is no totals.</summary>
    public static IReadOnlyList<CurrencyTotal> Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        return [.. text.Split(';').Select(part => part.Split(':') is [var c, var a, var n]
            ? new CurrencyTotal(c, decimal.Parse(a, NumberStyles.Number, CultureInfo.InvariantCulture), int.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture))
            : throw new FormatException($"'{part}' is not currency:amount:orders."))];
    }

    /// <summary>An amount for people: ¥5,980 for yen, otherwise the code and the amount (<c>USD 403.00</c>).</summary>
    public static string Display(decimal amount, string currency) => currency == "JPY"
        ? string.Create(CultureInfo.InvariantCulture, $"¥{amount:N0}")
        : string.Create(CultureInfo.InvariantCulture, $"{currency} {amount:N2}");
}
