using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Checkouts;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Checkouts;

/// <summary>A stored checkout and the customer identity resolution linked it to (null while anonymous).</summary>
public sealed record StoredCheckout(Checkout Checkout, string? CustomerId);

/// <summary>
/// Checkouts (table <c>KozuchiCheckouts</c>): one partition per checkout (PK <c>co|{source:token}</c>, RK
/// <c>checkout</c>), and per linked customer an index row (PK <c>cu|{customer}</c>, RK the checkout) so a customer's
/// checkouts are found without a scan. Personal data (contact fields and the recovery link, which opens the cart)
/// sits in the one column <c>Personal</c>; erasure deletes the customer's checkouts whole.
/// </summary>
public sealed class CheckoutStore(StorageClients clients)
{
    private const string Row = "checkout";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Checkouts);

    private static string CheckoutPartition(string checkoutId) => "co|" + TableKeys.Escape(checkoutId);

    private static string CustomerPartition(string customerId) => "cu|" + TableKeys.Escape(customerId);

    private sealed record Personal(OrderContact Contact, string? RecoveryUrl);

    /// <summary>
    /// Stores the checkout unless a newer version (by <see cref="Checkout.UpdatedAt"/>) is stored already; links it to
    /// <paramref name="customerId"/> when given (a later anonymous version never unlinks). Returns what is stored now.
    /// </summary>
    public async Task<StoredCheckout> UpsertAsync(Checkout checkout, string? customerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        var id = checkout.Key.ToString();
        for (var attempt = 0; ; attempt++)
        {
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(CheckoutPartition(id), Row, cancellationToken: cancellationToken).ConfigureAwait(false);
            StoredCheckout next;
            if (existing.HasValue && existing.Value is { } row)
            {
                var stored = Read(row);
                // A repeated delivery (same updated_at) changes nothing; a completion once seen is never lost to an older version.
                var newer = checkout.UpdatedAt > stored.Checkout.UpdatedAt;
                var linked = customerId ?? stored.CustomerId;
                if (!newer && linked == stored.CustomerId)
                {
                    return stored;
                }

                next = new StoredCheckout(newer ? checkout with { CompletedAt = checkout.CompletedAt ?? stored.Checkout.CompletedAt } : stored.Checkout, linked);
            }
            else
            {
                next = new StoredCheckout(checkout, customerId);
            }

            // The index row first: a crash after it leaves a row that erasure still finds.
            if (next.CustomerId is { } indexed)
            {
                await _table.UpsertEntityAsync(new TableEntity(CustomerPartition(indexed), TableKeys.Escape(id)), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (existing.HasValue)
                {
                    await _table.UpdateEntityAsync(ToEntity(next), existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.AddEntityAsync(ToEntity(next), cancellationToken).ConfigureAwait(false);
                }

                return next;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 8)
            {
                // Another delivery of the same checkout got there first: decide again on what it stored.
            }
        }
    }

    public async Task<StoredCheckout?> GetAsync(string checkoutId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(CheckoutPartition(checkoutId), Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? Read(e) : null;
    }

    /// <summary>Marks the checkout completed (an order that names its cart token); false when it is not stored.</summary>
    public async Task<bool> MarkCompletedAsync(string checkoutId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(CheckoutPartition(checkoutId), Row, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!row.HasValue || row.Value is null)
            {
                return false;
            }

            var stored = Read(row.Value);
            if (stored.Checkout.CompletedAt is not null)
            {
                return true;
            }

            try
            {
                await _table.UpdateEntityAsync(ToEntity(stored with { Checkout = stored.Checkout with { CompletedAt = at } }), row.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 8)
            {
            }
        }
    }

    /// <summary>The ids of a customer's checkouts.</summary>
    public async Task<IReadOnlyList<string>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var pk = CustomerPartition(customerId);
        var ids = new List<string>();
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(TableKeys.Unescape(e.RowKey));
        }

        return ids;
    }

    /// <summary>
    /// Erasure: deletes every checkout linked to the customer (contact data, items, recovery link) and the index.
    /// Idempotent. The raw webhook bodies under <c>raw/webhooks/…</c> are erased with the customer's orders' bodies.
    /// </summary>
    public async Task<int> EraseCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var ids = await ForCustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            await DeleteAsync(CheckoutPartition(id), Row, cancellationToken).ConfigureAwait(false);
            await DeleteAsync(CustomerPartition(customerId), TableKeys.Escape(id), cancellationToken).ConfigureAwait(false);
        }

        return ids.Count;
    }

    /// <summary>Deletes checkouts not updated since <paramref name="before"/>: anonymous carts are kept only this long, and recovered or abandoned ones are of no further use.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var old = new List<StoredCheckout>();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {Row} and UpdatedAt lt {before}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            old.Add(Read(e));
        }

        foreach (var c in old)
        {
            var id = c.Checkout.Key.ToString();
            if (c.CustomerId is { } customerId)
            {
                await DeleteAsync(CustomerPartition(customerId), TableKeys.Escape(id), cancellationToken).ConfigureAwait(false);
            }

            await DeleteAsync(CheckoutPartition(id), Row, cancellationToken).ConfigureAwait(false);
        }

        return old.Count;
    }

    private async Task DeleteAsync(string pk, string rk, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(pk, rk, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    private static TableEntity ToEntity(StoredCheckout stored)
    {
        var c = stored.Checkout;
        return new TableEntity(CheckoutPartition(c.Key.ToString()), Row)
        {
            ["Source"] = c.Key.Source,
            ["Token"] = c.Key.Token,
            ["CustomerId"] = stored.CustomerId,
            ["CartCustomerId"] = c.CartCustomerId,
            ["CreatedAt"] = c.CreatedAt,
            ["UpdatedAt"] = c.UpdatedAt,
            ["CompletedAt"] = c.CompletedAt,
            ["Lines"] = JsonSerializer.Serialize(c.Lines, CustomerEntities.Json),
            ["Total"] = c.Total.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = c.Currency,
            ["Personal"] = JsonSerializer.Serialize(new Personal(c.Contact, c.RecoveryUrl), CustomerEntities.Json),
        };
    }

    private static StoredCheckout Read(TableEntity e)
    {
        var personal = JsonSerializer.Deserialize<Personal>(e.GetString("Personal") ?? "{}", CustomerEntities.Json) ?? new Personal(new OrderContact(), null);
        var checkout = new Checkout
        {
            Key = new CheckoutKey(e.GetString("Source"), e.GetString("Token")),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            UpdatedAt = e.GetDateTimeOffset("UpdatedAt") ?? default,
            CompletedAt = e.GetDateTimeOffset("CompletedAt"),
            CartCustomerId = e.GetString("CartCustomerId"),
            Lines = JsonSerializer.Deserialize<List<OrderLine>>(e.GetString("Lines") ?? "[]", CustomerEntities.Json) ?? [],
            Total = decimal.Parse(e.GetString("Total") ?? "0", CultureInfo.InvariantCulture),
            Currency = e.GetString("Currency") ?? "JPY",
            Contact = personal.Contact ?? new OrderContact(),
            RecoveryUrl = personal.RecoveryUrl,
        };
        return new StoredCheckout(checkout, e.GetString("CustomerId"));
    }
}
