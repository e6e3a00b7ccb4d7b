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
