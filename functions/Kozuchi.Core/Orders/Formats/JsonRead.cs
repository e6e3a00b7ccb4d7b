using System.Globalization;
using System.Text.Json;

namespace Kozuchi.Core.Orders.Formats;

/// <summary>Lenient readers for cart JSON: money and ids come as strings or numbers depending on the cart.</summary>
internal static class JsonRead
{
    public static JsonElement? Prop(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined ? v : null;

    /// <summary>
    /// A string, number or boolean as text; null when absent, JSON null, blank, or the literal <c>"NULL"</c>/<c>"null"</c>
    /// that carts and their database exports write for a missing value.
    /// </summary>
    public static string? Str(this JsonElement e, string name) => e.Prop(name) switch
    {
        { ValueKind: JsonValueKind.String } v => IsMissing(v.GetString()) ? null : v.GetString(),
        { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
        { ValueKind: JsonValueKind.True } => "true",
        { ValueKind: JsonValueKind.False } => "false",
        _ => null,
    };

    /// <summary>Blank, or the text a cart writes for "no value".</summary>
    public static bool IsMissing(string? text) => string.IsNullOrWhiteSpace(text) || text.Trim() is "NULL" or "null";

    /// <summary>The element at a dotted path (<c>total_price_set.shop_money</c>), or null where any step is missing.</summary>
    public static JsonElement? Path(this JsonElement e, string path)
    {
        JsonElement? current = e;
        foreach (var step in path.Split('.'))
        {
            current = current?.Prop(step);
        }

        return current;
    }

    public static decimal? Money(this JsonElement e, string name)
    {
        var text = e.Str(name);
        if (text is null)
        {
            return null;
        }

        var cleaned = text.Replace(",", string.Empty, StringComparison.Ordinal).Replace("¥", string.Empty, StringComparison.Ordinal).Replace("￥", string.Empty, StringComparison.Ordinal).Trim();
        return decimal.TryParse(cleaned, NumberStyles.Number, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new FormatException($"'{name}' is not an amount: {text}");
    }

    public static int? Int(this JsonElement e, string name)
    {
        var text = e.Str(name);
        return text is null ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
            : throw new FormatException($"'{name}' is not a whole number: {text}");
    }

    public static bool? Bool(this JsonElement e, string name) => e.Prop(name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.String } v when bool.TryParse(v.GetString(), out var b) => b,
        _ => null,
    };

    public static DateTimeOffset? Time(this JsonElement e, string name, TimeZoneInfo zone)
    {
        var text = e.Str(name);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unix))
        {
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            if (parsed.Kind != DateTimeKind.Unspecified)
            {
                return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None);
            }

            // No offset given: the shop's local time.
            return new DateTimeOffset(parsed, zone.GetUtcOffset(parsed));
        }

        throw new FormatException($"'{name}' is not a date and time: {text}");
    }
}
