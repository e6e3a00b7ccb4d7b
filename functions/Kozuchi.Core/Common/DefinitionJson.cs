using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kozuchi.Core.Common;

/// <summary>
/// JSON settings of the definitions shops write (segments, scenarios): camelCase, enums as camelCase strings,
/// comments and trailing commas allowed, unknown properties rejected so a typo is an error rather than a silent default.
/// </summary>
public static class DefinitionJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>A binding failure as a validation error at its JSON path (and line, when the reader knows it).</summary>
    public static ValidationError ToError(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var path = exception.Path ?? "$";
        var line = exception.LineNumber is { } l ? $" (line {l + 1})" : "";
        var message = exception.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return new ValidationError(path, (cut > 0 ? message[..cut] : message) + line);
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            AllowOutOfOrderMetadataProperties = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            RespectNullableAnnotations = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
