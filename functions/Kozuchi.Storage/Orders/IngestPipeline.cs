using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Kozuchi.Core.Common;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Core.Pulls;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Orders;

/// <summary>A stored payload that cannot become orders: the message fails and ends in the poison queue, blob intact.</summary>
public sealed class UnreadablePayloadException(string message) : Exception(message)
{
    public UnreadablePayloadException()
        : this("Unreadable payload")
    {
    }

    public UnreadablePayloadException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}

/// <summary>From stored payload to customer tables: read the blob, parse by kind, ingest.</summary>
public sealed partial class IngestPipeline(RawPayloads raw, ImportChunks chunks, StorageClients clients, CustomerStore store, OrderIngestor ingestor, ShopTime shopTime, ILogger<IngestPipeline> logger)
{
    private readonly QueueClient _queue = clients.Queue(StorageCatalog.Queues.OrdersIncoming);
    private readonly IngestGroups _groups = new(ingestor);
    private readonly QueueClient _checkouts = clients.Queue(StorageCatalog.Queues.CheckoutsIncoming);

    /// <summary>How this instance's messages were grouped (benchmarks).</summary>
    public IngestGroups Groups => _groups;

    public Task EnqueueAsync(IngestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _queue.SendMessageAsync(message.ToJson(), cancellationToken);
    }

    /// <summary>
    /// Queues every stored payload under a prefix again (oldest first): after a bug fix, or to rebuild the customer
    /// tables. Processing is idempotent, so replaying what was already applied changes nothing.
    /// </summary>
    public async Task<int> ReplayAsync(string prefix, CancellationToken cancellationToken)
    {
        var queued = 0;
        await foreach (var (name, metadata) in raw.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var kind = metadata.TryGetValue("kind", out var k) ? k : null;
            PayloadKind? payloadKind = kind switch
            {
                "shopify" => PayloadKind.Shopify,
                "kozuchi" => PayloadKind.Kozuchi,
                ImportChunks.KindChunk => PayloadKind.Chunk,
                "shopify-checkout" => PayloadKind.ShopifyCheckout,
                "kozuchi-checkout" => PayloadKind.KozuchiCheckout,
                "pull" => PayloadKind.Pull,
                _ => null,
            };
            if (payloadKind is null)
            {
                continue;
            }

            var message = new IngestMessage { Kind = payloadKind.Value, Blob = name, Topic = metadata.TryGetValue("topic", out var t) ? t : null };
            if (payloadKind is PayloadKind.ShopifyCheckout or PayloadKind.KozuchiCheckout)
            {
                await _checkouts.SendMessageAsync(message.ToJson(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await EnqueueAsync(message, cancellationToken).ConfigureAwait(false);
            }

            queued++;
        }

        return queued;
    }

    public async Task<IngestResult> ProcessAsync(IngestMessage message, CustomerStore.Session? bulk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = await raw.ReadAsync(message.Blob, cancellationToken).ConfigureAwait(false)
            ?? throw new UnreadablePayloadException($"Stored payload {message.Blob} does not exist.");
        var orders = new List<IncomingOrder>();
        switch (message.Kind)
        {
            case PayloadKind.Shopify:
                var shopify = ShopifyOrderJson.Parse(message.Topic ?? "orders/updated", payload.Content.ToMemory().Span, shopTime.Zone);
                Throw(shopify, message);
                orders.AddRange(shopify.Orders.Select(o => new IncomingOrder(o, message.Blob)));
                foreach (var refund in shopify.Refunds)
                {
                    var stored = await store.GetOrderAsync(new OrderKey(ShopifyOrderJson.Source, refund.OrderId), cancellationToken).ConfigureAwait(false);
                    if (stored is null)
                    {
                        // The order itself has not arrived yet; its own webhook (or the reconciliation pull) carries the refund too.
                        LogRefundBeforeOrder(logger, message.Blob);
                    }
                    else if (ShopifyOrderJson.ApplyRefund(stored, refund) is { } refunded)
                    {
                        orders.Add(new IncomingOrder(refunded, message.Blob));
                    }
                }

                break;
            case PayloadKind.Kozuchi:
                var generic = KozuchiOrderJson.Parse(payload.Content.ToMemory().Span, shopTime.Zone);
                Throw(generic, message);
                orders.AddRange(generic.Orders.Select(o => new IncomingOrder(o, message.Blob)));
                break;
            case PayloadKind.Pull:
                var pulled = PulledOrders.Parse(payload.Content.ToMemory().Span, shopTime.Zone);
                Throw(pulled, message);
                orders.AddRange(pulled.Orders.Select(o => new IncomingOrder(o, message.Blob)));
                break;
            case PayloadKind.Chunk:
                orders.AddRange(ReadChunk(payload.Content).Select(o => new IncomingOrder(o, message.Blob)));
                break;
            default:
                throw new UnreadablePayloadException($"Unknown payload kind {message.Kind}.");
        }

        // Messages this instance receives at the same time are decided together (IngestGroups); a bulk session is the import's own.
        var result = bulk is null
            ? await _groups.IngestAsync(orders, cancellationToken).ConfigureAwait(false)
            : await ingestor.IngestAsync(orders, bulk, cancellationToken).ConfigureAwait(false);
        if (message.Kind == PayloadKind.Chunk)
        {
            // Every order of the chunk is in the customer tables now: the import's progress counts them as stored.
            await chunks.MarkStoredAsync(message.Blob, payload.Metadata, orders.Count, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public static BinaryData WriteChunk(IEnumerable<Order> orders)
    {
        var sb = new StringBuilder();
        foreach (var o in orders)
        {
            sb.Append(JsonSerializer.Serialize(o, CustomerEntities.Json)).Append('\n');
        }

        return BinaryData.FromString(sb.ToString());
    }

    public static IEnumerable<Order> ReadChunk(BinaryData content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var n = 0;
        foreach (var line in content.ToString().Split('\n'))
        {
            n++;
            if (line.Length == 0)
            {
                continue;
            }

            Order? order;
            try
            {
                order = JsonSerializer.Deserialize<Order>(line, CustomerEntities.Json);
            }
            catch (JsonException ex)
            {
                throw new UnreadablePayloadException($"Chunk line {n}", ex);
            }

            yield return order ?? throw new UnreadablePayloadException($"Chunk line {n} is null.");
        }
    }

    private static void Throw(PayloadResult result, IngestMessage message)
    {
        if (result.IsError)
        {
            throw new UnreadablePayloadException($"{message.Blob}: {result.Error}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refund in {Blob} is for an order not stored yet; the order's own delivery will carry it")]
    private static partial void LogRefundBeforeOrder(ILogger logger, string blob);
}
