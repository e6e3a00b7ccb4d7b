using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kozuchi.Functions.Hosting.Invocation;

/// <summary>
/// The host's <c>{"Data": {...}, "Metadata": {...}}</c> request, read defensively: the host serialises
/// scalar metadata with Newtonsoft one level too many (<c>"Id": "\"8c3f…\""</c>), numbers and dates arrive as
/// strings, binary arrives as base64, and a queue message may be a JSON string or an inlined object.
/// </summary>
public sealed class InvocationPayload
{
    private readonly JsonElement _data;
    private readonly JsonElement _metadata;

    private InvocationPayload(JsonElement data, JsonElement metadata)
    {
        _data = data;
        _metadata = metadata;
    }

    /// <summary>Parses the whole body up front so that a malformed payload fails before any handler runs.</summary>
    public static InvocationPayload Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidInvocationException($"The invocation body is not JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInvocationException("The invocation body must be a JSON object with 'Data' and 'Metadata'.");
            }

            var data = FindProperty(root, "Data");
            if (data is not { ValueKind: JsonValueKind.Object } dataObject)
            {
                throw new InvalidInvocationException("The invocation body has no 'Data' object.");
            }

            var metadata = FindProperty(root, "Metadata");
            var metadataObject = metadata is { ValueKind: JsonValueKind.Object } m ? m.Clone() : EmptyObject();
            return new InvocationPayload(dataObject.Clone(), metadataObject);
        }
    }

    /// <summary>A trigger's value in <c>Data</c>; missing is an error that names the binding.</summary>
    public JsonElement RequireData(string bindingName) =>
        FindProperty(_data, bindingName) ?? throw new InvalidInvocationException($"The invocation's 'Data' has no '{bindingName}' binding.");

    public JsonElement? Metadata(string key) => FindProperty(_metadata, key);

    /// <summary>A metadata string with any extra JSON quoting removed.</summary>
    public string? MetadataString(string key) => Metadata(key) is { } value ? Unwrap(value) : null;

    public long? MetadataInt64(string key)
    {
        var text = MetadataString(key);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    public DateTimeOffset? MetadataTime(string key) => ParseTime(MetadataString(key));

    /// <summary>The text of a value that may be a string (possibly JSON-quoted again) or an inlined JSON value.</summary>
    public static string? Unwrap(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                var s = value.GetString()!;
                // Newtonsoft's SerializeObject on a string gives a JSON string literal; the host then nests it.
                if (s.Length >= 2 && s[0] == '"' && s[^1] == '"')
                {
                    try
                    {
                        return JsonSerializer.Deserialize<string>(s) ?? s;
                    }
                    catch (JsonException)
                    {
                        return s;
                    }
                }

                return s;
            default:
                return value.GetRawText();
        }
    }

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;

    /// <summary>Binary content: base64 (as the host sends blobs); a JSON-quoted base64 string is accepted too.</summary>
    public static byte[] DecodeBase64(JsonElement value, string bindingName)
    {
        var text = Unwrap(value) ?? throw new InvalidInvocationException($"The '{bindingName}' binding has no content.");
        var buffer = new byte[text.Length];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            return buffer.AsSpan(0, written).ToArray();
        }

        throw new InvalidInvocationException($"The '{bindingName}' binding is not base64 content.");
    }

    private static JsonElement? FindProperty(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static JsonElement EmptyObject()
    {
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetBytes("{}"));
        return doc.RootElement.Clone();
    }
}

/// <summary>The payload could not be understood; the invocation answers 400 and nothing runs.</summary>
public sealed class InvalidInvocationException(string message) : Exception(message);
