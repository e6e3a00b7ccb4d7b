using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Testing;

/// <summary>
/// A small shop whose customers buy as the repeat-purchase models assume (an exponential gap around a personal rate,
/// a 30 % chance of dropping out after each purchase, a personal basket size give or take 30 %), plus one heavy buyer
/// (<see cref="Heavy"/>): ¥20,000 every week for 40 weeks up to a week before <c>start</c>. Seeded, so every run is
/// the same shop. Records are written straight to the customer table, as ingest would leave them.
/// </summary>
public static class PredictiveShop
{
    public const string Heavy = "heavy";

    public static IReadOnlyList<CustomerRecord> Records(DateTimeOffset start, int customers = 400, int seed = 5)
    {
        var random = new Random(seed);
        var list = new List<CustomerRecord>();
        for (var i = 0; i < customers; i++)
        {
            var at = start.AddDays(-random.Next(60, 720)).AddHours(-random.Next(0, 12));
            var rate = -Math.Log(1 - random.NextDouble()) / 60;
            var basket = 3000 + (random.Next(0, 50) * 100);
            var orders = new List<OrderSummary>();
            for (var n = 0; at < start; n++)
            {
                var value = Math.Round(basket * (0.7m + (0.6m * (decimal)random.NextDouble())));
                orders.Add(Order($"c{i:D3}-{n}", at, value));
                if (random.NextDouble() < 0.3)
                {
                    break;
                }

                at = at.AddDays(-Math.Log(1 - random.NextDouble()) / rate);
            }

            list.Add(Customer($"c{i:D3}", orders, i));
        }

        list.Add(Customer(Heavy, [.. Enumerable.Range(0, 40).Reverse().Select(w => Order($"heavy-{w}", start.AddDays(-7 - (7 * w)), 20000m))], customers));
        return list;
    }

    /// <summary>A customer's e-mail address, which resolves to them when an order carries it (their identity row is written with them).</summary>
    public static string Email(string customerId) => $"{customerId}@example.jp";

    /// <summary>Writes the records (and their e-mail identities) to the customer tables and moves the change marker, as an ingest batch does.</summary>
    public static async Task WriteAsync(CustomerStore customers, ProfileSnapshots snapshots, IEnumerable<CustomerRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(snapshots);
        foreach (var record in records)
        {
            await customers.CustomersTable.UpsertEntityAsync(CustomerEntities.ToEntity(record), TableUpdateMode.Replace, cancellationToken);
            foreach (var key in record.Identities)
            {
                await customers.IdentitiesTable.UpsertEntityAsync(CustomerEntities.ToEntity(key, record.CustomerId), TableUpdateMode.Replace, cancellationToken);
            }
        }

        await snapshots.TouchAsync(cancellationToken);
    }

    private static OrderSummary Order(string id, DateTimeOffset at, decimal value) => new(new OrderKey("test", id), at, at, true, value, ["SKU-1"], false);

    private static CustomerRecord Customer(string id, IReadOnlyList<OrderSummary> orders, int index) => new()
    {
        CustomerId = id,
        CreatedAt = orders[0].OrderedAt,
        Orders = orders,
        Identities = [new IdentityKey(IdentityKind.Email, Email(id))],
        Contact = new CustomerContact { Email = Email(id), Phone = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"+8190{10_000_000 + index:D8}") },
        EmailOptIn = true,
        LineUserId = "U" + id,
        LineFollowing = true,
    };
}
