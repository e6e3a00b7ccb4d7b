using System.Globalization;
using Kozuchi.Core.Checkouts;
using Kozuchi.Core.Common;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Erasure;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Orders;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// Cart webhooks. Each verifies its signature on the raw bytes, stores the body (write-first) and queues a pointer,
/// then answers: well inside Shopify's 5-second limit, and nothing is lost if processing fails later.
/// </summary>
public static partial class WebhookFunctions
{
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    private static readonly string[] ShopifyOrderTopics = ["orders/create", "orders/paid", "orders/updated", "orders/cancelled", "refunds/create"];

    public static FunctionRegistry AddWebhookFunctions(this FunctionRegistry registry) =>
        registry
            .Http("ShopifyWebhook", "POST", "webhooks/shopify", ShopifyAsync, Access.Public)
            .Http("OrderWebhook", "POST", "webhooks/orders", OrdersAsync, Access.Public);

    public sealed record Accepted(string Status, string? Blob);

    internal static async Task<Results<Ok<Accepted>, UnauthorizedHttpResult, BadRequest<string>>> ShopifyAsync(
        HttpRequest request, RawPayloads raw, IngestPipeline pipeline, CheckoutProcessor checkouts, IOptions<WebhookOptions> options, ShopTime shopTime, TimeProvider time, ILoggerFactory loggers,
        ErasureService erasure, CustomerStore store, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(WebhookFunctions));
        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return TypedResults.BadRequest($"Body larger than {MaxBodyBytes} bytes.");
        }

        var check = WebhookSignatures.Shopify(body, request.Headers["X-Shopify-Hmac-Sha256"], options.Value.Shopify());
        if (check != SignatureCheck.Valid)
        {
            LogRejected(logger, "shopify", check.ToString());
            return TypedResults.Unauthorized();
        }

        var topic = request.Headers["X-Shopify-Topic"].ToString();
        if (ShopifyPrivacy.Topics.Contains(topic))
        {
            // Handled inline and idempotently: a timeout or failure makes Shopify retry, and a retry finishes the job.
            var outcome = await ShopifyPrivacy.HandleAsync(topic, body, erasure, store, cancellationToken);
            if (outcome is null)
            {
                return TypedResults.BadRequest("Privacy webhook body is not JSON.");
            }

            LogPrivacy(logger, topic, outcome.Status, outcome.Customers);
            return TypedResults.Ok(new Accepted(outcome.Status, null));
        }

        var isCheckout = ShopifyCheckoutJson.Topics.Contains(topic);
        if (!ShopifyOrderTopics.Contains(topic) && !isCheckout)
        {
            // Subscribed to more than we use: acknowledge so Shopify does not retry.
            return TypedResults.Ok(new Accepted("ignored", null));
        }

        var deliveryId = request.Headers["X-Shopify-Event-Id"].ToString() is { Length: > 0 } eventId ? "event-" + eventId
            : request.Headers["X-Shopify-Webhook-Id"].ToString() is { Length: > 0 } webhookId ? "webhook-" + webhookId
            : null;
        var name = deliveryId is null ? RawPayloads.ContentName("webhooks/shopify", body) : $"webhooks/shopify/{Safe(deliveryId)}.json";
        var metadata = new Dictionary<string, string>
        {
            ["kind"] = isCheckout ? "shopify-checkout" : "shopify",
            ["topic"] = topic,
            ["shop"] = Safe(request.Headers["X-Shopify-Shop-Domain"].ToString()),
            ["webhookId"] = Safe(request.Headers["X-Shopify-Webhook-Id"].ToString()),
            ["eventId"] = Safe(request.Headers["X-Shopify-Event-Id"].ToString()),
        };
        if (isCheckout)
        {
            var checkout = ShopifyCheckoutJson.Parse(body, shopTime.Zone);
            return await LandAsync(raw, logger, time, body, name, checkout.Error, null, metadata, ct => checkouts.EnqueueAsync(new IngestMessage { Kind = PayloadKind.ShopifyCheckout, Blob = name, Topic = topic }, ct), cancellationToken);
        }

        var parsed = ShopifyOrderJson.Parse(topic, body, shopTime.Zone);
        return await LandAsync(raw, logger, time, body, name, parsed.Error, parsed.Ignored, metadata, ct => pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Shopify, Blob = name, Topic = topic }, ct), cancellationToken);
    }

    internal static async Task<Results<Ok<Accepted>, UnauthorizedHttpResult, BadRequest<string>>> OrdersAsync(
        HttpRequest request, RawPayloads raw, IngestPipeline pipeline, CheckoutProcessor checkouts, IOptions<WebhookOptions> options, ShopTime shopTime, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(WebhookFunctions));
        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return TypedResults.BadRequest($"Body larger than {MaxBodyBytes} bytes.");
        }

        var check = WebhookSignatures.Kozuchi(body, request.Headers["X-Kozuchi-Timestamp"], request.Headers["X-Kozuchi-Signature"], options.Value.Orders(), time.GetUtcNow());
        if (check != SignatureCheck.Valid)
        {
            LogRejected(logger, "orders", check.ToString());
            return TypedResults.Unauthorized();
        }

        // Content-addressed: the same body sent twice is one delivery; a changed order is a new body.
        if (KozuchiCheckoutJson.IsCheckout(body))
        {
            var checkoutName = RawPayloads.ContentName("webhooks/checkouts", body);
            var checkout = KozuchiCheckoutJson.Parse(body, shopTime.Zone);
            var checkoutMetadata = new Dictionary<string, string> { ["kind"] = "kozuchi-checkout", ["timestamp"] = Safe(request.Headers["X-Kozuchi-Timestamp"].ToString()) };
            return await LandAsync(raw, logger, time, body, checkoutName, checkout.Error, null, checkoutMetadata, ct => checkouts.EnqueueAsync(new IngestMessage { Kind = PayloadKind.KozuchiCheckout, Blob = checkoutName }, ct), cancellationToken);
        }

        var name = RawPayloads.ContentName("webhooks/orders", body);
        var parsed = KozuchiOrderJson.Parse(body, shopTime.Zone);
        var metadata = new Dictionary<string, string> { ["kind"] = "kozuchi", ["timestamp"] = Safe(request.Headers["X-Kozuchi-Timestamp"].ToString()) };
        return await LandAsync(raw, logger, time, body, name, parsed.Error, parsed.Ignored, metadata, ct => pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = name }, ct), cancellationToken);
    }

    private static async Task<Results<Ok<Accepted>, UnauthorizedHttpResult, BadRequest<string>>> LandAsync(
        RawPayloads raw, ILogger logger, TimeProvider time, byte[] body, string name, string? error, string? ignored, Dictionary<string, string> metadata, Func<CancellationToken, Task> enqueue, CancellationToken cancellationToken)
    {
        metadata["received"] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        if (error is not null)
        {
            // Kept for the shop to inspect (operations page), never processed.
            metadata["reason"] = Safe(error);
            var rejected = RawPayloads.ContentName("rejected/" + metadata["kind"], body);
            await raw.TryStoreAsync(rejected, body, metadata, cancellationToken);
            LogMalformed(logger, metadata["kind"], error, rejected);
            return TypedResults.BadRequest(error);
        }

        if (ignored is not null)
        {
            return TypedResults.Ok(new Accepted("ignored: " + ignored, null));
        }

        var fresh = await raw.TryStoreAsync(name, body, metadata, cancellationToken);

        // A repeated delivery is still queued: if the first one stored the body but died before queueing, this is
        // what gets it processed, and processing the same payload twice changes nothing.
        await enqueue(cancellationToken);
        LogAccepted(logger, metadata["kind"], name, fresh);
        return TypedResults.Ok(new Accepted(fresh ? "accepted" : "duplicate", name));
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Blob names and metadata are ASCII; anything else from a header is replaced.</summary>
    private static string Safe(string value) =>
        new([.. value.Take(200).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shopify privacy webhook {Topic}: {Status} ({Customers} customers)")]
    private static partial void LogPrivacy(ILogger logger, string topic, string status, int customers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Kind} refused: signature {Check}")]
    private static partial void LogRejected(ILogger logger, string kind, string check);

    /// <summary>The reason names the field at fault ("order is missing created_at"); parsers never put personal values in it.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Kind} refused: {Reason}; body kept as {Blob}")]
    private static partial void LogMalformed(ILogger logger, string kind, string reason, string blob);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Kind} stored as {Blob} (new: {Fresh}) and queued")]
    private static partial void LogAccepted(ILogger logger, string kind, string blob, bool fresh);
}
