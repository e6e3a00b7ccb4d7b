using System.Reflection;
using System.Text.Json;
using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Templates that exist before the shop writes any, so every preset scenario sends something sensible on day one: the
/// files in <c>scenarios/templates/</c> (one per template id, Japanese with an English variant), embedded in the
/// executable. A stored template of the same id replaces its default (<c>PUT /api/templates/{id}</c>).
/// </summary>
public static class DefaultTemplates
{
    private const string ResourcePrefix = "templates/";

    public static IReadOnlyList<MessageTemplate> All { get; } = Load();

    public static MessageTemplate? Find(string id) => All.FirstOrDefault(t => t.Id == id);

    private static List<MessageTemplate> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var templates = new List<MessageTemplate>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var template = JsonSerializer.Deserialize<MessageTemplate>(stream, MessageTemplate.Json)
                ?? throw new InvalidDataException($"{name} is JSON null.");
            var id = name[ResourcePrefix.Length..^".json".Length];
            templates.Add(template.Id == id ? template : throw new InvalidDataException($"{name} holds template '{template.Id}'; the file is named after its id."));
        }

        return templates;
    }
}
