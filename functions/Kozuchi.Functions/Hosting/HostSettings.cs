using System.Globalization;
using System.Text.Json;

namespace Kozuchi.Functions.Hosting;

/// <summary>
/// The trigger semantics of host.json, read from the same file the Functions host reads, so that the local
/// runtime retries, poisons and polls exactly as Azure does.
/// </summary>
public sealed record HostSettings
{
    public int QueueBatchSize { get; init; } = 16;
    public int QueueNewBatchThreshold { get; init; } = 8;
    public int MaxDequeueCount { get; init; } = 5;
    public TimeSpan QueueVisibilityTimeout { get; init; } = TimeSpan.Zero;
    public TimeSpan QueueMaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);
    public string QueueMessageEncoding { get; init; } = "base64";
    public TimeSpan FunctionTimeout { get; init; } = TimeSpan.FromMinutes(30);
    public string RoutePrefix { get; init; } = "api";

    /// <summary>The blob trigger retries a blob this many times before its poison message (host default 5).</summary>
    public int BlobMaxAttempts => MaxDequeueCount;

    public static HostSettings Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return FromJson(doc.RootElement);
    }

    /// <summary>host.json next to the executable (deployment package), or the repository's when run from source.</summary>
    public static string Locate()
    {
        foreach (var dir in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "host.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("host.json was not found next to the executable or in a parent directory.");
    }

    public static HostSettings FromJson(JsonElement root)
    {
        var settings = new HostSettings();
        if (Get(root, "functionTimeout") is { } timeout)
        {
            settings = settings with { FunctionTimeout = ParseSpan(timeout) };
        }

        if (Get(root, "extensions") is { } ext)
        {
            if (Get(ext, "queues") is { } q)
            {
                settings = settings with
                {
                    QueueBatchSize = Get(q, "batchSize")?.GetInt32() ?? settings.QueueBatchSize,
                    QueueNewBatchThreshold = Get(q, "newBatchThreshold")?.GetInt32() ?? settings.QueueNewBatchThreshold,
                    MaxDequeueCount = Get(q, "maxDequeueCount")?.GetInt32() ?? settings.MaxDequeueCount,
                    QueueVisibilityTimeout = Get(q, "visibilityTimeout") is { } v ? ParseSpan(v) : settings.QueueVisibilityTimeout,
                    QueueMaxPollingInterval = Get(q, "maxPollingInterval") is { } p ? ParseSpan(p) : settings.QueueMaxPollingInterval,
                    QueueMessageEncoding = Get(q, "messageEncoding")?.GetString() ?? settings.QueueMessageEncoding,
                };
            }

            if (Get(ext, "http") is { } http && Get(http, "routePrefix")?.GetString() is { } prefix)
            {
                settings = settings with { RoutePrefix = prefix };
            }
        }

        return settings;
    }

    private static JsonElement? Get(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : null;

    private static TimeSpan ParseSpan(JsonElement e) => TimeSpan.Parse(e.GetString()!, CultureInfo.InvariantCulture);
}
