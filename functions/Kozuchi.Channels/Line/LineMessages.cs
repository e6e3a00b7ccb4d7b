using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kozuchi.Channels.Line;

/// <summary>A LINE message object. Only the types campaigns use: text and flex.</summary>
public abstract record LineMessage
{
    /// <summary>LINE counts characters in UTF-16 code units, as <see cref="string.Length"/> does.</summary>
    public const int MaxTextLength = 5000;

    /// <summary>At most five message objects per push or multicast.</summary>
    public const int MaxPerRequest = 5;

    public abstract JsonObject ToJson();

    public static LineMessage Text(string text) => new LineText(text);

    /// <summary>A flex message: <paramref name="contents"/> is a bubble or carousel as JSON; <paramref name="altText"/> shows in notifications.</summary>
    public static LineMessage Flex(string altText, JsonElement contents) => new LineFlex(altText, contents);
}

public sealed record LineText : LineMessage
{
    public LineText(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (text.Length > MaxTextLength)
        {
            throw new ArgumentException($"A LINE text message holds at most {MaxTextLength} characters (UTF-16 units); this one has {text.Length}.", nameof(text));
        }

        Value = text;
    }

    public string Value { get; }

    public override JsonObject ToJson() => new() { ["type"] = "text", ["text"] = Value };
}

public sealed record LineFlex : LineMessage
{
    public LineFlex(string altText, JsonElement contents)
    {
        ArgumentException.ThrowIfNullOrEmpty(altText);
        var type = contents.ValueKind == JsonValueKind.Object && contents.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type is not ("bubble" or "carousel"))
        {
            throw new ArgumentException("Flex contents must be a bubble or a carousel.", nameof(contents));
        }

        AltText = altText;
        Contents = contents;
    }

    public string AltText { get; }
    public JsonElement Contents { get; }

    public override JsonObject ToJson() => new() { ["type"] = "flex", ["altText"] = AltText, ["contents"] = JsonNode.Parse(Contents.GetRawText()) };
}

/// <summary>Message objects back from their JSON (what a template rendered): text and flex, the types campaigns send.</summary>
public static class LineMessageJson
{
    // Japanese as it is, not \uXXXX: the JSON is compared, logged and shown, never embedded in HTML.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(IReadOnlyList<LineMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return new JsonArray([.. messages.Select(m => (JsonNode)m.ToJson())]).ToJsonString(Readable);
    }

    public static IReadOnlyList<LineMessage> Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateArray().Select(m => m.GetProperty("type").GetString() switch
        {
            "text" => LineMessage.Text(m.GetProperty("text").GetString()!),
            "flex" => LineMessage.Flex(m.GetProperty("altText").GetString()!, m.GetProperty("contents").Clone()),
            var other => throw new FormatException($"LINE message type '{other}' is not one Kozuchi sends."),
        })];
    }
}
