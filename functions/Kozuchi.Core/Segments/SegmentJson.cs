using System.Text.Json;
using Kozuchi.Core.Common;

namespace Kozuchi.Core.Segments;

/// <summary>Reads a segment definition, turning JSON mistakes into validation errors rather than exceptions.</summary>
public static class SegmentJson
{
    public static (SegmentDefinition? Definition, IReadOnlyList<ValidationError> Errors) Parse(string json)
    {
        SegmentDefinition? definition;
        try
        {
            definition = JsonSerializer.Deserialize<SegmentDefinition>(json, DefinitionJson.Options);
        }
        catch (JsonException e)
        {
            return (null, [DefinitionJson.ToError(e)]);
        }

        if (definition is null)
        {
            return (null, [new("$", "The document is empty.")]);
        }

        var errors = SegmentValidator.Validate(definition);
        return (errors.Count == 0 ? definition : null, errors);
    }

    public static string Write(SegmentDefinition definition) => JsonSerializer.Serialize(definition, DefinitionJson.Options);
}
