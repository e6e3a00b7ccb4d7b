using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;

namespace Kozuchi.Testing;

/// <summary>
/// The storage requests sent from one asynchronous flow (the test's call and what it awaits or starts), from the Azure
/// SDK's request events: tests running at the same time in the process are not counted. A test says how many requests
/// a call cost, and of which kind, where the number is the behaviour (a page's reads, a batch's transactions).
/// </summary>
public sealed class StorageRequestLog : IDisposable
{
    private static readonly AsyncLocal<StorageRequestLog?> Current = new();
    private readonly ConcurrentQueue<(string Method, Uri Uri)> _requests = new();
    private readonly AzureEventSourceListener _listener;

    public StorageRequestLog() => _listener = new AzureEventSourceListener(Record, EventLevel.Informational);

    /// <summary>Every request sent so far within <see cref="RecordAsync{T}"/>, in the order sent.</summary>
    public IReadOnlyList<(string Method, Uri Uri)> Requests => [.. _requests];

    /// <summary>Requests reading one entity (a GET naming a row key).</summary>
    public int PointReads(string table) => Requests.Count(r => r.Method == "GET" && Resource(r.Uri).StartsWith(table + "(", StringComparison.Ordinal) && r.Uri.AbsolutePath.Contains("RowKey", StringComparison.Ordinal));

    /// <summary>Queries of a table (a GET that names no row).</summary>
    public int Queries(string table) => Requests.Count(r => r.Method == "GET" && (Resource(r.Uri) == table || Resource(r.Uri) == table + "()"));

    /// <summary>Entity-group transactions (POST $batch; the batch does not name its table).</summary>
    public int Batches => Requests.Count(r => r.Method == "POST" && Resource(r.Uri) == "$batch");

    /// <summary>Runs <paramref name="call"/> with its requests recorded here.</summary>
    public async Task<T> RecordAsync<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var before = Current.Value;
        Current.Value = this;
        try
        {
            return await call().ConfigureAwait(false);
        }
        finally
        {
            Current.Value = before;
        }
    }

    public void Dispose() => _listener.Dispose();

    private static string Resource(Uri uri)
    {
        var path = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return path.Length > 1 ? Uri.UnescapeDataString(path[1]) : "";
    }

    private void Record(EventWrittenEventArgs e, string message)
    {
        if (!ReferenceEquals(Current.Value, this) || e.EventName != "Request" || e.Payload is not { Count: >= 3 } payload || payload[1] is not string method || payload[2] is not string uri)
        {
            return;
        }

        _requests.Enqueue((method, new Uri(uri)));
    }
}
