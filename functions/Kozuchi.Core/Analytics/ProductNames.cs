using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Analytics;

/// <summary>
/// What each product key (SKU) is called, for the pages that list products: analyses group by key, people read names.
/// Learnt from order summaries whose keys and names line up (as many names as keys: one title per product line); the
/// name a key carried most often wins (a renamed product shows its usual name), ties by the ordinal order. Keys that are
/// names already (no SKU) are left out. Thread-safe: the report pass feeds it from parallel partitions.
/// </summary>
public sealed class ProductNameTally
{
    private readonly Dictionary<string, Dictionary<string, int>> _counts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Add(CustomerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var order in record.Orders)
        {
            Add(order);
        }
    }

    public void Add(OrderSummary order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.ProductNames is not { } names || names.Count != order.Products.Count)
        {
            return;
        }

        lock (_gate)
        {
            for (var i = 0; i < names.Count; i++)
            {
                var (key, name) = (order.Products[i], names[i]);
                if (string.Equals(key, name, StringComparison.Ordinal))
                {
                    continue;
                }

                if (!_counts.TryGetValue(key, out var seen))
                {
                    _counts[key] = seen = new Dictionary<string, int>(StringComparer.Ordinal);
                }

                seen[name] = seen.GetValueOrDefault(name) + 1;
            }
        }
    }

    public IReadOnlyDictionary<string, string> Names()
    {
        lock (_gate)
        {
            return _counts.ToDictionary(kv => kv.Key, kv => kv.Value.OrderByDescending(n => n.Value).ThenBy(n => n.Key, StringComparer.Ordinal).First().Key, StringComparer.Ordinal);
        }
    }
}
