using System.Text.Json;

namespace Kozuchi.Channels.Email;

public enum EmailDeliveryStatus
{
    Delivered,
    Expanded,
    Failed,
    Bounced,
    Suppressed,
    Quarantined,
    FilteredSpam,
    Unknown,
}

/// <summary>One <c>Microsoft.Communication.EmailDeliveryReportReceived</c>: one recipient of one send operation.</summary>
public sealed record EmailDeliveryReport(string EventId, string MessageId, string Recipient, EmailDeliveryStatus Status, string? StatusMessage, DateTimeOffset? AttemptedAt)
{
    /// <summary>
    /// The address will not take mail: a hard bounce, or ACS already suppressing it. Sending again hurts the domain's
    /// reputation, so the customer's email is suppressed. Failed, quarantine and spam filtering may be temporary.
    /// </summary>
    public bool SuppressesAddress => Status is EmailDeliveryStatus.Bounced or EmailDeliveryStatus.Suppressed;
}

/// <summary>An Event Grid delivery: a subscription handshake, delivery reports, or events we do not use.</summary>
public sealed record EventGridBatch(string? ValidationCode, IReadOnlyList<EmailDeliveryReport> Reports, int Ignored);

/// <summary>Event Grid schema (an array of events), as a webhook subscription delivers it.</summary>
public static class EventGridEvents
{
    public const string SubscriptionValidation = "Microsoft.EventGrid.SubscriptionValidationEvent";
    public const string EmailDeliveryReport = "Microsoft.Communication.EmailDeliveryReportReceived";

    public static EventGridBatch Parse(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var events = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
        string? validation = null;
        var reports = new List<EmailDeliveryReport>();
        var ignored = 0;
        foreach (var e in events)
        {
            var type = Str(e, "eventType") ?? Str(e, "type");
            var data = e.TryGetProperty("data", out var d) ? d : default;
            switch (type)
            {
                case SubscriptionValidation:
                    validation = Str(data, "validationCode");
                    break;
                case EmailDeliveryReport when Str(data, "messageId") is { } messageId && Str(data, "recipient") is { } recipient:
                    reports.Add(new EmailDeliveryReport(
                        Str(e, "id") ?? messageId + "/" + recipient,
                        messageId,
                        recipient,
                        Enum.TryParse<EmailDeliveryStatus>(Str(data, "status"), ignoreCase: true, out var s) ? s : EmailDeliveryStatus.Unknown,
                        data.TryGetProperty("deliveryStatusDetails", out var details) ? Str(details, "statusMessage") : null,
                        Str(data, "deliveryAttemptTimeStamp") is { } at && DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var when) ? when : null));
                    break;
                default:
                    ignored++;
                    break;
            }
        }

        return new EventGridBatch(validation, reports, ignored);
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
