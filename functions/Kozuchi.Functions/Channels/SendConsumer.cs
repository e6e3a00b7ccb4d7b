using System.Text.Json;
using Azure.Storage.Queues.Models;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>The points in a delivery where a process could die; tests throw there through <see cref="ISendProbe"/>.</summary>
public enum SendStage
{
    /// <summary>The provider has answered; the ledger does not know yet.</summary>
    ProviderCalled,
}

/// <summary>The seam for crash injection in the send consumers; production uses <see cref="None"/>.</summary>
public interface ISendProbe
{
    public static ISendProbe None { get; } = new NoProbe();

    ValueTask ReachedAsync(SendStage stage, string idempotencyKey, CancellationToken cancellationToken);

    private sealed class NoProbe : ISendProbe
    {
        public ValueTask ReachedAsync(SendStage stage, string idempotencyKey, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

/// <summary>A send the provider could not take now: thrown so the host retries the message (and parks it after maxDequeueCount).</summary>
public sealed class RetryableSendException(string message) : Exception(message);

public sealed record SendReport(int Sent, int Failed, int Suppressed, int Skipped, int Deferred);

/// <summary>
/// Carries out one <see cref="SendBatchMessage"/>: per recipient, claim the ledger entry → check the customer can
/// still be reached on the channel (else suppressed) → hand it to the channel's <see cref="IChannelDelivery"/> with
/// the ledger key as the provider's idempotency key → record sent / failed. A throttle puts the rest of the batch back
/// on the queue, invisible for the provider's Retry-After; a transient failure releases the claim and throws so the
/// host retries the message. A failure or suppression is also told to the enrollment, whose decider falls back to the
/// step's next channel. See docs/CHANNELS.md, "Send queues".
/// </summary>
public sealed partial class SendConsumer(
    SendLedger ledger,
    CustomerStore customers,
    MessageTemplateStore templates,
    Kozuchi.Storage.Checkouts.CheckoutCarts carts,
    ScenarioEngine engine,
    SendOutcomeChanges outcomes,
    StorageClients clients,
    ISendProbe probe,
    IOptions<SendQueueOptions> options,
    TimeProvider time,
    ILogger<SendConsumer> logger)
{
    private static readonly TimeSpan MinimumRequeueDelay = TimeSpan.FromSeconds(1);
    private readonly SendBatches _batches = new(clients);

    /// <summary>
    /// One queue message: parsed (version 1 or 2), its recipients read from their blob if it is a pointer, carried out,
    /// and the blob deleted once the batch has ended. A throw (retryable failure) leaves the blob for the retry, the
    /// poison queue and <c>kozuchi replay</c>. Not a send batch: <see cref="InvalidOperationException"/>, for the poison queue.
    /// </summary>
    public async Task<(SendBatchMessage? Batch, SendReport Report)> HandleMessageAsync(string text, IChannelDelivery delivery, string? messageId, CancellationToken cancellationToken)
    {
        SendBatchMessage pointer;
        try
        {
            pointer = SendBatchMessage.Parse(text);
        }
        catch (JsonException ex)
        {
            // Retrying cannot fix it: the message goes to the poison queue for a person to look at.
            throw new InvalidOperationException("Not a send batch: " + ex.Message, ex);
        }

        if (await _batches.ResolveAsync(pointer, cancellationToken) is not { } batch)
        {
            LogBatchGone(logger, pointer.Channel, pointer.BatchId);
            return (null, new SendReport(0, 0, 0, pointer.RecipientCount ?? 0, 0));
        }

        var report = await HandleAsync(batch, delivery, messageId, cancellationToken);
        await _batches.CompleteAsync(batch, cancellationToken);
        return (batch, report);
    }

    /// <summary>Results count sends by fate from the ledger: once a batch recorded any, they are counted again.</summary>
    private async Task<SendReport> CountedAsync(SendReport report, CancellationToken cancellationToken)
    {
        if (report.Sent + report.Failed + report.Suppressed > 0)
        {
            await outcomes.TouchAsync(cancellationToken);
        }

        return report;
    }

    /// <summary>
    /// The cart of a cart-recovery send, read at delivery time; only cart templates pay the two reads, and an erased or
    /// purged cart renders as none. The enrollment lives under the recipient's own id, even after a merge.
    /// </summary>
    private async Task<Kozuchi.Channels.Email.CartDetails?> CartAsync(bool usesCart, SendRecipient recipient, CancellationToken cancellationToken) =>
        usesCart && await carts.ForEnrollmentAsync(recipient.CustomerId, recipient.EnrollmentId, cancellationToken) is { } checkout
            ? Kozuchi.Channels.Email.CartDetails.From(checkout)
            : null;

    private static bool UsesCart(MessageTemplate? template) =>
        template is not null && new[] { template.Email?.Subject, template.Email?.Html, template.Email?.Text, template.Line }
            .Any(t => t is not null && (t.Contains("cart_", StringComparison.Ordinal) || t.Contains("recovery_url", StringComparison.Ordinal)));

    public async Task<SendReport> HandleAsync(SendBatchMessage batch, IChannelDelivery delivery, string? messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(delivery);
        if (batch.Channel != delivery.Channel)
        {
            throw new InvalidOperationException($"A {batch.Channel} batch arrived on the {delivery.Channel} queue.");
        }

        var now = time.GetUtcNow();
        if (batch.NotBefore is { } notBefore && notBefore > now)
        {
            // Queue visibility stops at 7 days: a message that arrived early goes back for the remainder.
            await RequeueAsync(batch, batch.Recipients, notBefore - now, cancellationToken);
            return new SendReport(0, 0, 0, 0, batch.Recipients.Count);
        }

        // The message id is the claim's owner: the host's retry of this very message may retake a claim it left.
        var owner = messageId ?? batch.BatchId;
        var template = await templates.GetAsync(batch.Template, cancellationToken) ?? DefaultTemplates.Find(batch.Template);
        var usesCart = UsesCart(template);
        if (delivery is IMulticastDelivery multicast)
        {
            return await HandleGroupedAsync(batch, multicast, owner, template, usesCart, cancellationToken);
        }

        int sent = 0, failed = 0, suppressed = 0, skipped = 0;
        for (var i = 0; i < batch.Recipients.Count; i++)
        {
            var recipient = batch.Recipients[i];
            var claim = await ledger.BeginDeliveryAsync(recipient.Key, owner, time.GetUtcNow(), cancellationToken);
            if (claim.Result != DeliveryClaimResult.Claimed)
            {
                skipped++;
                continue;
            }

            var customer = await customers.GetActiveAsync(recipient.CustomerId, cancellationToken);
            if (SendSuppression.Reason(customer, batch.Channel) is { } reason)
            {
                await FinishAsync(batch, recipient, LedgerStatus.Suppressed, reason, cancellationToken);
                suppressed++;
                continue;
            }

            var cart = await CartAsync(usesCart, recipient, cancellationToken);
            var result = await delivery.DeliverAsync(new DeliveryRequest(batch, recipient, customer!, template, claim.FirstAttemptAt) { Cart = cart }, cancellationToken);
            await probe.ReachedAsync(SendStage.ProviderCalled, recipient.Key, cancellationToken);
            switch (result.Outcome)
            {
                case DeliveryOutcome.Sent:
                    await ledger.CompleteDeliveryAsync(recipient.Key, LedgerStatus.Sent, result.Detail, time.GetUtcNow(), cancellationToken, result.Provider);
                    sent++;
                    break;
                case DeliveryOutcome.Failed:
                    await FinishAsync(batch, recipient, LedgerStatus.Failed, result.Detail ?? "failed", cancellationToken);
                    failed++;
                    break;
                case DeliveryOutcome.Throttled:
                {
                    // This recipient and every one after it go back together; those before are done.
                    await ledger.ReleaseDeliveryAsync(recipient.Key, owner, cancellationToken);
                    var rest = batch.Recipients.Skip(i).ToList();
                    var wait = result.RetryAfter is { } after && after > MinimumRequeueDelay ? after : MinimumRequeueDelay;
                    await RequeueAsync(batch, rest, wait, cancellationToken);
                    LogThrottled(logger, batch.Channel, rest.Count, wait);
                    return await CountedAsync(new SendReport(sent, failed, suppressed, skipped, rest.Count), cancellationToken);
                }

                default:
                    await CountedAsync(new SendReport(sent, failed, suppressed, skipped, 0), cancellationToken);
                    await ledger.ReleaseDeliveryAsync(recipient.Key, owner, cancellationToken);
                    LogRetryable(logger, batch.Channel, recipient.EnrollmentId, result.Detail);
                    throw new RetryableSendException($"{batch.Channel} send for enrollment {recipient.EnrollmentId} is retryable ({result.Detail}); the message will be retried.");
            }
        }

        LogBatch(logger, batch.Channel, batch.BatchId, sent, failed, suppressed, skipped);
        return await CountedAsync(new SendReport(sent, failed, suppressed, skipped, 0), cancellationToken);
    }

    /// <summary>
    /// The multicast path: claim, check and render every recipient first (in parallel: a batch may be large), then send
    /// each group of equal content in requests of the provider's size, sorted by ledger key, and the rest one by one.
    /// Sorting makes the requests a retry rebuilds the same: the groups already sent are a prefix, marked Done and
    /// left out, so the next request carries the same keys and the same provider idempotency key as before.
    /// </summary>
    private async Task<SendReport> HandleGroupedAsync(SendBatchMessage batch, IMulticastDelivery delivery, string owner, MessageTemplate? template, bool usesCart, CancellationToken cancellationToken)
    {
        var prepared = new (DeliveryRequest? Request, PreparedContent? Content, string? Suppressed, bool Skipped)[batch.Recipients.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, batch.Recipients.Count), new ParallelOptions { MaxDegreeOfParallelism = PrepareParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var recipient = batch.Recipients[i];
            var claim = await ledger.BeginDeliveryAsync(recipient.Key, owner, time.GetUtcNow(), ct);
            if (claim.Result != DeliveryClaimResult.Claimed)
            {
                prepared[i] = (null, null, null, true);
                return;
            }

            var customer = await customers.GetActiveAsync(recipient.CustomerId, ct);
            if (SendSuppression.Reason(customer, batch.Channel) is { } reason)
            {
                prepared[i] = (null, null, reason, false);
                return;
            }

            var cart = await CartAsync(usesCart, recipient, ct);
            var request = new DeliveryRequest(batch, recipient, customer!, template, claim.FirstAttemptAt) { Cart = cart };
            prepared[i] = (request, delivery.Prepare(request), null, false);
        });

        int sent = 0, failed = 0, suppressed = 0, skipped = prepared.Count(p => p.Skipped);
        var ready = new List<(DeliveryRequest Request, string Content)>();
        for (var i = 0; i < prepared.Length; i++)
        {
            var (request, content, reason, _) = prepared[i];
            if (reason is not null)
            {
                await FinishAsync(batch, batch.Recipients[i], LedgerStatus.Suppressed, reason, cancellationToken);
                suppressed++;
            }
            else if (content?.Refusal is { Outcome: DeliveryOutcome.Failed } refusal)
            {
                await FinishAsync(batch, batch.Recipients[i], LedgerStatus.Failed, refusal.Detail ?? "failed", cancellationToken);
                failed++;
            }
            else if (content?.Refusal is { } retry)
            {
                // Not configured: nothing of this batch can go; give every claim back and let the host retry (then park).
                await CountedAsync(new SendReport(0, failed, suppressed, skipped, 0), cancellationToken);
                await ReleaseAsync(prepared.Where(p => p.Request is not null).Select(p => p.Request!), owner, cancellationToken);
                LogRetryable(logger, batch.Channel, request!.Recipient.EnrollmentId, retry.Detail);
                throw new RetryableSendException($"{batch.Channel} batch {batch.BatchId} is retryable ({retry.Detail}); the message will be retried.");
            }
            else if (request is not null)
            {
                ready.Add((request, content!.Content!));
            }
        }

        var units = ready
            .GroupBy(r => r.Content, StringComparer.Ordinal)
            .SelectMany(g => g.Count() == 1
                ? [(Content: g.Key, Requests: (IReadOnlyList<DeliveryRequest>)[g.First().Request])]
                : g.Select(r => r.Request).OrderBy(r => r.IdempotencyKey, StringComparer.Ordinal).Chunk(delivery.MaxRecipientsPerRequest).Select(c => (Content: g.Key, Requests: (IReadOnlyList<DeliveryRequest>)c)))
            .OrderBy(u => u.Requests[0].IdempotencyKey, StringComparer.Ordinal)
            .ToList();
        DeliveryResult? stopped = null;
        for (var u = 0; u < units.Count; u++)
        {
            var (content, requests) = units[u];
            DeliveryResult result;
            if (stopped is not null)
            {
                result = stopped;
            }
            else
            {
                result = requests.Count == 1
                    ? await delivery.DeliverAsync(requests[0], cancellationToken)
                    : await delivery.DeliverToManyAsync(requests, content, GroupKey(requests), cancellationToken);
                await probe.ReachedAsync(SendStage.ProviderCalled, requests[0].IdempotencyKey, cancellationToken);
                if (requests.Count > 1)
                {
                    LogMulticast(logger, batch.Channel, requests.Count, result.Outcome);
                }
            }

            switch (result.Outcome)
            {
                case DeliveryOutcome.Sent:
                    await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = PrepareParallelism, CancellationToken = cancellationToken }, async (r, ct) =>
                        await ledger.CompleteDeliveryAsync(r.IdempotencyKey, LedgerStatus.Sent, result.Detail, time.GetUtcNow(), ct, result.Provider));
                    sent += requests.Count;
                    break;
                case DeliveryOutcome.Failed:
                    foreach (var r in requests)
                    {
                        await FinishAsync(batch, r.Recipient, LedgerStatus.Failed, result.Detail ?? "failed", cancellationToken);
                    }

                    failed += requests.Count;
                    stopped ??= result.StopsChannel ? result : null;
                    break;
                case DeliveryOutcome.Throttled:
                {
                    // This request and every one after it go back together; those before are done.
                    var rest = units.Skip(u).SelectMany(x => x.Requests).ToList();
                    await ReleaseAsync(rest, owner, cancellationToken);
                    var wait = result.RetryAfter is { } after && after > MinimumRequeueDelay ? after : MinimumRequeueDelay;
                    await RequeueAsync(batch, [.. rest.Select(r => r.Recipient).OrderBy(r => r.Key, StringComparer.Ordinal)], wait, cancellationToken);
                    LogThrottled(logger, batch.Channel, rest.Count, wait);
                    return await CountedAsync(new SendReport(sent, failed, suppressed, skipped, rest.Count), cancellationToken);
                }

                default:
                    await CountedAsync(new SendReport(sent, failed, suppressed, skipped, 0), cancellationToken);
                    await ReleaseAsync(units.Skip(u).SelectMany(x => x.Requests), owner, cancellationToken);
                    LogRetryable(logger, batch.Channel, requests[0].Recipient.EnrollmentId, result.Detail);
                    throw new RetryableSendException($"{batch.Channel} send for enrollment {requests[0].Recipient.EnrollmentId} is retryable ({result.Detail}); the message will be retried.");
            }
        }

        LogBatch(logger, batch.Channel, batch.BatchId, sent, failed, suppressed, skipped);
        return await CountedAsync(new SendReport(sent, failed, suppressed, skipped, 0), cancellationToken);
    }

    private const int PrepareParallelism = 16;

    /// <summary>The provider idempotency key of a group: its sorted ledger keys, hashed (the provider hashes it again into its own key format).</summary>
    internal static string GroupKey(IEnumerable<DeliveryRequest> requests) =>
        "group:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join('\n', requests.Select(r => r.IdempotencyKey).Order(StringComparer.Ordinal)))));

    private async Task ReleaseAsync(IEnumerable<DeliveryRequest> requests, string owner, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = PrepareParallelism, CancellationToken = cancellationToken }, async (r, ct) =>
            await ledger.ReleaseDeliveryAsync(r.IdempotencyKey, owner, ct));

    /// <summary>
    /// The enrollment hears first (its decider ignores a repeat), then the ledger: if the ledger write is lost, the
    /// retry finds the send still claimable and tells the enrollment again, harmlessly.
    /// </summary>
    private async Task FinishAsync(SendBatchMessage batch, SendRecipient recipient, LedgerStatus status, string reason, CancellationToken cancellationToken)
    {
        await engine.ProcessAsync([new EngineWork(recipient.CustomerId, recipient.EnrollmentId, new SendFailed(recipient.StepId, recipient.Attempt, batch.Channel, reason))], cancellationToken);
        await ledger.CompleteDeliveryAsync(recipient.Key, status, reason, time.GetUtcNow(), cancellationToken);
        LogNotSent(logger, batch.Channel, recipient.EnrollmentId, status, reason);
    }

    private async Task RequeueAsync(SendBatchMessage batch, IReadOnlyList<SendRecipient> recipients, TimeSpan delay, CancellationToken cancellationToken)
    {
        var next = batch with { BatchId = SendBatchMessage.BatchIdOf(recipients.Select(r => r.Key)), Recipients = recipients, NotBefore = time.GetUtcNow() + delay };
        var cap = options.Value.MaxRequeueVisibility < ScenarioTimers.MaxDelay ? options.Value.MaxRequeueVisibility : ScenarioTimers.MaxDelay;
        var visibility = delay < cap ? delay : cap;
        await _batches.SendAsync(next, visibility, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} batch {BatchId}: its recipients' blob is gone, so the batch has ended already (a copy delivered again)")]
    private static partial void LogBatchGone(ILogger logger, Channel channel, string batchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} batch {BatchId}: {Sent} sent, {Failed} failed, {Suppressed} suppressed, {Skipped} already handled")]
    private static partial void LogBatch(ILogger logger, Channel channel, string batchId, int sent, int failed, int suppressed, int skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} send for enrollment {EnrollmentId} not sent: {Status} ({Reason})")]
    private static partial void LogNotSent(ILogger logger, Channel channel, string enrollmentId, LedgerStatus status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Channel} multicast to {Count} recipient(s): {Outcome}")]
    private static partial void LogMulticast(ILogger logger, Channel channel, int count, DeliveryOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} throttled: {Count} recipient(s) re-queued for {Delay}")]
    private static partial void LogThrottled(ILogger logger, Channel channel, int count, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} send for enrollment {EnrollmentId} failed transiently ({Detail}); the message will be retried")]
    private static partial void LogRetryable(ILogger logger, Channel channel, string enrollmentId, string? detail);
}

/// <summary>
/// The queue functions on <c>send-email</c>, <c>send-line</c>, <c>send-dm</c>, <c>send-call</c>: one per channel, one
/// consumer. A failure throws, so the message is retried and ends in <c>send-*-poison</c>.
/// </summary>
public abstract class SendQueueFunction(SendConsumer consumer, IChannelDelivery delivery, ILogger logger)
{
    protected async Task HandleAsync(string functionName, QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (batch, report) = await consumer.HandleMessageAsync(message.Body.ToString(), delivery, message.MessageId, cancellationToken);
        if (batch is not null)
        {
            FunctionLog.Done(logger, functionName, () => $"{batch.Channel.Code()} {batch.BatchId}: {report.Sent} sent, {report.Failed} failed, {report.Suppressed} suppressed, {report.Skipped} already handled, {report.Deferred} deferred");
        }
    }
}

public sealed class SendEmailFunction(SendConsumer consumer, EmailDelivery delivery, ILogger<SendEmailFunction> logger) : SendQueueFunction(consumer, delivery, logger)
{
    public const string Name = "SendEmail";

    [Function(Name)]
    public Task RunAsync([QueueTrigger(TriggerNames.SendEmail, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        HandleAsync(Name, message, cancellationToken);
}

public sealed class SendLineFunction(SendConsumer consumer, LineDelivery delivery, ILogger<SendLineFunction> logger) : SendQueueFunction(consumer, delivery, logger)
{
    public const string Name = "SendLine";

    [Function(Name)]
    public Task RunAsync([QueueTrigger(TriggerNames.SendLine, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        HandleAsync(Name, message, cancellationToken);
}

public sealed class SendDmFunction(SendConsumer consumer, DmListDelivery delivery, ILogger<SendDmFunction> logger) : SendQueueFunction(consumer, delivery, logger)
{
    public const string Name = "SendDm";

    [Function(Name)]
    public Task RunAsync([QueueTrigger(TriggerNames.SendDm, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        HandleAsync(Name, message, cancellationToken);
}

public sealed class SendCallFunction(SendConsumer consumer, CallListDelivery delivery, ILogger<SendCallFunction> logger) : SendQueueFunction(consumer, delivery, logger)
{
    public const string Name = "SendCall";

    [Function(Name)]
    public Task RunAsync([QueueTrigger(TriggerNames.SendCall, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        HandleAsync(Name, message, cancellationToken);
}
