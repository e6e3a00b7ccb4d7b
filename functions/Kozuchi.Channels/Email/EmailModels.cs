namespace Kozuchi.Channels.Email;

/// <summary>One email to one recipient, rendered. Headers carry List-Unsubscribe and friends.</summary>
public sealed record EmailMessage(string To, string? ToName, string Subject, string Html, string PlainText)
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The preview line mail apps show after the subject; already in <see cref="Html"/> as its hidden first text.</summary>
    public string? Preheader { get; init; }
}

/// <summary>
/// Who this send is, for the provider's idempotency: the key (campaign + customer + step, say) and when it was first
/// attempted. Both come from the send ledger or queue message, so a retry presents the same pair.
/// </summary>
public sealed record SendAttempt(string IdempotencyKey, DateTimeOffset FirstSentAt);

public enum EmailSendStatus
{
    /// <summary>ACS took the request (202); the operation may still be running: poll it.</summary>
    Accepted,

    /// <summary>The operation succeeded: ACS accepted the mail for delivery (not yet delivered; Event Grid says that).</summary>
    Succeeded,

    /// <summary>Permanent: bad request, bad auth, a failed operation. Retrying the same request will not help.</summary>
    Failed,

    /// <summary>Over the send rate (ours or ACS's 429): try again after <see cref="EmailSendResult.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>Transient: 5xx, timeout, network. Retry with the same <see cref="SendAttempt"/>.</summary>
    Retryable,
}

public sealed record EmailSendResult(EmailSendStatus Status, string? OperationId = null, Uri? OperationLocation = null, TimeSpan? RetryAfter = null, string? ErrorCode = null, int? HttpStatus = null)
{
    public bool IsTerminal => Status is EmailSendStatus.Succeeded or EmailSendStatus.Failed;
}

public sealed class AcsEmailOptions
{
    /// <summary><c>endpoint=…;accesskey=…</c>: HMAC auth. Leave empty and set <see cref="Endpoint"/> for Entra ID.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The resource endpoint for Entra ID (managed identity) auth.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>DoNotReply@&lt;verified domain&gt;</c>.</summary>
    public string Sender { get; set; } = string.Empty;

    public string ApiVersion { get; set; } = "2023-03-31";

    /// <summary>Per request; a request that takes longer is abandoned and reported retryable.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Sends per minute across all instances (ACS custom domain default: 30).</summary>
    public int SendsPerMinute { get; set; } = 30;

    /// <summary>How long <see cref="AcsEmailClient.SendAndWaitAsync"/> keeps polling before handing back Accepted.</summary>
    public int MaxPolls { get; set; } = 20;
}
