using System.Text.Json;

namespace Kozuchi.Channels.Line;

public enum LineEventKind
{
    Follow,
    Unfollow,
    AccountLink,
    Other,
}

/// <summary>The parts of a webhook event Kozuchi acts on. User ids are personal data: never logged.</summary>
public sealed record LineEvent(LineEventKind Kind, string Type, string? UserId, string? WebhookEventId, DateTimeOffset Timestamp, bool IsRedelivery)
{
    public bool? IsUnblocked { get; init; }
    public bool? LinkSucceeded { get; init; }
    public string? LinkNonce { get; init; }
}

public static class LineWebhook
{
    /// <summary>Parses a verified body. An empty <c>events</c> array is LINE's connectivity check: nothing to do.</summary>
    public static IReadOnlyList<LineEvent> Parse(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var doc = JsonDocument.ParseValue(ref reader);
        if (!doc.RootElement.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("A LINE webhook body has an events array.");
        }

        var list = new List<LineEvent>();
        foreach (var e in events.EnumerateArray())
        {
            var type = Str(e, "type") ?? string.Empty;
            var userId = e.TryGetProperty("source", out var source) ? Str(source, "userId") : null;
            var ts = e.TryGetProperty("timestamp", out var t) && t.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : default;
            var redelivery = e.TryGetProperty("deliveryContext", out var dc) && dc.TryGetProperty("isRedelivery", out var r) && r.ValueKind == JsonValueKind.True;
            var kind = type switch
            {
                "follow" => LineEventKind.Follow,
                "unfollow" => LineEventKind.Unfollow,
                "accountLink" => LineEventKind.AccountLink,
                _ => LineEventKind.Other,
            };
            var ev = new LineEvent(kind, type, userId, Str(e, "webhookEventId"), ts, redelivery);
            if (kind == LineEventKind.Follow && e.TryGetProperty("follow", out var f) && f.TryGetProperty("isUnblocked", out var u))
            {
                ev = ev with { IsUnblocked = u.ValueKind == JsonValueKind.True };
            }

            if (kind == LineEventKind.AccountLink && e.TryGetProperty("link", out var link))
            {
                ev = ev with { LinkSucceeded = Str(link, "result") == "ok", LinkNonce = Str(link, "nonce") };
            }

            list.Add(ev);
        }

        return list;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
