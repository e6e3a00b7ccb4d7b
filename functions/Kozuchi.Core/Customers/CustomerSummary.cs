namespace Kozuchi.Core.Customers;

/// <summary>Revenue, orders and AOV in one currency.</summary>
public sealed record CurrencyFigures(string Currency, decimal Revenue, int Orders, decimal AverageOrderValue);

/// <summary>
/// The headline figures: how many customers, orders and how much revenue, and how many came back. Customers, orders and
/// the repeat rate count everyone; <see cref="Revenue"/> and <see cref="AverageOrderValue"/> are in <see cref="Currency"/>
/// (the shop's base currency unless another was asked for) over the orders in it; orders in other currencies are
/// listed apart in <see cref="OtherCurrencies"/>, each in its own currency — never added.
/// </summary>
public sealed record CustomerSummary(
    int Customers,
    int Orders,
    decimal Revenue,
    int RepeatCustomers,
    double RepeatRate,
    decimal AverageOrderValue,
    IReadOnlyList<string> Currencies,
    string Currency,
    IReadOnlyList<CurrencyFigures> OtherCurrencies)
{
    public static CustomerSummary Of(IEnumerable<CustomerProfile> profiles, string currency = Common.Currencies.Default)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        int customers = 0, orders = 0, repeat = 0;
        var parts = new List<(string, decimal, int)>();
        foreach (var p in profiles)
        {
            if (!p.State.CountsInAnalytics() || p.Frequency == 0)
            {
                continue;
            }

            customers++;
            orders += p.Frequency;
            repeat += p.Frequency >= 2 ? 1 : 0;
            parts.AddRange(p.Totals().Select(t => (t.Currency, t.Amount, t.Orders)));
        }

        var totals = Common.Currencies.Totals(parts, currency);
        var figures = totals.Select(t => new CurrencyFigures(t.Currency, t.Amount, t.Orders, t.Orders == 0 ? 0 : decimal.Round(t.Amount / t.Orders, 2))).ToList();
        return new CustomerSummary(customers, orders, figures[0].Revenue, repeat, customers == 0 ? 0 : (double)repeat / customers, figures[0].AverageOrderValue,
            [.. totals.Where(t => t.Orders > 0).Select(t => t.Currency).Order(StringComparer.Ordinal)], currency, [.. figures.Skip(1)]);
    }
}
