using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Builds invocation payloads the way the Functions host does (scalar metadata JSON-quoted once more, numbers
/// as strings, blob content base64), so that locally delivered triggers go through the same parser as in Azure.
/// </summary>
internal static class HostPayloads
{
    public static byte[] Queue(string bindingName, string text, string id, long dequeueCount, DateTimeOffset? insertionTime, DateTimeOffset? expirationTime, string popReceipt, DateTimeOffset now) =>
        Serialize(
            new JsonObject { [bindingName] = text },
            new JsonObject
            {
                ["DequeueCount"] = dequeueCount.ToString(CultureInfo.InvariantCulture),
                ["ExpirationTime"] = Quote(Format(expirationTime)),
                ["Id"] = Quote(id),
                ["InsertionTime"] = Quote(Format(insertionTime)),
                ["PopReceipt"] = Quote(popReceipt),
                ["sys"] = Sys("QueueTrigger", now),
            });

    public static byte[] Timer(string bindingName, bool isPastDue, DateTimeOffset? last, DateTimeOffset next, DateTimeOffset now) =>
        Serialize(
            new JsonObject
            {
                [bindingName] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = new JsonObject { ["Last"] = Format(last), ["Next"] = Format(next), ["LastUpdated"] = Format(now) },
                    ["IsPastDue"] = isPastDue,
                },
            },
            new JsonObject { ["sys"] = Sys("TimerTrigger", now) });

    public static byte[] Blob(string bindingName, string container, string name, ReadOnlySpan<byte> content, Uri uri, DateTimeOffset now) =>
        Serialize(
            new JsonObject { [bindingName] = Convert.ToBase64String(content) },
            new JsonObject
            {
                ["BlobTrigger"] = Quote($"{container}/{name}"),
                ["Uri"] = Quote(uri.ToString()),
                ["name"] = Quote(name),
                ["sys"] = Sys("BlobTrigger", now),
            });

    private static JsonObject Sys(string method, DateTimeOffset now) => new()
    {
        ["MethodName"] = method,
        ["UtcNow"] = Format(now),
        ["RandGuid"] = string.Empty,
    };

    private static string Quote(string? value) => JsonSerializer.Serialize(value ?? string.Empty);

    private static string? Format(DateTimeOffset? t) => t?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static byte[] Serialize(JsonObject data, JsonObject metadata) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["Data"] = data, ["Metadata"] = metadata });
}
