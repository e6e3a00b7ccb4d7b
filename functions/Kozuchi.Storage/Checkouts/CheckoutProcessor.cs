using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Kozuchi.Core.Checkouts;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Checkouts;

/// <summary>
/// A message on <c>checkout-timers</c>: check at <see cref="DueAt"/> whether the checkout was abandoned for the
/// scenario. Invisible until then (at most 7 days, the longest delay a cartAbandoned trigger allows).
/// </summary>
public sealed record CheckoutTimerMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required string CheckoutId { get; init; }
    public required string ScenarioId { get; init; }
    public required DateTimeOffset DueAt { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ScenarioMessageJson.Options);

    public static CheckoutTimerMessage Parse(string text) => ScenarioMessageJson.Parse<CheckoutTimerMessage>(text, CurrentVersion, m => m.Version);
}

public enum CheckoutTimerResult
{
    /// <summary>Arrived before its time: sent again with the remainder.</summary>
    Requeued,

    /// <summary>Abandoned: an enroll event is on <c>scenario-events</c> (its enrollment id is fixed by scenario, customer and checkout).</summary>
    Enrolled,

    /// <summary>Not abandoned (ordered, completed, updated since, anonymous), or the checkout or scenario is gone.</summary>
    Dropped,
}

public sealed record CheckoutSweepReport(int Due, int Enrolled);

/// <summary>
/// Checkouts in: read the stored webhook body, link the checkout to a customer through identity resolution (名寄せ;
/// it stays anonymous when no customer holds its identifiers), store it (newest version wins), and schedule the
/// abandonment check of every active cartAbandoned scenario at the checkout's last update plus the trigger's delay.
/// The check is a delayed message on <c>checkout-timers</c> with a row in a due index (the sweep's safety net, as for
/// scenario wake-ups); it decides again on what is stored then, so an order or a later update in between starts
/// nothing, and the enrollment id is a function of scenario, customer and checkout, so duplicates start one.
/// </summary>
public sealed partial class CheckoutProcessor(
    RawPayloads raw,
    CheckoutStore store,
    CustomerStore customers,
    ScenarioStore scenarios,
    ScenarioEventPublisher publisher,
    StorageClients clients,
    ShopTime shop,
    TimeProvider time,
    ILogger<CheckoutProcessor> logger)
{
    private const string DuePrefix = "due|";
    private readonly QueueClient _incoming = clients.Queue(StorageCatalog.Queues.CheckoutsIncoming);
    private readonly QueueClient _timers = clients.Queue(StorageCatalog.Queues.CheckoutTimers);
    private readonly TableClient _index = clients.Table(StorageCatalog.Tables.Checkouts);

    /// <summary>The trigger key of a checkout's enrollment: with scenario and customer it makes the enrollment id.</summary>
    public static string TriggerKey(string checkoutId) => "checkout:" + checkoutId;

    public Task EnqueueAsync(IngestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _incoming.SendMessageAsync(message.ToJson(), cancellationToken);
    }

    public async Task<StoredCheckout> ProcessAsync(IngestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = await raw.ReadAsync(message.Blob, cancellationToken).ConfigureAwait(false)
            ?? throw new UnreadablePayloadException($"Stored payload {message.Blob} does not exist.");
        var parsed = message.Kind switch
        {
            PayloadKind.ShopifyCheckout => ShopifyCheckoutJson.Parse(payload.Content.ToMemory().Span, shop.Zone),
            PayloadKind.KozuchiCheckout => KozuchiCheckoutJson.Parse(payload.Content.ToMemory().Span, shop.Zone),
            _ => throw new UnreadablePayloadException($"{message.Blob}: {message.Kind} is not a checkout payload."),
        };
        return parsed.Checkout is { } checkout ? await IngestAsync(checkout, cancellationToken).ConfigureAwait(false)
            : throw new UnreadablePayloadException($"{message.Blob}: {parsed.Error}");
    }

    public async Task<StoredCheckout> IngestAsync(Checkout checkout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        var customer = await ResolveAsync(checkout, cancellationToken).ConfigureAwait(false);
        var stored = await store.UpsertAsync(checkout, customer?.CustomerId, cancellationToken).ConfigureAwait(false);

        // Scheduled on every delivery, even one that changed nothing: a retry whose first run died before this point
        // must still schedule. A duplicate check finds the same enrollment id.
        if (stored.Checkout.CompletedAt is null)
        {
            foreach (var definition in await scenarios.ActiveDefinitionsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (definition.Trigger is CartAbandonedTrigger trigger)
                {
                    await ScheduleAsync(new CheckoutTimerMessage { CheckoutId = stored.Checkout.Key.ToString(), ScenarioId = definition.Id, DueAt = stored.Checkout.UpdatedAt + trigger.EffectiveDelay }, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        LogStored(logger, stored.Checkout.Key.Source, stored.CustomerId is not null, stored.Checkout.Lines.Count);
        return stored;
    }

    /// <summary>
    /// Orders that name the checkout they completed (Shopify <c>checkout_token</c>, the generic webhook's
    /// <c>cart_token</c>) mark it completed, so its check starts nothing even when the order resolved to another
    /// customer than the checkout (a guest checkout, a different e-mail address).
    /// </summary>
    public async Task<int> MarkOrderedAsync(IngestResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var marked = 0;
        foreach (var o in result.Orders.Where(o => o.Order is { Counts: true, CheckoutToken: not null }))
        {
            var id = new CheckoutKey(o.Order.Key.Source, o.Order.CheckoutToken!).ToString();
            marked += await store.MarkCompletedAsync(id, o.Order.OrderedAt, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return marked;
    }

    /// <summary>The delayed message (fast path) and its due-index row (written first: what the sweep finds if the message is lost).</summary>
    private async Task ScheduleAsync(CheckoutTimerMessage timer, CancellationToken cancellationToken)
    {
        await _index.UpsertEntityAsync(new TableEntity(DuePrefix + ScenarioTimers.Bucket(timer.DueAt), IndexRow(timer))
        {
            ["CheckoutId"] = timer.CheckoutId,
            ["ScenarioId"] = timer.ScenarioId,
            ["DueAt"] = timer.DueAt,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        var delay = timer.DueAt - time.GetUtcNow();
        delay = delay <= TimeSpan.Zero ? TimeSpan.Zero : delay > ScenarioTimers.MaxDelay ? ScenarioTimers.MaxDelay : delay;
        await _timers.SendMessageAsync(timer.ToJson(), delay, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
    }

    private static string IndexRow(CheckoutTimerMessage timer) =>
        TableKeys.Escape($"{timer.ScenarioId}|{timer.CheckoutId}|{timer.DueAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The checkout's timer: start the scenario if the checkout is abandoned now.</summary>
    public async Task<CheckoutTimerResult> HandleTimerAsync(CheckoutTimerMessage timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var now = time.GetUtcNow();
        if (timer.DueAt > now)
        {
            await _timers.SendMessageAsync(timer.ToJson(), timer.DueAt - now > ScenarioTimers.MaxDelay ? ScenarioTimers.MaxDelay : timer.DueAt - now, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
            return CheckoutTimerResult.Requeued;
        }

        var result = await CheckAsync(timer, now, cancellationToken).ConfigureAwait(false);
        await RemoveIndexAsync(timer, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Checks every due-index row past due by more than the grace: timers whose message was lost.</summary>
    public async Task<CheckoutSweepReport> SweepAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() - grace;
        var last = DuePrefix + ScenarioTimers.Bucket(until);
        var due = new List<CheckoutTimerMessage>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {DuePrefix} and PartitionKey le {last} and DueAt le {until}");
        await foreach (var e in _index.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            due.Add(new CheckoutTimerMessage { CheckoutId = e.GetString("CheckoutId"), ScenarioId = e.GetString("ScenarioId"), DueAt = e.GetDateTimeOffset("DueAt") ?? default });
        }

        var enrolled = 0;
        foreach (var timer in due)
        {
            enrolled += await HandleTimerAsync(timer, cancellationToken).ConfigureAwait(false) == CheckoutTimerResult.Enrolled ? 1 : 0;
        }

        return new CheckoutSweepReport(due.Count, enrolled);
    }

    private async Task<CheckoutTimerResult> CheckAsync(CheckoutTimerMessage timer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(timer.CheckoutId, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return CheckoutTimerResult.Dropped;
        }

        var definition = (await scenarios.ActiveDefinitionsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => d.Id == timer.ScenarioId);
        if (definition?.Trigger is not CartAbandonedTrigger trigger)
        {
            return CheckoutTimerResult.Dropped;
        }

        var customer = stored.CustomerId is { } id ? await customers.GetActiveAsync(id, cancellationToken).ConfigureAwait(false) : null;
        if (customer is null)
        {
            // Anonymous when stored: an identifier may have become a customer since (kept until one appears or the checkout expires).
            customer = await ResolveAsync(stored.Checkout, cancellationToken).ConfigureAwait(false);
            if (customer is not null)
            {
                stored = await store.UpsertAsync(stored.Checkout, customer.CustomerId, cancellationToken).ConfigureAwait(false);
            }
        }

        var profile = customer?.ToProfile();
        var verdict = Abandonment.Check(stored.Checkout, trigger.EffectiveDelay, now, profile is not null, profile?.LastOrderAt);
        LogChecked(logger, timer.ScenarioId, verdict);
        if (verdict != AbandonmentVerdict.Abandoned || profile is null)
        {
            return CheckoutTimerResult.Dropped;
        }

        await publisher.PublishAsync(
            [new ScenarioEventItem { Kind = ScenarioEventKind.Enroll, CustomerId = profile.CustomerId, ScenarioId = definition.Id, TriggerKey = TriggerKey(timer.CheckoutId), CheckoutId = timer.CheckoutId }],
            cancellationToken).ConfigureAwait(false);
        return CheckoutTimerResult.Enrolled;
    }

    private async Task RemoveIndexAsync(CheckoutTimerMessage timer, CancellationToken cancellationToken)
    {
        try
        {
            await _index.DeleteEntityAsync(DuePrefix + ScenarioTimers.Bucket(timer.DueAt), IndexRow(timer), ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    private async Task<CustomerRecord?> ResolveAsync(Checkout checkout, CancellationToken cancellationToken)
    {
        foreach (var key in checkout.IdentityKeys())
        {
            if (await customers.FindByIdentityAsync(key, cancellationToken).ConfigureAwait(false) is { State: CustomerState.Active } found)
            {
                return found;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkout from {Source} stored (linked to a customer: {Linked}, {Lines} lines)")]
    private static partial void LogStored(ILogger logger, string source, bool linked, int lines);

    [LoggerMessage(Level = LogLevel.Information, Message = "Abandonment check for scenario {ScenarioId}: {Verdict}")]
    private static partial void LogChecked(ILogger logger, string scenarioId, AbandonmentVerdict verdict);
}
