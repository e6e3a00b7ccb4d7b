namespace Kozuchi.Core.Customers;

/// <summary>The headline figures: how many customers, orders and how much revenue, and how many came back.</summary>
public sealed record CustomerSummary(int Customers, int Orders, decimal Revenue, int RepeatCustomers, double RepeatRate, decimal AverageOrderValue, IReadOnlyList<string> Currencies)
{
    public static CustomerSummary Of(IEnumerable<CustomerProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        int customers = 0, orders = 0, repeat = 0;
        var revenue = 0m;
        var currencies = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in profiles)
        {
            if (!p.State.CountsInAnalytics() || p.Frequency == 0)
            {
                continue;
            }

            customers++;
            orders += p.Frequency;
            revenue += p.Monetary;
            repeat += p.Frequency >= 2 ? 1 : 0;
            currencies.Add(p.Currency);
        }

        return new CustomerSummary(customers, orders, revenue, repeat, customers == 0 ? 0 : (double)repeat / customers, orders == 0 ? 0 : decimal.Round(revenue / orders, 2), [.. currencies]);
    }
}
