using System.Globalization;
using Kozuchi.Core.Checkouts;
using Kozuchi.Core.Common;
using Kozuchi.Core.Erasure;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Erasure;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Operations;
using Kozuchi.Storage.Orders;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// Cart webhooks. Each verifies its signature on the raw bytes (413 past <see cref="WebhookReceiver.MaxBodyBytes"/>),
/// and <see cref="WebhookReceiver"/> stores the body (write-first) and queues a pointer, then the function answers:
/// well inside Shopify's 5-second limit, and nothing is lost if processing fails later.
/// </summary>
public sealed class WebhookFunctions(WebhookReceiver receiver)
{
    [Function("ShopifyWebhook")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> ShopifyAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/shopify")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (await req.ReadBodyAsync(WebhookReceiver.MaxBodyBytes, cancellationToken) is not { } body)
        {
            return HttpInput.TooLarge(WebhookReceiver.MaxBodyBytes);
        }

        var delivery = new ShopifyDelivery(
            req.Headers["X-Shopify-Hmac-Sha256"].ToString(), req.Headers["X-Shopify-Topic"].ToString(), req.Headers["X-Shopify-Shop-Domain"].ToString(),
            req.Headers["X-Shopify-Webhook-Id"].ToString(), req.Headers["X-Shopify-Event-Id"].ToString());
        return (await receiver.ShopifyAsync(body, delivery, cancellationToken)).ToResult();
    }

    [Function("OrderWebhook")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> OrdersAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/orders")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (await req.ReadBodyAsync(WebhookReceiver.MaxBodyBytes, cancellationToken) is not { } body)
        {
            return HttpInput.TooLarge(WebhookReceiver.MaxBodyBytes);
        }

        return (await receiver.OrdersAsync(body, req.Headers["X-Kozuchi-Timestamp"].ToString(), req.Headers["X-Kozuchi-Signature"].ToString(), cancellationToken)).ToResult();
    }
}

/// <summary>A Shopify delivery's headers: the signature and what the delivery is.</summary>
public sealed record ShopifyDelivery(string? Hmac, string Topic, string ShopDomain, string WebhookId, string EventId);

/// <summary>
/// What a cart webhook does once its bytes are read: the signature check, then write-first landing in <c>raw</c>
/// and a pointer on <c>orders-incoming</c> (or <c>checkouts-incoming</c>); Shopify's privacy topics are handled inline.
/// </summary>
public sealed partial class WebhookReceiver(
    RawPayloads raw, IngestPipeline pipeline, CheckoutProcessor checkouts, IOptions<WebhookOptions> options, ShopTime shopTime, TimeProvider time,
    ErasureService erasure, CustomerStore store, BlobIndex index, ErasureJobs jobs, ImportLog log, ILogger<WebhookReceiver> logger)
{
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    private static readonly string[] ShopifyOrderTopics = ["orders/create", "orders/paid", "orders/updated", "orders/cancelled", "refunds/create"];

    /// <summary><paramref name="Job"/>: the erasure job a privacy webhook queued (<c>GET /api/erasures/{job}</c>).</summary>
    public sealed record Accepted(string Status, string? Blob, string? Job = null);

    public async Task<Outcome<Accepted>> ShopifyAsync(byte[] body, ShopifyDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var o = options.Value;
        if (!o.Shopify().Any())
        {
            LogNotConfigured(logger, "shopify");
            return Outcome.NotConfigured<Accepted>("The Shopify webhook is not configured: set Kozuchi__Webhooks__ShopifySecret to the app's client secret.");
        }

        var check = WebhookSignatures.Shopify(body, delivery.Hmac, o.Shopify());
        if (check != SignatureCheck.Valid)
        {
            LogRejected(logger, "shopify", check.ToString());
            return Outcome.Refused<Accepted>();
        }

        var topic = delivery.Topic;
        var privacy = ShopifyPrivacyRequest.Topics.Contains(topic);
        if (o.ShopifyShopDomain is { } shop && ShopifyPrivacyRequest.NormalizeDomain(delivery.ShopDomain) != shop)
        {
            // The app's secret signs every shop that installed it: another shop's delivery verifies but is not ours.
            LogOtherShop(logger, privacy ? topic : "order", Safe(delivery.ShopDomain));
            return Outcome.Invalid<Accepted>("X-Shopify-Shop-Domain is not the shop this app serves.");
        }

        if (privacy)
        {
            return await PrivacyAsync(body, topic, o.ShopifyShopDomain, cancellationToken);
        }

        var isCheckout = ShopifyCheckoutJson.Topics.Contains(topic);
        if (!ShopifyOrderTopics.Contains(topic) && !isCheckout)
        {
            // Subscribed to more than we use: acknowledge so Shopify does not retry.
            return new Accepted("ignored", null);
        }

        var deliveryId = delivery.EventId is { Length: > 0 } eventId ? "event-" + eventId
            : delivery.WebhookId is { Length: > 0 } webhookId ? "webhook-" + webhookId
            : null;
        var name = deliveryId is null ? RawPayloads.ContentName("webhooks/shopify", body) : $"webhooks/shopify/{Safe(deliveryId)}.json";
        var metadata = new Dictionary<string, string>
        {
            ["kind"] = isCheckout ? "shopify-checkout" : "shopify",
            ["topic"] = topic,
            ["shop"] = Safe(delivery.ShopDomain),
            ["webhookId"] = Safe(delivery.WebhookId),
            ["eventId"] = Safe(delivery.EventId),
        };
        if (isCheckout)
        {
            var checkout = ShopifyCheckoutJson.Parse(body, shopTime.Zone);
            return await LandAsync(body, name, checkout.Error, null, metadata, ct => checkouts.EnqueueAsync(new IngestMessage { Kind = PayloadKind.ShopifyCheckout, Blob = name, Topic = topic }, ct), cancellationToken);
        }

        var parsed = ShopifyOrderJson.Parse(topic, body, shopTime.Zone);
        return await LandAsync(body, name, parsed.Error, parsed.Ignored, metadata, ct => pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Shopify, Blob = name, Topic = topic }, ct), cancellationToken,
            [.. parsed.Orders.Select(o => o.Key), .. parsed.Refunds.Select(r => new Core.Orders.OrderKey(ShopifyOrderJson.Source, r.OrderId))]);
    }

    /// <summary>
    /// A privacy topic erases or exports a customer, and Shopify's signature does not cover the topic: it is acted on
    /// only for the configured shop and a body of the topic's own shape; anything else is refused (400) with an audit
    /// line that names the reason, never the customer. Handled inline and idempotently: a timeout or failure makes
    /// Shopify retry, and a retry finishes the job.
    /// </summary>
    private async Task<Outcome<Accepted>> PrivacyAsync(byte[] body, string topic, string? shop, CancellationToken cancellationToken)
    {
        if (shop is null)
        {
            LogPrivacyRefused(logger, topic, "the shop domain is not configured");
            return Outcome.NotConfigured<Accepted>("Shopify privacy webhooks need Kozuchi__Webhooks__ShopifyShopDomain (the shop's *.myshopify.com domain); until it is set they are refused and Shopify retries them.");
        }

        var (request, problem) = ShopifyPrivacyRequest.Parse(topic, body);
        if (request is null || request.ShopDomain != shop)
        {
            var reason = problem ?? "the body's shop_domain is not the configured shop";
            LogPrivacyRefused(logger, topic, reason);
            return Outcome.Invalid<Accepted>($"Not a {topic} request for this shop: {reason}");
        }

        var outcome = await ShopifyPrivacy.HandleAsync(request, erasure, store, jobs, cancellationToken);
        LogPrivacy(logger, topic, outcome.Status, outcome.Customers);
        return new Accepted(outcome.Status, null, outcome.Job);
    }

    public async Task<Outcome<Accepted>> OrdersAsync(byte[] body, string timestamp, string signature, CancellationToken cancellationToken)
    {
        if (!options.Value.Orders().Any())
        {
            LogNotConfigured(logger, "orders");
            return Outcome.NotConfigured<Accepted>("The order webhook is not configured: set Kozuchi__Webhooks__OrderSecret.");
        }

        var check = WebhookSignatures.Kozuchi(body, timestamp, signature, options.Value.Orders(), time.GetUtcNow());
        if (check != SignatureCheck.Valid)
        {
            LogRejected(logger, "orders", check.ToString());
            return Outcome.Refused<Accepted>();
        }

        // Content-addressed: the same body sent twice is one delivery; a changed order is a new body.
        if (KozuchiCheckoutJson.IsCheckout(body))
        {
            var checkoutName = RawPayloads.ContentName("webhooks/checkouts", body);
            var checkout = KozuchiCheckoutJson.Parse(body, shopTime.Zone);
            var checkoutMetadata = new Dictionary<string, string> { ["kind"] = "kozuchi-checkout", ["timestamp"] = Safe(timestamp) };
            return await LandAsync(body, checkoutName, checkout.Error, null, checkoutMetadata, ct => checkouts.EnqueueAsync(new IngestMessage { Kind = PayloadKind.KozuchiCheckout, Blob = checkoutName }, ct), cancellationToken);
        }

        var name = RawPayloads.ContentName("webhooks/orders", body);
        var parsed = KozuchiOrderJson.Parse(body, shopTime.Zone);
        var metadata = new Dictionary<string, string> { ["kind"] = "kozuchi", ["timestamp"] = Safe(timestamp) };
        return await LandAsync(body, name, parsed.Error, parsed.Ignored, metadata, ct => pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = name }, ct), cancellationToken,
            [.. parsed.Orders.Select(o => o.Key)]);
    }

    /// <summary>
    /// Stores and queues an accepted body. <paramref name="orders"/>: the orders an order payload holds, indexed for
    /// erasure before the body is stored (checkout bodies and rejected ones are not indexed: erasure reads them in full).
    /// </summary>
    private async Task<Outcome<Accepted>> LandAsync(
        byte[] body, string name, string? error, string? ignored, Dictionary<string, string> metadata, Func<CancellationToken, Task> enqueue, CancellationToken cancellationToken,
        IReadOnlyList<Core.Orders.OrderKey>? orders = null)
    {
        metadata["received"] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        if (error is not null)
        {
            // Kept for the shop to inspect (operations page), never processed.
            metadata["reason"] = Safe(error);
            var rejected = RawPayloads.ContentName("rejected/" + metadata["kind"], body);
            await raw.TryStoreAsync(rejected, body, metadata, cancellationToken);
            LogMalformed(logger, metadata["kind"], error, rejected);
            await RecordAsync(metadata["kind"], "rejected", rejected, error, cancellationToken);
            return Outcome.Invalid<Accepted>(error);
        }

        if (ignored is not null)
        {
            await RecordAsync(metadata["kind"], "ignored", name, ignored, cancellationToken);
            return new Accepted("ignored: " + ignored, null);
        }

        if (orders is not null)
        {
            await index.AddAsync(Storage.Infrastructure.StorageCatalog.Containers.Raw, name, orders.Select(BlobIndex.OrderKey), cancellationToken);
            BlobIndex.MarkIndexed(metadata);
        }

        var fresh = await raw.TryStoreAsync(name, body, metadata, cancellationToken);

        // A repeated delivery is still queued: if the first one stored the body but died before queueing, this is
        // what gets it processed, and processing the same payload twice changes nothing.
        await enqueue(cancellationToken);
        LogAccepted(logger, metadata["kind"], name, fresh);
        await RecordAsync(metadata["kind"], "accepted", name, null, cancellationToken);
        return new Accepted(fresh ? "accepted" : "duplicate", name);
    }

    /// <summary>The delivery in the import history; the body is stored and queued already, so a failure here only logs.</summary>
    private async Task RecordAsync(string kind, string outcome, string blob, string? reason, CancellationToken cancellationToken)
    {
        try
        {
            await log.RecordWebhookAsync(kind, outcome, blob, reason, shopTime.Today(time.GetUtcNow()), cancellationToken);
        }
        catch (Azure.RequestFailedException e)
        {
            LogNotRecorded(logger, e, kind);
        }
    }

    /// <summary>Blob names and metadata are ASCII; anything else from a header is replaced.</summary>
    private static string Safe(string value) =>
        new([.. value.Take(200).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shopify privacy webhook {Topic}: {Status} ({Customers} customers)")]
    private static partial void LogPrivacy(ILogger logger, string topic, string status, int customers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shopify privacy webhook {Topic} refused: {Reason}")]
    private static partial void LogPrivacyRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shopify {Topic} webhook refused: it comes from the shop {Shop}, not the configured one")]
    private static partial void LogOtherShop(ILogger logger, string topic, string shop);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Kind} refused: its secret is not configured (unset, a placeholder or an unresolved Key Vault reference)")]
    private static partial void LogNotConfigured(ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Kind} refused: signature {Check}")]
    private static partial void LogRejected(ILogger logger, string kind, string check);

    /// <summary>The reason names the field at fault ("order is missing created_at"); parsers never put personal values in it.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Kind} refused: {Reason}; body kept as {Blob}")]
    private static partial void LogMalformed(ILogger logger, string kind, string reason, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Kind}: the delivery was stored and queued but not added to the import history")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Kind} stored as {Blob} (new: {Fresh}) and queued")]
    private static partial void LogAccepted(ILogger logger, string kind, string blob, bool fresh);
}
