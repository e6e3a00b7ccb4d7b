using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Channels;

/// <summary>An email delivery report as kept: the recipient only as a hash (personal data stays in the customer row).</summary>
public sealed record DeliveryRecord(string MessageId, string RecipientHash, string Status, string? CustomerId, DateTimeOffset ReceivedAt, bool Suppressed);

/// <summary>A call as reported by the call centre, kept for effect measurement.</summary>
public sealed record CallRecord(string CustomerId, string Outcome, string? RefusalReason, DateTimeOffset? CalledAt, string Batch);

/// <summary>
/// What channels report back: email delivery reports, LINE account-link nonces, call results. Each row has a natural
/// key, so a redelivered event or a re-imported file overwrites itself instead of counting twice.
/// </summary>
public sealed class ChannelEvents(StorageClients clients, CustomerStore customers, ProfileSnapshots snapshots, TimeProvider time)
{
    private readonly TableClient _deliveries = clients.Table(StorageCatalog.Tables.EmailDeliveries);
    private readonly TableClient _links = clients.Table(StorageCatalog.Tables.LineLinks);
    private readonly TableClient _calls = clients.Table(StorageCatalog.Tables.CallResults);

    public CustomerStore Customers => customers;

    /// <summary>
    /// A consent or reachability change on a customer (<see cref="CustomerStore.UpdateAsync"/>); report snapshots are
    /// told, so the next report shows it.
    /// </summary>
    public async Task<CustomerRecord?> UpdateCustomerAsync(string customerId, Func<CustomerRecord, CustomerRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var changed = false;
        var record = await customers.UpdateAsync(customerId, r =>
        {
            var next = change(r);
            changed |= next is not null;
            return next;
        }, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            await snapshots.TouchAsync(cancellationToken).ConfigureAwait(false);
        }

        return record;
    }

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32];

    public async Task RecordDeliveryAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = new TableEntity(TableKeys.Escape(record.MessageId), record.RecipientHash)
        {
            ["Status"] = record.Status,
            ["CustomerId"] = record.CustomerId,
            ["ReceivedAt"] = record.ReceivedAt,
            ["Suppressed"] = record.Suppressed,
        };
        await _deliveries.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Which send an ACS message is: the row <c>send</c> in the message's partition of <c>KozuchiEmailDeliveries</c>,
    /// written when ACS accepted it, so its delivery reports (which carry only the message id) find the send's ledger row.
    /// </summary>
    public async Task RecordEmailSendAsync(string messageId, string ledgerKey, CancellationToken cancellationToken) =>
        await _deliveries.UpsertEntityAsync(new TableEntity(TableKeys.Escape(messageId), SendRow) { ["LedgerKey"] = ledgerKey }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    /// <summary>The ledger key of the send an ACS message id belongs to, when Kozuchi sent it.</summary>
    public async Task<string?> LedgerKeyOfEmailAsync(string messageId, CancellationToken cancellationToken)
    {
        var row = await _deliveries.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(messageId), SendRow, ["LedgerKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetString("LedgerKey") : null;
    }

    // Report rows are 32 hex characters (a recipient hash): this key never meets one.
    private const string SendRow = "send";

    public async Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(string messageId, CancellationToken cancellationToken)
    {
        var list = new List<DeliveryRecord>();
        await foreach (var e in _deliveries.QueryAsync<TableEntity>(e => e.PartitionKey == TableKeys.Escape(messageId) && e.RowKey != SendRow, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DeliveryRecord(messageId, e.RowKey, e.GetString("Status"), e.GetString("CustomerId"), e.GetDateTimeOffset("ReceivedAt") ?? default, e.GetBoolean("Suppressed") ?? false));
        }

        return list;
    }

    /// <summary>
    /// A nonce for LINE account linking, bound to the customer who just logged in to the shop. 128 random bits,
    /// base64url: unguessable, and within LINE's 10–255 character rule.
    /// </summary>
    public async Task<string> IssueLinkNonceAsync(string customerId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var entity = new TableEntity(nonce, "nonce") { ["CustomerId"] = customerId, ["ExpiresAt"] = time.GetUtcNow().Add(lifetime) };
        await _links.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        return nonce;
    }

    /// <summary>
    /// Takes a nonce once: the customer it was issued for, or null if unknown, expired or already used. Deleting
    /// under the ETag makes a replayed accountLink event find nothing.
    /// </summary>
    public async Task<string?> RedeemLinkNonceAsync(string nonce, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(nonce) || nonce.Length > 255 || nonce.IndexOfAny(['/', '\\', '#', '?']) >= 0)
        {
            return null;
        }

        var row = await _links.GetEntityIfExistsAsync<TableEntity>(nonce, "nonce", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }

        try
        {
            await _links.DeleteEntityAsync(row.Value!, row.Value!.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }

        return row.Value!.GetDateTimeOffset("ExpiresAt") is { } expires && expires > time.GetUtcNow() ? row.Value.GetString("CustomerId") : null;
    }

    /// <summary>Attaches an identifier to a customer through identity resolution; retried when ingest races it.</summary>
    public async Task<string?> AttachIdentityAsync(string customerId, IdentityKey key, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var session = CustomerStore.NewSession();
            await customers.LoadForIdentityAsync(session, customerId, key, cancellationToken).ConfigureAwait(false);
            var survivor = CustomerLedger.AttachIdentity(session.Set, customerId, key, time.GetUtcNow());
            if (survivor is null)
            {
                return null;
            }

            try
            {
                await customers.SaveAsync(session, new Dictionary<Core.Orders.OrderKey, (Core.Orders.Order, string?)>(), cancellationToken).ConfigureAwait(false);
                await snapshots.TouchAsync(cancellationToken).ConfigureAwait(false);
                return survivor;
            }
            catch (WriteConflictException) when (attempt < 5)
            {
            }
        }
    }

    public async Task RecordCallAsync(CallRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var rk = record.CalledAt is { } at ? at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) : "batch-" + TableKeys.Escape(record.Batch);
        var entity = new TableEntity(TableKeys.Escape(record.CustomerId), rk)
        {
            ["Outcome"] = record.Outcome,
            ["RefusalReason"] = record.RefusalReason,
            ["CalledAt"] = record.CalledAt,
            ["Batch"] = record.Batch,
        };
        await _calls.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CallRecord>> CallsAsync(string customerId, CancellationToken cancellationToken)
    {
        var list = new List<CallRecord>();
        await foreach (var e in _calls.QueryAsync<TableEntity>(e => e.PartitionKey == TableKeys.Escape(customerId), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(new CallRecord(customerId, e.GetString("Outcome"), e.GetString("RefusalReason"), e.GetDateTimeOffset("CalledAt"), e.GetString("Batch")));
        }

        return list;
    }
}
