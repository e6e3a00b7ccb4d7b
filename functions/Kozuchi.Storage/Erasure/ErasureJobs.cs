using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// A queued erasure and how far it got: <c>queued</c>, <c>running</c>, <c>completed</c> or <c>failed</c>; for a shop
/// redaction <c>Done</c> of <c>Total</c> customers, for one customer <c>Done</c> of <c>Total</c> places of personal
/// data. Ids only, no personal data.
/// </summary>
public sealed record ErasureJob(
    string JobId,
    string Kind,
    string Status,
    string? CustomerId,
    int? Total,
    int Done,
    int Erased,
    string RequestedBy,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Error);

/// <summary>
/// Erasures too large for one HTTP request run as queued work (queue <c>erasure-jobs</c>, function <c>RunErasureJob</c>):
/// Shopify's <c>shop/redact</c> (every customer who bought through Shopify) and an erasure whose customer is held in
/// more than <see cref="QueueAboveBlobs"/> blobs. The request answers at once with the job; the job record says how far
/// it got. Running a job again (a retried message) continues it: erasure is idempotent, and erased customers are no
/// longer active, so a shop redaction picks up the ones left.
/// </summary>
public sealed partial class ErasureJobs(ErasureService erasure, CustomerStore store, StorageClients clients, TimeProvider time, ILogger<ErasureJobs> logger)
{
    public const string ShopRedact = "shop-redact";
    public const string Customer = "customer";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    /// <summary>An erasure that must read more blobs than this is queued rather than run inside the request.</summary>
    public const int QueueAboveBlobs = 50;

    private const string Partition = "job";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.ErasureJobs);
    private readonly QueueClient _queue = clients.Queue(StorageCatalog.Queues.ErasureJobs);

    public sealed record Message(string JobId);

    /// <summary>Records the job and queues it; the caller answers with the record.</summary>
    public async Task<ErasureJob> QueueAsync(string kind, string? customerId, string requestedBy, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("d19", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var job = new ErasureJob(id, kind, Queued, customerId, null, 0, 0, requestedBy, reason, now, now, null);
        await _table.AddEntityAsync(ToEntity(job), cancellationToken).ConfigureAwait(false);
        await _queue.SendMessageAsync(JsonSerializer.Serialize(new Message(id), CustomerEntities.Json), cancellationToken).ConfigureAwait(false);
        LogQueued(logger, id, kind);
        return job;
    }

    public async Task<ErasureJob?> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? FromEntity(e) : null;
    }

    /// <summary>Runs the job of a queue message to the end, recording progress as it goes.</summary>
    public async Task RunAsync(string messageText, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Deserialize<Message>(messageText, CustomerEntities.Json) ?? throw new JsonException("Erasure job message is JSON null.");
        if (await GetAsync(message.JobId, cancellationToken).ConfigureAwait(false) is not { } job || job.Status == Completed)
        {
            return;
        }

        job = await SaveAsync(job with { Status = Running, Error = null }, cancellationToken).ConfigureAwait(false);
        try
        {
            job = job.Kind == ShopRedact ? await RedactShopAsync(job, cancellationToken).ConfigureAwait(false) : await EraseCustomerAsync(job, cancellationToken).ConfigureAwait(false);
            await SaveAsync(job with { Status = Completed }, cancellationToken).ConfigureAwait(false);
            LogCompleted(logger, job.JobId, job.Kind, job.Erased);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The message is retried (and poisoned after the host's attempts): the record says why meanwhile.
            await SaveAsync(job with { Status = Failed, Error = e.GetType().Name }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<ErasureJob> EraseCustomerAsync(ErasureJob job, CancellationToken cancellationToken)
    {
        var current = job;
        var result = await erasure.EraseAsync(job.CustomerId!, job.RequestedBy, job.Reason, cancellationToken, async (done, total) =>
            current = await SaveAsync(current with { Done = done, Total = total }, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return current with { Erased = result is null ? 0 : 1 };
    }

    private async Task<ErasureJob> RedactShopAsync(ErasureJob job, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var record in store.ScanRecordsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (record.State == CustomerState.Active && record.Orders.Any(o => o.Key.Source == ShopifyOrderJson.Source))
            {
                ids.Add(record.CustomerId);
            }
        }

        // Those erased by an earlier run of this job are no longer active: the total counts them as done.
        var current = await SaveAsync(job with { Total = job.Done + ids.Count }, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            var result = await erasure.EraseAsync(id, job.RequestedBy, job.Reason, cancellationToken).ConfigureAwait(false);
            current = await SaveAsync(current with { Done = current.Done + 1, Erased = current.Erased + (result is null ? 0 : 1) }, cancellationToken).ConfigureAwait(false);
        }

        return current;
    }

    private async Task<ErasureJob> SaveAsync(ErasureJob job, CancellationToken cancellationToken)
    {
        var saved = job with { UpdatedAt = time.GetUtcNow() };
        await _table.UpsertEntityAsync(ToEntity(saved), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return saved;
    }

    private static TableEntity ToEntity(ErasureJob job) => new(Partition, job.JobId)
    {
        ["Kind"] = job.Kind,
        ["Status"] = job.Status,
        ["CustomerId"] = job.CustomerId,
        ["Total"] = job.Total,
        ["Done"] = job.Done,
        ["Erased"] = job.Erased,
        ["RequestedBy"] = job.RequestedBy,
        ["Reason"] = job.Reason,
        ["CreatedAt"] = job.CreatedAt,
        ["UpdatedAt"] = job.UpdatedAt,
        ["Error"] = job.Error,
    };

    private static ErasureJob FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("Kind") ?? Customer,
        e.GetString("Status") ?? Queued,
        e.GetString("CustomerId"),
        e.GetInt32("Total"),
        e.GetInt32("Done") ?? 0,
        e.GetInt32("Erased") ?? 0,
        e.GetString("RequestedBy") ?? string.Empty,
        e.GetString("Reason") ?? string.Empty,
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        e.GetString("Error"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Erasure job {JobId} ({Kind}) queued")]
    private static partial void LogQueued(ILogger logger, string jobId, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Erasure job {JobId} ({Kind}) completed: {Erased} customers erased")]
    private static partial void LogCompleted(ILogger logger, string jobId, string kind, int erased);
}
