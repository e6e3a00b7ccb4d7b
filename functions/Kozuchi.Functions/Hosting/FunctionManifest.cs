using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting;

/// <summary>
/// Writes <c>&lt;dir&gt;/&lt;FunctionName&gt;/function.json</c> for every registered function: the host learns
/// each function's trigger only from these files, so they are generated from the registry, never hand-written.
/// </summary>
public static class FunctionManifest
{
    public const string Connection = StorageConnection.SettingName;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Where blob triggers get their events: Event Grid in Azure (the only source on Flex Consumption).</summary>
    public enum BlobSource
    {
        EventGrid,
        LogsAndContainerScan,
    }

    public static IReadOnlyList<string> Write(FunctionRegistry registry, StorageNames names, string directory, BlobSource blobSource = BlobSource.EventGrid)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var function in registry.Functions.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var folder = Path.Combine(directory, function.Name);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "function.json");
            File.WriteAllText(path, Describe(function, names, blobSource).ToJsonString(Indented) + "\n");
            written.Add(path);
        }

        return written;
    }

    public static JsonObject Describe(FunctionDefinition function, StorageNames names, BlobSource blobSource = BlobSource.EventGrid)
    {
        var bindings = new JsonArray();
        switch (function.Trigger)
        {
            case HttpTrigger http:
                bindings.Add(new JsonObject
                {
                    ["type"] = "httpTrigger",
                    ["direction"] = "in",
                    ["name"] = http.BindingName,
                    ["authLevel"] = http.AuthLevel.ToString().ToLowerInvariant(),
                    ["methods"] = new JsonArray([.. http.Methods.Select(m => (JsonNode)m.ToLowerInvariant())]),
                    ["route"] = http.Route,
                });
                // HTTP in and HTTP out only: the condition for the host to forward the request untouched.
                bindings.Add(new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" });
                break;
            case QueueTrigger queue:
                bindings.Add(new JsonObject
                {
                    ["type"] = "queueTrigger",
                    ["direction"] = "in",
                    ["name"] = queue.BindingName,
                    ["queueName"] = names.Queue(queue.QueueName),
                    ["connection"] = Connection,
                });
                break;
            case TimerTrigger timer:
                bindings.Add(new JsonObject
                {
                    ["type"] = "timerTrigger",
                    ["direction"] = "in",
                    ["name"] = timer.BindingName,
                    ["schedule"] = timer.Schedule,
                    ["runOnStartup"] = timer.RunOnStartup,
                    ["useMonitor"] = timer.UseMonitor,
                });
                break;
            case BlobTrigger blob:
                var binding = new JsonObject
                {
                    ["type"] = "blobTrigger",
                    ["direction"] = "in",
                    ["name"] = blob.BindingName,
                    ["path"] = blob.PathPattern(names.Container(blob.ContainerName)),
                    ["connection"] = Connection,
                    // Binary so the host always sends base64, whatever the blob holds.
                    ["dataType"] = "binary",
                };
                if (blobSource == BlobSource.EventGrid)
                {
                    binding["source"] = "EventGrid";
                }

                bindings.Add(binding);
                break;
            default:
                throw new InvalidOperationException($"No manifest form for {function.Trigger.GetType().Name}.");
        }

        return new JsonObject { ["bindings"] = bindings };
    }
}
