using System.Globalization;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Orders;

/// <summary>One chunk of an import: orders the file's rows gave (accepted) and how many are in the customer tables (stored).</summary>
public sealed record ImportChunkProgress(int Chunk, string Blob, int Accepted, int Stored)
{
    /// <summary>Accepted, not confirmed stored: queued, being applied, retrying, or parked in the poison queue.</summary>
    public int Pending => Accepted - Stored;
}

/// <summary>An import's chunks and their sums: what has arrived in the customer tables and what is still on its way.</summary>
public sealed record ImportChunkReport(IReadOnlyList<ImportChunkProgress> Chunks)
{
    /// <summary>
    /// Orders a finished run applied in process without leaving chunks (the demo loader, an in-process run of an import
    /// whose chunks a later run of the same name rewrote): stored, since the run reported only once they were.
    /// </summary>
    public int InProcess { get; init; }

    public int Accepted => InProcess + Chunks.Sum(c => c.Accepted);
    public int Stored => InProcess + Chunks.Sum(c => c.Stored);
    public int Pending => Chunks.Sum(c => c.Pending);

    /// <summary>A finished in-process run's <paramref name="orders"/>, all stored.</summary>
    public static ImportChunkReport Finished(int orders) => new([]) { InProcess = orders };
}

/// <summary>
/// Per-chunk progress of an import, kept on the chunk blobs themselves (container <c>raw</c>, under
/// <c>imports/&lt;name&gt;/</c>): the chunk is written with the number of orders it holds, and the metadata gains
/// <c>stored</c> once every order of it is in the customer tables (the queue function for a dropped file, the CLI
/// after each pipelined write). A summary's "accepted" is what was read; only chunks marked stored have arrived.
/// Re-importing a file rewrites its chunks unmarked, so they count as pending until applied again.
/// </summary>
public sealed class ImportChunks(RawPayloads raw)
{
    public const string KindChunk = "chunk";
    private const string KindKey = "kind";
    private const string ImportKey = "import";
    private const string OrdersKey = "orders";
    private const string StoredKey = "stored";

    /// <summary>Where an import's chunks live; the name is made safe for a blob path, then checked (<see cref="BlobNames"/>).</summary>
    public static string Prefix(string importName)
    {
        ArgumentNullException.ThrowIfNull(importName);
        return BlobNames.Require($"imports/{Slug(importName)}");
    }

    public static string ChunkName(string prefix, int chunk) => $"{prefix}/chunk-{chunk.ToString("D6", CultureInfo.InvariantCulture)}.ndjson";

    /// <summary>The metadata a chunk is written with: not stored yet.</summary>
    public static Dictionary<string, string> Metadata(string importName, int orders) => new()
    {
        [KindKey] = KindChunk,
        [ImportKey] = Slug(importName),
        [OrdersKey] = orders.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Marks a chunk as wholly applied, keeping the metadata it was written with.</summary>
    public Task MarkStoredAsync(string blob, IReadOnlyDictionary<string, string> metadata, int stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var marked = metadata.ToDictionary(StringComparer.OrdinalIgnoreCase);
        marked[StoredKey] = stored.ToString(CultureInfo.InvariantCulture);
        return raw.SetMetadataAsync(blob, marked, cancellationToken);
    }

    /// <summary>The import's chunks in order (one listing request per 5,000 chunks).</summary>
    public async Task<ImportChunkReport> ProgressAsync(string importName, CancellationToken cancellationToken)
    {
        var prefix = Prefix(importName) + "/";
        var chunks = new List<ImportChunkProgress>();
        await foreach (var (name, metadata) in raw.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var meta = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
            if (!name.EndsWith(".ndjson", StringComparison.Ordinal) || !int.TryParse(name.AsSpan()[(name.LastIndexOf("chunk-", StringComparison.Ordinal) + 6)..^7], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            var accepted = Count(meta, OrdersKey);
            chunks.Add(new ImportChunkProgress(number, name, accepted, Math.Min(accepted, Count(meta, StoredKey))));
        }

        return new ImportChunkReport([.. chunks.OrderBy(c => c.Chunk)]);
    }

    private static int Count(Dictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Slug(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' ? c : '_')]);
}
