using System.Globalization;
using System.Text.Json.Nodes;

namespace Kozuchi.Channels.Pulls;

/// <summary>Small readers the adapters share: the carts' list fields they filter and page on.</summary>
internal static class CartJson
{
    /// <summary>BASE and カラーミー take and give times in Japan time, without an offset.</summary>
    public static readonly TimeSpan Japan = TimeSpan.FromHours(9);

    public static string JapanTime(DateTimeOffset t) => t.ToOffset(Japan).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static IReadOnlyList<JsonObject> Objects(JsonNode? array) =>
        array is JsonArray a ? [.. a.OfType<JsonObject>()] : [];

    /// <summary>A time as unix seconds, or as text (without an offset: Japan time). Null when absent or unreadable.</summary>
    public static DateTimeOffset? Time(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var unix))
        {
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        if (v.TryGetValue<string>(out var text))
        {
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out unix))
            {
                return DateTimeOffset.FromUnixTimeSeconds(unix);
            }

            if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
            {
                return parsed.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(parsed, Japan) : new DateTimeOffset(parsed.ToUniversalTime(), TimeSpan.Zero);
            }
        }

        return null;
    }

    public static int? Int(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : node is JsonValue s && s.TryGetValue<string>(out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out i) ? i
        : null;

    public static string Query(params (string Name, string Value)[] parameters) =>
        string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
}
