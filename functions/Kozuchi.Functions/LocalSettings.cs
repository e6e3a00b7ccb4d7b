using System.Text.Json;

namespace Kozuchi.Functions;

/// <summary>
/// Reads <c>Values</c> from local.settings.json as <c>func start</c> would, so <c>kozuchi serve</c> and a local
/// Functions host are configured by the same file. Environment variables still win.
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
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
