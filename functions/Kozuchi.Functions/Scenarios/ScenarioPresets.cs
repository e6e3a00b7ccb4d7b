using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kozuchi.Functions.Scenarios;

/// <summary>A preset as the scenario builder opens it: the definition of <c>scenarios/presets/{Id}.json</c>, comments dropped.</summary>
public sealed record ScenarioPreset(string Id, string? Name, string? Description, JsonObject Definition);

/// <summary>
/// The presets in <c>scenarios/presets/</c>, embedded in the executable like the templates they name, so the
/// dashboard's "create from preset" (次の一手) works in any deployment. They are worked examples, not stored
/// scenarios: the builder copies one under a new id (the preset's id and a suffix, so its results count for the preset).
/// </summary>
public static class ScenarioPresets
{
    private const string ResourcePrefix = "presets/";

    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static IReadOnlyList<ScenarioPreset> All { get; } = Load();

    private static List<ScenarioPreset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var presets = new List<ScenarioPreset>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var definition = JsonNode.Parse(stream, documentOptions: Options) as JsonObject ?? throw new InvalidDataException($"{name} is not a JSON object.");
            var id = name[ResourcePrefix.Length..^".json".Length];
            if ((string?)definition["id"] != id)
            {
                throw new InvalidDataException($"{name} holds preset '{definition["id"]}'; the file is named after its id.");
            }

            presets.Add(new ScenarioPreset(id, (string?)definition["name"], (string?)definition["description"], definition));
        }

        return presets;
    }
}
