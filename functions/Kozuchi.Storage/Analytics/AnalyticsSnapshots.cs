using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using DuckDB.NET.Data;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Analytics;

/// <summary>What one snapshot holds; <c>snapshots/{id}/manifest.json</c>, and <c>snapshots/latest.json</c> for the newest.</summary>
public sealed record SnapshotManifest(int SchemaVersion, string Id, DateTimeOffset TakenAt, long Customers, long Orders, long OrderProducts)
{
    /// <summary>2: <c>orders.currency</c>, the currency <c>net</c> is in.</summary>
    public const int CurrentSchema = 2;

    public static IReadOnlyList<string> Tables { get; } = ["customers", "orders", "order_products"];

    public string PathOf(string table) => $"{Id}/{table}.parquet";
}

/// <summary>
/// Parquet snapshots of the customer table for free SQL and for analysts' own tools (DuckDB, pandas, Power BI): one
/// file per table in the <c>snapshots</c> container. They hold no personal data — no name, email, phone or address,
/// only ids, flags, amounts, products and times — so a query or a downloaded file cannot leak any, and erasing a
/// customer needs no rewrite of old snapshots beyond dropping them (<see cref="PruneAsync"/> keeps the newest few).
/// The rows are appended to an in-memory DuckDB while the table is scanned, then written by DuckDB's own Parquet
/// writer (zstd), so what the SQL reads is byte for byte what an analyst downloads.
/// </summary>
public sealed partial class AnalyticsSnapshots(StorageClients clients, CustomerStore customers, ShopTime shop, TimeProvider time, ILogger<AnalyticsSnapshots> logger)
{
    private const string LatestBlob = "latest.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Schema = """
        CREATE TABLE customers (
            customer_id VARCHAR, state VARCHAR, merged_into VARCHAR, created_at TIMESTAMP, acquisition_medium VARCHAR,
            email_opt_in BOOLEAN, email_suppressed BOOLEAN, line_following BOOLEAN, do_not_call BOOLEAN);
        CREATE TABLE orders (
            customer_id VARCHAR, order_key VARCHAR, source VARCHAR, order_id VARCHAR, ordered_at TIMESTAMP, order_day DATE,
            updated_at TIMESTAMP, counts BOOLEAN, net DECIMAL(18, 2), currency VARCHAR, is_subscription BOOLEAN);
        CREATE TABLE order_products (customer_id VARCHAR, order_key VARCHAR, product VARCHAR);
        """;

    private BlobContainerClient Container => clients.Container(StorageCatalog.Containers.Snapshots);

    public async Task<SnapshotManifest> TakeAsync(CancellationToken cancellationToken)
    {
        var takenAt = time.GetUtcNow();
        // The time orders ids; the random tail keeps two snapshots taken in the same millisecond apart.
        var id = takenAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        var directory = Directory.CreateTempSubdirectory("kozuchi-snapshot-");
        try
        {
            var (customerRows, orderRows, productRows) = await WriteTablesAsync(customers.ScanRecordsAsync(cancellationToken), shop, directory.FullName, cancellationToken).ConfigureAwait(false);

            var manifest = new SnapshotManifest(SnapshotManifest.CurrentSchema, id, takenAt, customerRows, orderRows, productRows);
            foreach (var table in SnapshotManifest.Tables)
            {
                await Container.GetBlobClient(manifest.PathOf(table)).UploadAsync(Path.Combine(directory.FullName, table + ".parquet"), cancellationToken).ConfigureAwait(false);
            }

            // The pointer moves last: a reader never sees a manifest whose files are still uploading.
            var body = BinaryData.FromObjectAsJson(manifest, Json);
            await Container.GetBlobClient($"{id}/manifest.json").UploadAsync(body, overwrite: true, cancellationToken).ConfigureAwait(false);
            await Container.GetBlobClient(LatestBlob).UploadAsync(body, overwrite: true, cancellationToken).ConfigureAwait(false);
            LogTaken(logger, id, customerRows, orderRows);
            return manifest;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Writes the three tables of <see cref="SnapshotManifest.Tables"/> as <c>{table}.parquet</c> into
    /// <paramref name="directory"/> from the records; the benchmark writes its Parquet with the same code.
    /// </summary>
    public static async Task<(long Customers, long Orders, long OrderProducts)> WriteTablesAsync(IAsyncEnumerable<CustomerRecord> records, ShopTime shop, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(shop);
        long customerRows = 0, orderRows = 0, productRows = 0;
        await using var db = new DuckDBConnection("DataSource=:memory:");
        await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(db, Schema, cancellationToken).ConfigureAwait(false);
        using (var c = db.CreateAppender("customers"))
        using (var o = db.CreateAppender("orders"))
        using (var p = db.CreateAppender("order_products"))
        {
            await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                c.CreateRow().AppendValue(record.CustomerId).AppendValue(record.State.ToString().ToLowerInvariant()).AppendValue(record.MergedInto)
                    .AppendValue(record.CreatedAt.UtcDateTime).AppendValue(record.AcquisitionMedium).AppendValue(record.EmailOptIn)
                    .AppendValue(record.EmailSuppressed).AppendValue(record.LineFollowing).AppendValue(record.DoNotCall).EndRow();
                customerRows++;
                foreach (var order in record.Orders)
                {
                    var key = order.Key.ToString();
                    o.CreateRow().AppendValue(record.CustomerId).AppendValue(key).AppendValue(order.Key.Source).AppendValue(order.Key.OrderId)
                        .AppendValue(order.OrderedAt.UtcDateTime).AppendValue(shop.Today(order.OrderedAt)).AppendValue(order.UpdatedAt.UtcDateTime)
                        .AppendValue(order.Counts).AppendValue(order.Net).AppendValue(record.CurrencyOf(order)).AppendValue(order.IsSubscription).EndRow();
                    orderRows++;
                    foreach (var product in order.Products)
                    {
                        p.CreateRow().AppendValue(record.CustomerId).AppendValue(key).AppendValue(product).EndRow();
                        productRows++;
                    }
                }
            }
        }

        foreach (var table in SnapshotManifest.Tables)
        {
            var file = Path.Combine(directory, table + ".parquet").Replace("'", "''", StringComparison.Ordinal);
            await ExecuteAsync(db, $"COPY {table} TO '{file}' (FORMAT parquet, COMPRESSION zstd)", cancellationToken).ConfigureAwait(false);
        }

        return (customerRows, orderRows, productRows);
    }

    public async Task<SnapshotManifest?> LatestAsync(CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(LatestBlob);
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToObjectFromJson<SnapshotManifest>(Json);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Copies the snapshot's Parquet files into <paramref name="directory"/> as <c>{table}.parquet</c>.</summary>
    public async Task DownloadAsync(SnapshotManifest manifest, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        foreach (var table in SnapshotManifest.Tables)
        {
            await Container.GetBlobClient(manifest.PathOf(table)).DownloadToAsync(Path.Combine(directory, table + ".parquet"), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> snapshots; returns how many went.</summary>
    public async Task<int> PruneAsync(int keep, CancellationToken cancellationToken)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var item in Container.GetBlobsByHierarchyAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "/", null, cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix)
            {
                ids.Add(item.Prefix.TrimEnd('/'));
            }
        }

        var old = ids.Reverse().Skip(Math.Max(keep, 1)).ToList();
        foreach (var id in old)
        {
            await foreach (var blob in Container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, id + "/", cancellationToken).ConfigureAwait(false))
            {
                await Container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        return old.Count;
    }

    internal static async Task ExecuteAsync(DuckDBConnection db, string sql, CancellationToken cancellationToken)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Analytics snapshot {SnapshotId}: {Customers} customers, {Orders} orders")]
    private static partial void LogTaken(ILogger logger, string snapshotId, long customers, long orders);
}
