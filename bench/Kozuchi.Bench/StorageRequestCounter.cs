using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using Azure.Core.Diagnostics;

namespace Kozuchi.Bench;

/// <summary>
/// Counts the storage requests this process makes, from the Azure SDK's request events (the same events Azure.Core
/// writes for every HTTP request it sends), by table, queue or container and kind. A retried request counts each time
/// it is sent, as Azure bills it.
/// </summary>
internal sealed class StorageRequestCounter : IDisposable
{
    private static readonly AsyncLocal<bool> Excluded = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly AzureEventSourceListener _listener;

    public StorageRequestCounter() => _listener = new AzureEventSourceListener(Count, EventLevel.Informational);

    /// <summary>
    /// Requests sent from within the scope (the bench's own set-up and checks) are not counted; requests the app sends
    /// meanwhile on other flows are. The SDK writes its request event on the flow that sends the request.
    /// </summary>
    public static IDisposable Exclude()
    {
        var before = Excluded.Value;
        Excluded.Value = true;
        return new Scope(before);
    }

    private sealed class Scope(bool before) : IDisposable
    {
        public void Dispose() => Excluded.Value = before;
    }

    public long Total => _counts.Values.Sum();

    /// <summary>The counts so far, and a fresh start.</summary>
    public IReadOnlyDictionary<string, long> Take()
    {
        var taken = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in _counts.Keys)
        {
            if (_counts.TryRemove(key, out var n))
            {
                taken[key] = n;
            }
        }

        return taken;
    }

    private void Count(EventWrittenEventArgs e, string message)
    {
        if (Excluded.Value || e.EventName != "Request" || e.Payload is not { Count: >= 3 } payload || payload[1] is not string method || payload[2] is not string uri)
        {
            return;
        }

        _counts.AddOrUpdate(Classify(method, new Uri(uri)), 1, (_, n) => n + 1);
    }

    /// <summary>"table kind": what the request was for, e.g. <c>benchKozuchiOrders query</c>, <c>benchorders-incoming receive</c>.</summary>
    internal static string Classify(string method, Uri uri)
    {
        var path = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = path.Length > 1 ? Uri.UnescapeDataString(path[1]) : "?";
        var paren = resource.IndexOf('(', StringComparison.Ordinal);
        var blob = path.Length > 2 && path[2] != "messages";
        var kind = method switch
        {
            "GET" when paren >= 0 && resource.Contains("RowKey", StringComparison.Ordinal) => "point read",
            "GET" when path.Length > 2 && path[2] == "messages" => uri.Query.Contains("peekonly", StringComparison.Ordinal) ? "peek" : "receive",
            "GET" when blob => "blob read",
            "GET" when uri.Query.Contains("comp=metadata", StringComparison.Ordinal) => "properties",
            "GET" => "query",
            "HEAD" => "properties",
            "POST" when resource == "$batch" => "batch",
            "POST" when path.Length > 2 && path[2] == "messages" => "send message",
            "POST" => "insert",
            "PUT" when blob => "blob write",
            "PUT" or "PATCH" or "MERGE" => "update",
            "DELETE" when path.Length > 2 && path[2] == "messages" => "delete message",
            "DELETE" => "delete",
            _ => method,
        };
        return $"{(paren >= 0 ? resource[..paren] : resource)} {kind}";
    }

    public void Print(string item, long items) => Print(item, items, Take());

    public static void Print(string item, long items, IReadOnlyDictionary<string, long> counts)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# storage requests per item: {item} ({items:N0} items, Azure SDK request events)"));
        foreach (var (key, n) in counts.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#   {key}: {n:N0} ({(double)n / Math.Max(1, items):N3})"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#   total: {counts.Values.Sum():N0} ({(double)counts.Values.Sum() / Math.Max(1, items):N3})"));
    }

    public void Dispose() => _listener.Dispose();
}
