using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Which blobs of <c>raw</c>, <c>imports</c> and <c>exports</c> hold whose data, so an erasure reads those blobs rather
/// than every blob the shop ever stored. Written when a blob is written (before it, so no blob is ever there without its
/// entries): an order payload or import chunk under each order's key (<c>source:id</c>, not personal data), an import
/// file under the keys of the orders it held, a DM or call list under each recipient's customer id. The erasure subject's
/// orders and customer ids find their blobs; a blob the index does not cover (a rejected body, an error report, one
/// stored before the index existed, an import file dropped again since) is still read in full, as before. Rows are
/// hash-bucketed (<see cref="TableKeys.Bucket(string)"/>) so a chunk's entries go in batches and ingest has no hot partition.
/// </summary>
public sealed class BlobIndex
{
    /// <summary>Metadata on a blob whose every order or recipient is indexed at write.</summary>
    public const string IndexedMetadata = "kzindexed";

    /// <summary>Metadata on a blob erasure rewrote: the time of the erasure. The import trigger skips such a version.</summary>
    public const string ErasedMetadata = "kzerased";

    private const string FilesPartition = "files";
    private readonly TableClient _table;

    // Bodies accepted together (concurrent webhook requests) share their partitions' transactions.
    private readonly UpsertGroups _writes;

    public BlobIndex(StorageClients clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _table = clients.Table(StorageCatalog.Tables.BlobIndex);
        _writes = new UpsertGroups(_table);
    }

    /// <summary>The index key of an order.</summary>
    public static string OrderKey(OrderKey key) => "o:" + key;

    /// <summary>The index key of a customer (a list that names them).</summary>
    public static string CustomerKey(string customerId) => "c:" + customerId;

    /// <summary>The metadata that says a blob's entries were written: add it to the upload's metadata.</summary>
    public static void MarkIndexed(IDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        metadata[IndexedMetadata] = "1";
    }

    /// <summary>Whether the listed blob is covered by the index (its metadata says so, or its file row has its ETag).</summary>
    public static bool IsIndexed(BlobItem item, IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(files);
        return item.Metadata.ContainsKey(IndexedMetadata)
            || (files.TryGetValue(item.Name, out var etag) && etag == item.Properties.ETag?.ToString());
    }

    /// <summary>Records that <paramref name="blob"/> in <paramref name="logicalContainer"/> holds data under each key.</summary>
    public async Task AddAsync(string logicalContainer, string blob, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var target = Escape(logicalContainer + "/" + blob);
        var rows = keys.Distinct(StringComparer.Ordinal).Select(k => new TableEntity(TableKeys.Bucket(k), Escape(k) + "|" + target));
        await _writes.UpsertAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Transactions the index rows went in since start (benchmarks: how full they were).</summary>
    public long Transactions => _writes.Transactions;

    /// <summary>Records that a file someone else wrote (an import drop) is indexed in the version <paramref name="etag"/>.</summary>
    public Task MarkFileAsync(string logicalContainer, string blob, ETag etag, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new TableEntity(FilesPartition, TableKeys.Escape(logicalContainer + "/" + blob)) { ["ETag"] = etag.ToString() }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The indexed files of a container and the version each was indexed in.</summary>
    public async Task<IReadOnlyDictionary<string, string>> FilesAsync(string logicalContainer, CancellationToken cancellationToken)
    {
        var prefix = TableKeys.Escape(logicalContainer + "/");
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {FilesPartition} and RowKey ge {prefix} and RowKey lt {prefix + "~"}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            files[TableKeys.Unescape(row.RowKey)[(logicalContainer.Length + 1)..]] = row.GetString("ETag") ?? string.Empty;
        }

        return files;
    }

    /// <summary>The blobs, per logical container, that hold data under any of <paramref name="keys"/>.</summary>
    public async Task<ILookup<string, string>> BlobsAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = new List<(string Container, string Blob)>();
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            var prefix = Escape(key) + "|";
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Bucket(key)} and RowKey ge {prefix} and RowKey lt {Escape(key) + "}"}");
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var target = TableKeys.Unescape(row.RowKey[prefix.Length..]);
                var slash = target.IndexOf('/', StringComparison.Ordinal);
                found.Add((target[..slash], target[(slash + 1)..]));
            }
        }

        return found.Distinct().ToLookup(f => f.Container, f => f.Blob, StringComparer.Ordinal);
    }

    /// <summary>A row key part: <c>|</c> separates the key from the blob, so it is encoded inside either.</summary>
    private static string Escape(string value) => TableKeys.Escape(value).Replace("|", "%7C", StringComparison.Ordinal);
}
