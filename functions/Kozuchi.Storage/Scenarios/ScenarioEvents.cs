using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

public enum ScenarioEventKind
{
    /// <summary>A new counted order (ingest): starts order-triggered scenarios, reaches the customer's running enrollments.</summary>
    OrderPlaced,

    /// <summary>An order became cancelled: reaches running enrollments (it stops a late placement from counting).</summary>
    OrderCancelled,

    /// <summary>The customer followed the shop's LINE account.</summary>
    LineFollowed,

    /// <summary>Start one scenario for the customer (daily triggers, segment entry, broadcast fan out through this).</summary>
    Enroll,
}

/// <summary>One event on <c>scenario-events</c>. Order ids are <c>source:id</c>, unique across carts.</summary>
public sealed record ScenarioEventItem
{
    public required ScenarioEventKind Kind { get; init; }
    public required string CustomerId { get; init; }
    public string? OrderId { get; init; }
    public decimal? Amount { get; init; }

    /// <summary>The order's currency (<see cref="Amount"/> is in it).</summary>
    public string? Currency { get; init; }
    public IReadOnlyList<string>? Products { get; init; }
    public DateTimeOffset? At { get; init; }
    public bool IsFirstOrder { get; init; }

    /// <summary>For <see cref="ScenarioEventKind.Enroll"/>: the scenario and what triggered it (it makes the enrollment id).</summary>
    public string? ScenarioId { get; init; }

    public string? TriggerKey { get; init; }

    /// <summary>For an enroll event from an abandoned checkout: the checkout (<c>source:token</c>) the enrollment personalises its sends with.</summary>
    public string? CheckoutId { get; init; }
}

/// <summary>Many customers enrolled into one scenario for one trigger (a broadcast): only their ids, so 500 fit in a message.</summary>
public sealed record EnrollGroup(string ScenarioId, string TriggerKey, IReadOnlyList<string> CustomerIds);

/// <summary>
/// A message on <c>scenario-events</c>: many events, so a bulk import or the daily trigger does not mean one message per customer.
/// Version 2 carries an <see cref="EnrollGroup"/> besides (read as one enroll event per customer); version 1 has events only.
/// </summary>
public sealed record ScenarioEventBatch
{
    public const int CurrentVersion = 1;

    /// <summary>The version of a message with an <see cref="Enroll"/> group: an older build refuses it (and parks it) rather than drop the group unread.</summary>
    public const int GroupVersion = 2;

    /// <summary>
    /// Customers per <see cref="EnrollGroup"/> message: the router starts a message's enrollments in one engine run, whose
    /// sends of one template then leave as one full send batch (<see cref="SendBatchMessage.MaxRecipients"/>, one LINE multicast).
    /// </summary>
    public const int MaxGroupedEnrollments = SendBatchMessage.MaxRecipients;

    /// <summary>Events per message: an order event with a few products is a few hundred bytes, far under 64 KiB.</summary>
    public const int MaxEvents = 50;

    /// <summary>
    /// Events per message when all are enroll events (daily triggers, segment entry, broadcasts): about 150 bytes each,
    /// and the router starts a message's enrollments together, so fewer, fuller messages carry a day's dormant
    /// customers with fewer rounds of claims, send messages and clears.
    /// </summary>
    public const int MaxEnrollEvents = 250;

    /// <summary>A message's JSON stays under this, whatever its events: the queue takes 64 KiB.</summary>
    public const int MaxBytes = 48 * 1024;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required IReadOnlyList<ScenarioEventItem> Events { get; init; }

    /// <summary>Version 2: enroll events for many customers in compact form; <see cref="Parse"/> appends them to <see cref="Events"/>.</summary>
    public EnrollGroup? Enroll { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ScenarioMessageJson.Options);

    public static ScenarioEventBatch Parse(string text)
    {
        var batch = JsonSerializer.Deserialize<ScenarioEventBatch>(text, ScenarioMessageJson.Options) ?? throw new JsonException("The message is JSON null.");
        return batch switch
        {
            { Version: CurrentVersion, Enroll: null } => batch,
            { Version: GroupVersion, Enroll: { } group } => batch with
            {
                Enroll = null,
                Events = [.. batch.Events, .. group.CustomerIds.Select(c => new ScenarioEventItem { Kind = ScenarioEventKind.Enroll, CustomerId = c, ScenarioId = group.ScenarioId, TriggerKey = group.TriggerKey })],
            },
            _ => throw new JsonException($"Message version {batch.Version} is not understood by this build (expects {CurrentVersion}, or {GroupVersion} with an enroll group)."),
        };
    }
}

/// <summary>Puts scenario events on <c>scenario-events</c> in batches; the router function reads them.</summary>
public sealed class ScenarioEventPublisher(StorageClients clients)
{
    private readonly QueueClient _queue = clients.Queue(StorageCatalog.Queues.ScenarioEvents);

    public async Task<int> PublishAsync(IEnumerable<ScenarioEventItem> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var messages = 0;
        foreach (var chunk in Chunks(events))
        {
            await _queue.SendMessageAsync(new ScenarioEventBatch { Events = chunk }.ToJson(), cancellationToken).ConfigureAwait(false);
            messages++;
        }

        return messages;
    }

    /// <summary>Consecutive events in messages: up to <see cref="ScenarioEventBatch.MaxEnrollEvents"/> while all are enroll events, else <see cref="ScenarioEventBatch.MaxEvents"/>, never over <see cref="ScenarioEventBatch.MaxBytes"/>.</summary>
    public static IEnumerable<IReadOnlyList<ScenarioEventItem>> Chunks(IEnumerable<ScenarioEventItem> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var chunk = new List<ScenarioEventItem>();
        var bytes = 0;
        var enrollOnly = true;
        foreach (var e in events)
        {
            var size = JsonSerializer.SerializeToUtf8Bytes(e, ScenarioMessageJson.Options).Length + 1;
            var only = enrollOnly && e.Kind == ScenarioEventKind.Enroll;
            var cap = only ? ScenarioEventBatch.MaxEnrollEvents : ScenarioEventBatch.MaxEvents;
            if (chunk.Count > 0 && (chunk.Count >= cap || bytes + size > ScenarioEventBatch.MaxBytes))
            {
                yield return chunk;
                (chunk, bytes, only) = ([], 0, e.Kind == ScenarioEventKind.Enroll);
            }

            chunk.Add(e);
            bytes += size;
            enrollOnly = only;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// Enrolls many customers into one scenario for one trigger (a broadcast to a segment), <see cref="ScenarioEventBatch.MaxGroupedEnrollments"/>
    /// per message, so that each router run starts 500 enrollments and their first sends leave as full batches.
    /// </summary>
    public async Task<int> PublishEnrollmentsAsync(string scenarioId, string triggerKey, IEnumerable<string> customerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        var messages = 0;
        foreach (var chunk in customerIds.Chunk(ScenarioEventBatch.MaxGroupedEnrollments))
        {
            var batch = new ScenarioEventBatch { Version = ScenarioEventBatch.GroupVersion, Events = [], Enroll = new EnrollGroup(scenarioId, triggerKey, chunk) };
            await _queue.SendMessageAsync(batch.ToJson(), cancellationToken).ConfigureAwait(false);
            messages++;
        }

        return messages;
    }

    /// <summary>
    /// What an ingest batch means for scenarios: a new counted order is placed (first or not); an order that changed to
    /// cancelled is cancelled. Published after the customer tables are saved, so the router reads the customer with
    /// the order; a crash before publishing is repaired by the ingest message's retry.
    /// </summary>
    public static IReadOnlyList<ScenarioEventItem> FromIngest(IngestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var events = new List<ScenarioEventItem>();
        foreach (var o in result.Orders)
        {
            // Unchanged orders are published again: a retried ingest message whose first run died before publishing
            // reports its orders as unchanged, and the router and decider drop what they have already seen.
            if (o.Outcome is ApplyOutcome.Created or ApplyOutcome.Unchanged && o.Order.Counts && o.HeldCounts)
            {
                events.Add(new ScenarioEventItem
                {
                    Kind = ScenarioEventKind.OrderPlaced,
                    CustomerId = o.CustomerId,
                    OrderId = o.Order.Key.ToString(),
                    Amount = o.Order.NetAmount,
                    Currency = o.Order.Currency,
                    Products = [.. o.Order.Lines.Select(l => l.ProductKey).Distinct(StringComparer.Ordinal)],
                    At = o.Order.OrderedAt,
                    IsFirstOrder = o.IsFirstOrder,
                });
            }
            else if (o.Outcome == ApplyOutcome.Updated && o.Order.Status == OrderStatus.Cancelled)
            {
                events.Add(new ScenarioEventItem { Kind = ScenarioEventKind.OrderCancelled, CustomerId = o.CustomerId, OrderId = o.Order.Key.ToString(), At = o.Order.UpdatedAt });
            }
        }

        return events;
    }
}
