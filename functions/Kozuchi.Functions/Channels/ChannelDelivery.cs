using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Channels;

public enum DeliveryOutcome
{
    /// <summary>The provider took it (or the recipient is on the list): ledger → sent.</summary>
    Sent,

    /// <summary>Refused for good: ledger → failed, and the enrollment falls back to its next channel.</summary>
    Failed,

    /// <summary>Over a rate: try this and the rest of the batch again after <see cref="DeliveryResult.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>Transient (5xx, timeout, network): the queue message is retried with the same idempotency key.</summary>
    Retryable,
}

/// <summary>What one delivery came to; <see cref="Detail"/> is the provider's id when sent, its error code otherwise.</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Detail = null, TimeSpan? RetryAfter = null)
{
    public static DeliveryResult Sent(string? id) => new(DeliveryOutcome.Sent, id);

    public static DeliveryResult Failed(string? code) => new(DeliveryOutcome.Failed, code);

    /// <summary>
    /// The provider will take nothing more for a while (LINE's monthly quota): the rest of the batch fails with the
    /// same reason without being attempted, so the enrollments fall back instead of hammering a closed door.
    /// </summary>
    public bool StopsChannel { get; init; }

    /// <summary>Who took a sent send (<see cref="ProviderStatus.Name"/>): the ledger keeps it, and results count <c>sandbox</c> apart.</summary>
    public string? Provider { get; init; }
}

/// <summary>
/// One send to deliver: the batch it came in, the recipient, the customer as stored now (consent already checked),
/// the template, and the provider idempotency pair (<see cref="IdempotencyKey"/>, <see cref="FirstAttemptAt"/>) that
/// every retry presents unchanged.
/// </summary>
public sealed record DeliveryRequest(SendBatchMessage Batch, SendRecipient Recipient, CustomerRecord Customer, MessageTemplate? Template, DateTimeOffset FirstAttemptAt)
{
    /// <summary>The abandoned cart of a cart-recovery send, read at delivery time; null for every other send.</summary>
    public Kozuchi.Channels.Email.CartDetails? Cart { get; init; }

    public string IdempotencyKey => Recipient.Key;
}

/// <summary>The port each channel's sender implements: one provider behind it; expected failures are results.</summary>
public interface IChannelDelivery
{
    Channel Channel { get; }

    Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>What a recipient would receive, rendered; or why nothing can go (then <see cref="Refusal"/> is set).</summary>
public sealed record PreparedContent(string? Content, DeliveryResult? Refusal)
{
    public static PreparedContent Of(string content) => new(content, null);

    public static PreparedContent Refused(DeliveryResult refusal) => new(null, refusal);
}

/// <summary>
/// A channel whose provider takes one message to many recipients in one request (LINE multicast). The consumer
/// renders every claimed recipient first, sends those with equal content together through
/// <see cref="DeliverToManyAsync"/> and the rest one by one through <see cref="IChannelDelivery.DeliverAsync"/>.
/// </summary>
public interface IMulticastDelivery : IChannelDelivery
{
    /// <summary>Recipients per request the provider accepts.</summary>
    int MaxRecipientsPerRequest { get; }

    PreparedContent Prepare(DeliveryRequest request);

    /// <summary>
    /// One request to all of <paramref name="requests"/> with <paramref name="content"/>; <paramref name="idempotencyKey"/>
    /// is derived from the recipients' ledger keys so the same group retried is the same provider request.
    /// </summary>
    Task<DeliveryResult> DeliverToManyAsync(IReadOnlyList<DeliveryRequest> requests, string content, string idempotencyKey, CancellationToken cancellationToken);
}
