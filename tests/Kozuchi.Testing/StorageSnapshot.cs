using System.Globalization;
using Azure.Data.Tables;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Testing;

/// <summary>
/// Everything ingest writes (orders, identities, customers), as sorted lines without timestamps: two stores that
/// reached the same state give equal snapshots, whatever order or how many times they were written in.
/// </summary>
public sealed record StorageSnapshot(IReadOnlyList<string> Orders, IReadOnlyList<string> Identities, IReadOnlyList<string> Customers)
{
    public static async Task<StorageSnapshot> TakeAsync(StorageClients clients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clients);
        var orders = new List<string>();
        await foreach (var e in clients.Table(StorageCatalog.Tables.Orders).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            orders.Add(string.Join('|', e.RowKey, e.GetString("CustomerId"), e.GetString("Status"), e.GetString("Total"), e.GetString("Net"), e.GetDateTimeOffset("UpdatedAt")?.ToString("O", CultureInfo.InvariantCulture)));
        }

        var identities = new List<string>();
        await foreach (var e in clients.Table(StorageCatalog.Tables.Identities).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            identities.Add(e.RowKey + "|" + e.GetString("CustomerId"));
        }

        var customers = new List<string>();
        await foreach (var e in clients.Table(StorageCatalog.Tables.Customers).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            var c = CustomerEntities.FromEntity(e);
            var p = c.ToProfile();
            customers.Add(string.Join('|',
                c.CustomerId,
                c.State,
                c.MergedInto,
                p.Frequency.ToString(CultureInfo.InvariantCulture),
                p.Monetary.ToString(CultureInfo.InvariantCulture),
                string.Join(',', c.Orders.Select(o => $"{o.Key}:{o.Net.ToString(CultureInfo.InvariantCulture)}:{o.Counts}").Order(StringComparer.Ordinal)),
                string.Join(',', c.Identities.Select(i => i.ToString()).Order(StringComparer.Ordinal)),
                string.Join(',', c.Merges.Select(m => $"{m.MergedCustomerId}<{m.SharedKey}[{string.Join(';', m.Orders.Select(o => o.ToString()).Order(StringComparer.Ordinal))}]").Order(StringComparer.Ordinal)),
                c.Contact.Email,
                c.Contact.Phone,
                c.Contact.Address));
        }

        orders.Sort(StringComparer.Ordinal);
        identities.Sort(StringComparer.Ordinal);
        customers.Sort(StringComparer.Ordinal);
        return new StorageSnapshot(orders, identities, customers);
    }
}
