using System.Text;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Kozuchi.Core.Import;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Testing;

/// <summary>
/// Searches everything stored under a scope's prefix — every row of every table, every blob of every container, every
/// message of every queue — for any of some strings, in the forms they can be stored in: as they are, JSON-escaped
/// (<c>\uXXXX</c>), in UTF-8 or Shift_JIS, in any letter case. What an erasure test asserts finds nothing.
/// </summary>
public static partial class StorageScan
{
    public static async Task<IReadOnlyList<string>> FindAsync(StorageClients clients, IReadOnlyCollection<string> needles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(needles);
        var prefix = clients.Names.Prefix;
        var hits = new List<string>();
        await foreach (var t in clients.Tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0, cancellationToken: cancellationToken))
        {
            await foreach (var e in clients.Tables.GetTableClient(t.Name).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                foreach (var (key, value) in e)
                {
                    var text = value switch
                    {
                        string s => s,
                        byte[] b => Encoding.UTF8.GetString(b),
                        BinaryData d => d.ToString(),
                        _ => null,
                    };
                    foreach (var hit in Hits(key == "PartitionKey" || key == "RowKey" ? Uri.UnescapeDataString(text ?? string.Empty) : text, needles))
                    {
                        hits.Add($"table {t.Name} {e.PartitionKey}/{e.RowKey} {key}: {hit}");
                    }
                }
            }
        }

        await foreach (var c in clients.Blobs.GetBlobContainersAsync(prefix: prefix, cancellationToken: cancellationToken))
        {
            var container = clients.Blobs.GetBlobContainerClient(c.Name);
            await foreach (var b in container.GetBlobsAsync(cancellationToken: cancellationToken))
            {
                var bytes = (await container.GetBlobClient(b.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
                foreach (var hit in Hits(Encoding.UTF8.GetString(bytes), needles).Concat(Hits(CsvEncoding.ShiftJis.GetString(bytes), needles)).Concat(Hits(b.Name, needles)).Distinct())
                {
                    hits.Add($"blob {c.Name}/{b.Name}: {hit}");
                }
            }
        }

        await foreach (var q in clients.Queues.GetQueuesAsync(prefix: prefix, cancellationToken: cancellationToken))
        {
            foreach (var m in (await clients.Queues.GetQueueClient(q.Name).PeekMessagesAsync(32, cancellationToken)).Value)
            {
                foreach (var hit in Hits(m.MessageText, needles))
                {
                    hits.Add($"queue {q.Name}: {hit}");
                }
            }
        }

        return hits;
    }

    private static IEnumerable<string> Hits(string? text, IReadOnlyCollection<string> needles)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var unescaped = JsonEscape().Replace(text, m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
        foreach (var needle in needles)
        {
            if (text.Contains(needle, StringComparison.OrdinalIgnoreCase) || unescaped.Contains(needle, StringComparison.OrdinalIgnoreCase))
            {
                yield return needle;
            }
        }
    }

    [GeneratedRegex(@"\\u([0-9A-Fa-f]{4})")]
    private static partial Regex JsonEscape();
}
