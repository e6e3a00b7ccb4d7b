using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Erasure;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Erasure;

/// <summary>What an erasure or data request did: per participant, how many rows or blobs it changed (or exported).</summary>
public sealed record ErasureResult(string AuditId, string CustomerId, IReadOnlyList<string> CustomerIds, IReadOnlyDictionary<string, int> Counts, string? Export);

/// <summary>
/// Erasure of one person (right to be forgotten, Shopify <c>customers/redact</c>) and data requests (Shopify
/// <c>customers/data_request</c>): reads the subject once, then runs every <see cref="IErasureParticipant"/>. Erasure
/// first adds the identifiers to the suppression list, so an order racing in is flagged rather than recreating the
/// person; it is idempotent, so running it again (a webhook retried) finishes what a crash left. Each run writes an
/// audit row with counts only.
/// </summary>
public sealed partial class ErasureService(
    CustomerStore store,
    ErasedIdentifiers suppression,
    ProfileSnapshots snapshots,
    IEnumerable<IErasureParticipant> participants,
    BlobIndex index,
    StorageClients clients,
    TimeProvider time,
    ILogger<ErasureService> logger)
{
    private readonly TableClient _audit = clients.Table(StorageCatalog.Tables.Erasures);

    public IReadOnlyList<string> Participants => [.. participants.Select(p => p.Name)];

    /// <summary>The customer an identifier belongs to, erased or not: what the Shopify GDPR webhooks name.</summary>
    public Task<CustomerRecord?> FindAsync(IdentityKey key, CancellationToken cancellationToken) => store.FindByIdentityAsync(key, cancellationToken);

    /// <summary>How many indexed blobs hold the customer's data (null: no such customer): what decides whether an erasure is queued.</summary>
    public async Task<int?> IndexedBlobCountAsync(string customerId, CancellationToken cancellationToken) =>
        await LoadAsync(customerId, cancellationToken).ConfigureAwait(false) is { } subject ? subject.IndexedBlobs.Sum(g => g.Count()) : null;

    /// <summary>
    /// Erases the customer; <paramref name="progress"/> (if any) hears after each participant how many of them are done,
    /// out of how many (a queued erasure's job record shows it).
    /// </summary>
    public async Task<ErasureResult?> EraseAsync(string customerId, string requestedBy, string reason, CancellationToken cancellationToken, Func<int, int, Task>? progress = null)
    {
        var subject = await LoadAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (subject is null)
        {
            return null;
        }

        var now = subject.At;
        await suppression.AddAsync(subject.Identities, now, cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["suppressed-identifiers"] = subject.Identities.Count };
        var all = participants.ToList();
        foreach (var participant in all)
        {
            counts[participant.Name] = await participant.EraseAsync(subject, cancellationToken).ConfigureAwait(false);
            if (progress is not null)
            {
                await progress(counts.Count - 1, all.Count).ConfigureAwait(false);
            }
        }

        counts["blobs-read"] = subject.BlobsRead;

        // The profile snapshot holds the prefecture: taken again now, without it.
        await snapshots.TouchAsync(cancellationToken).ConfigureAwait(false);
        await snapshots.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var auditId = await AuditAsync("erasure", subject, requestedBy, reason, counts, null, now, cancellationToken).ConfigureAwait(false);
        LogErased(logger, subject.CustomerId, subject.CustomerIds.Count, auditId);
        return new ErasureResult(auditId, subject.CustomerId, [.. subject.CustomerIds], counts, null);
    }

    /// <summary>Writes what is held about the customer as one JSON blob in <c>data-requests</c> and returns its name.</summary>
    public async Task<ErasureResult?> ExportAsync(string customerId, string requestedBy, string reason, CancellationToken cancellationToken)
    {
        var subject = await LoadAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (subject is null)
        {
            return null;
        }

        var now = subject.At;
        var sections = new Dictionary<string, object?>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var participant in participants)
        {
            var section = await participant.ExportAsync(subject, cancellationToken).ConfigureAwait(false);
            counts[participant.Name] = section is System.Collections.ICollection c ? c.Count : section is null ? 0 : 1;
            if (section is not null)
            {
                sections[participant.Name] = section;
            }
        }

        var name = $"{subject.CustomerId}/{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json";
        var document = new { customerId = subject.CustomerId, customerIds = subject.CustomerIds, generatedAt = now, held = sections };
        await clients.Container(StorageCatalog.Containers.DataRequests).Blob(name)
            .UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(document, CustomerEntities.Json)), overwrite: true, cancellationToken).ConfigureAwait(false);
        var auditId = await AuditAsync("data-request", subject, requestedBy, reason, counts, name, now, cancellationToken).ConfigureAwait(false);
        LogExported(logger, subject.CustomerId, auditId);
        return new ErasureResult(auditId, subject.CustomerId, [.. subject.CustomerIds], counts, name);
    }

    /// <summary>The audit rows, newest first (no personal data: ids, who asked, counts).</summary>
    public async Task<IReadOnlyList<TableEntity>> AuditAsync(CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in _audit.QueryAsync<TableEntity>(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(e);
        }

        return [.. rows.OrderByDescending(r => r.GetDateTimeOffset("At"))];
    }

    private async Task<ErasureSubject?> LoadAsync(string customerId, CancellationToken cancellationToken)
    {
        var survivor = await store.GetActiveAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (survivor is null)
        {
            return null;
        }

        // The survivor and everyone merged into it, however deep: one person, and each merged row still holds
        // the contact it had when it was merged.
        var records = new List<CustomerRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<CustomerRecord>([survivor]);
        while (pending.TryDequeue(out var record))
        {
            if (!seen.Add(record.CustomerId))
            {
                continue;
            }

            records.Add(record);
            foreach (var merged in record.Merges.Select(m => m.MergedCustomerId).Where(id => !seen.Contains(id)))
            {
                if (await store.GetAsync(merged, cancellationToken).ConfigureAwait(false) is { MergedInto: { } into } m && seen.Contains(into))
                {
                    pending.Enqueue(m);
                }
            }
        }

        var orders = new List<Order>();
        foreach (var key in records.SelectMany(r => r.Orders).Select(o => o.Key).Distinct())
        {
            if (await store.GetOrderAsync(key, cancellationToken).ConfigureAwait(false) is { } order)
            {
                orders.Add(order);
            }
        }

        var person = new PersonalData();
        var identities = new HashSet<IdentityKey>();
        foreach (var record in records)
        {
            person.Add(record.Contact);
            identities.UnionWith(record.Identities);
            if (record.LineUserId is { } line)
            {
                identities.Add(new IdentityKey(IdentityKind.LineUser, line));
            }
        }

        foreach (var order in orders)
        {
            person.Add(order.Contact);
            identities.UnionWith(IdentityKey.From(order));
        }

        foreach (var key in identities)
        {
            person.Add(key);
        }

        // The blobs that hold them, from the index: their orders (payloads, chunks, import files) and their ids (lists).
        var keys = orders.Select(o => BlobIndex.OrderKey(o.Key)).Concat(records.SelectMany(r => r.Orders).Select(o => BlobIndex.OrderKey(o.Key)))
            .Concat(records.Select(r => BlobIndex.CustomerKey(r.CustomerId)));
        var blobs = await index.BlobsAsync(keys, cancellationToken).ConfigureAwait(false);
        return new ErasureSubject(survivor.CustomerId, records, orders, [.. identities.OrderBy(k => k.ToString(), StringComparer.Ordinal)], person)
        {
            IndexedBlobs = blobs,
            At = time.GetUtcNow(),
        };
    }

    private async Task<string> AuditAsync(string kind, ErasureSubject subject, string requestedBy, string reason, IReadOnlyDictionary<string, int> counts, string? export, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Newest first within a month; the random tail keeps two requests in the same tick (a retried webhook) apart.
        var id = (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("d19", CultureInfo.InvariantCulture) + "-" + kind + "-"
            + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        await _audit.AddEntityAsync(new TableEntity(now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), id)
        {
            ["Kind"] = kind,
            ["CustomerId"] = subject.CustomerId,
            ["CustomerIds"] = string.Join(' ', subject.CustomerIds),
            ["RequestedBy"] = requestedBy,
            ["Reason"] = reason,
            ["At"] = now,
            ["Counts"] = JsonSerializer.Serialize(counts),
            ["Export"] = export,
        }, cancellationToken).ConfigureAwait(false);
        return id;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId} erased ({Records} records), audit {AuditId}")]
    private static partial void LogErased(ILogger logger, string customerId, int records, string auditId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data request for customer {CustomerId} exported, audit {AuditId}")]
    private static partial void LogExported(ILogger logger, string customerId, string auditId);
}
