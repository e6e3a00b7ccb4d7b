using System.Text.Json;

namespace Kozuchi.Functions;

/// <summary>
/// Reads <c>Values</c> from local.settings.json as <c>func start</c> would, so <c>kozuchi serve</c> and a local
/// Functions host are configured by the same file. Environment variables still win. Like <c>func start</c>, only the
/// file in the directory the command runs in is read (<c>scripts/start</c> runs from the repository root), never one
/// in a parent: the test host runs below the repository, and the settings <c>scripts/start</c> wrote there (its
/// generated secrets, the sample's placeholders) must not leak into tests.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    public static void AddTo(ConfigurationManager configuration)
    {
        var path = Find();
        if (path is null)
        {
            return;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!doc.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var settings = values.EnumerateObject()
            .Where(p => Environment.GetEnvironmentVariable(p.Name) is null)
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString());
        configuration.AddInMemoryCollection(settings);
    }

    private static string? Find()
    {
        var candidate = Path.Combine(Directory.GetCurrentDirectory(), FileName);
        return File.Exists(candidate) ? candidate : null;
    }
}
