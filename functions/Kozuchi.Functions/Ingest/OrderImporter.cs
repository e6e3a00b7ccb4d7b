using System.Globalization;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Common;
using Kozuchi.Core.Import;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Operations;
using Kozuchi.Storage.Orders;

namespace Kozuchi.Functions.Ingest;

/// <summary>While a file is read: bytes read, orders accepted from its rows, rows rejected, and orders confirmed stored.</summary>
public sealed record ImportProgress(long BytesRead, int Orders, int Errors, int Stored);

public sealed record ImportReport(string Import, string Mapping, ImportSummary Summary, int Created, int Updated, int Unchanged, int Chunks, IReadOnlyList<ImportRowError> FirstErrors);

/// <summary>
/// Order CSV import, shared by <c>kozuchi import orders</c> and the <c>imports</c> blob function. The file is parsed in
/// chunks; each chunk is either ingested at once on a preloaded session (the CLI: fastest) or stored as a chunk blob
/// and queued (the blob function: many orders per message, retried and poisoned like webhooks). Re-importing a file
/// changes nothing: orders are keyed by source and id. Every import, finished or failed, is recorded in the
/// <see cref="ImportLog"/> the operations page lists.
/// </summary>
public sealed partial class OrderImporter(RawPayloads raw, ImportChunks importChunks, IngestPipeline pipeline, OrderIngestor ingestor, CustomerStore store, BlobIndex index, ImportLog log, ShopTime shopTime, TimeProvider time, ILogger<OrderImporter> logger)
{
    public const int ChunkSize = 5000;

    public static IReadOnlyList<string> BuiltInMappings { get; } =
        [CsvMapping.Kozuchi.Name, .. typeof(OrderImporter).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("mappings/", StringComparison.Ordinal)).Select(n => Path.GetFileNameWithoutExtension(n)).Order(StringComparer.Ordinal)];

    /// <summary>A built-in mapping by name (kozuchi, shopify, eccube4) or a mapping file's path.</summary>
    public static CsvMapping ResolveMapping(string? nameOrPath)
    {
        if (string.IsNullOrEmpty(nameOrPath) || nameOrPath == CsvMapping.Kozuchi.Name)
        {
            return CsvMapping.Kozuchi;
        }

        using var resource = typeof(OrderImporter).Assembly.GetManifestResourceStream($"mappings/{nameOrPath}.json");
        if (resource is not null)
        {
            using var reader = new StreamReader(resource, Encoding.UTF8);
            return CsvMapping.Parse(reader.ReadToEnd());
        }

        return File.Exists(nameOrPath)
            ? CsvMapping.Parse(File.ReadAllText(nameOrPath, Encoding.UTF8))
            : throw new ArgumentException($"No mapping '{nameOrPath}': use one of {string.Join(", ", BuiltInMappings)} or a mapping file path.", nameof(nameOrPath));
    }

    public async Task<(ImportReport Report, List<ImportRowError> Errors)> ImportAsync(
        Stream content, string importName, CsvMapping mapping, Encoding? encoding, bool viaQueue, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var runId = log.NewRunId();
        var parser = new OrderCsvParser(mapping, shopTime.Zone);
        var errors = new List<ImportRowError>();
        var path = viaQueue ? ImportPaths.Blob : ImportPaths.Cli;
        try
        {
            var result = await ImportAsync(content, importName, mapping, parser, errors, encoding, viaQueue, progress, cancellationToken);
            await log.RecordAsync(Run(runId, path, importName, result.Report.Summary, errors) with { Created = viaQueue ? null : result.Report.Created, Updated = viaQueue ? null : result.Report.Updated, Unchanged = viaQueue ? null : result.Report.Unchanged }, cancellationToken);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // What was read until then, and why it stopped: the operator sees a failed import, not an empty history.
            await log.RecordAsync(Run(runId, path, importName, parser.Summary, errors) with { Status = "failed", Error = QueueFailures.Mask(e.Message) }, CancellationToken.None);
            throw;
        }

        ImportRun Run(string id, string via, string name, ImportSummary summary, List<ImportRowError> rowErrors) => new()
        {
            Id = id,
            Path = via,
            Source = mapping.Name,
            Name = name,
            At = time.GetUtcNow(),
            RowsRead = summary.RowsRead,
            OrdersAccepted = summary.OrdersAccepted,
            OrdersRejected = summary.OrdersRejected,
            RowsRejected = summary.RowsRejected,
            Status = summary.RowsRejected > 0 ? "partial" : "ok",
            FirstErrors = [.. rowErrors.Take(20).Select(r => new ImportRunError(r.Line, r.Column, r.Reason))],
            // The CLI writes it beside the file on the operator's machine; a dropped file gets it beside itself in imports.
            ErrorReport = rowErrors.Count > 0 ? name + ImportOrdersFunction.ErrorsSuffix : null,
        };
    }

    private async Task<(ImportReport Report, List<ImportRowError> Errors)> ImportAsync(
        Stream content, string importName, CsvMapping mapping, OrderCsvParser parser, List<ImportRowError> errors, Encoding? encoding, bool viaQueue, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var counting = new CountingStream(content);
        using var reader = CsvEncoding.Open(counting, encoding, out var looksBinary);
        CustomerStore.Session? bulk = null;
        if (!viaQueue)
        {
            bulk = CustomerStore.NewSession();
            await store.PreloadAllAsync(bulk, cancellationToken);
        }

        int created = 0, updated = 0, unchanged = 0, chunks = 0, stored = 0;
        // Chunk names come from the import's name: checked once here, before anything is written.
        var prefix = ImportChunks.Prefix(importName);
        Task? pending = null;
        List<IncomingOrder>? inFlight = null;
        // Chunks written but not confirmed in the customer tables yet (the pipelined write of the last one may still run).
        var unconfirmed = new List<(string Blob, Dictionary<string, string> Metadata, int Orders)>();
        async Task ConfirmAsync(int keep)
        {
            while (unconfirmed.Count > keep)
            {
                var (blob, metadata, orders) = unconfirmed[0];
                await importChunks.MarkStoredAsync(blob, metadata, orders, cancellationToken);
                stored += orders;
                unconfirmed.RemoveAt(0);
            }
        }

        foreach (var chunk in parser.Parse(reader, ChunkSize, looksBinary))
        {
            errors.AddRange(chunk.Errors);
            if (chunk.Orders.Count > 0)
            {
                chunks++;
                var name = ImportChunks.ChunkName(prefix, chunks);

                // Indexed for erasure first (the chunk, and a dropped file in imports), then written before it is applied,
                // so a crash mid-import leaves a replayable record that erasure finds.
                var keys = chunk.Orders.Select(o => BlobIndex.OrderKey(o.Key)).ToList();
                await index.AddAsync(StorageCatalog.Containers.Raw, name, keys, cancellationToken);
                if (viaQueue)
                {
                    await index.AddAsync(StorageCatalog.Containers.Imports, importName, keys, cancellationToken);
                }

                var metadata = ImportChunks.Metadata(importName, chunk.Orders.Count);
                BlobIndex.MarkIndexed(metadata);
                await raw.StoreAsync(name, IngestPipeline.WriteChunk(chunk.Orders), metadata, cancellationToken);
                if (viaQueue)
                {
                    await pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Chunk, Blob = name }, cancellationToken);
                }
                else
                {
                    List<IncomingOrder> incoming = [.. chunk.Orders.Select(o => new IncomingOrder(o, name))];
                    IngestResult result;
                    try
                    {
                        unconfirmed.Add((name, metadata, chunk.Orders.Count));
                        (result, var next) = await ingestor.IngestPipelinedAsync(incoming, bulk!, pending, cancellationToken);
                        pending = next;
                        inFlight = incoming;

                        // The previous chunk's write has completed: it is stored; this one's is still running.
                        await ConfirmAsync(keep: 1);
                    }
                    catch (WriteConflictException ex)
                    {
                        // Another writer (a webhook) changed rows this import had preloaded: re-apply the batches in
                        // flight on the point-read path, then read everything again. Applying twice changes nothing.
                        LogConflict(logger, importName, ex.Message);
                        await DrainAsync(pending);
                        if (inFlight is not null)
                        {
                            await ingestor.IngestAsync(inFlight, null, cancellationToken);
                        }

                        result = await ingestor.IngestAsync(incoming, null, cancellationToken);
                        (pending, inFlight) = (null, null);
                        await ConfirmAsync(keep: 0);
                        bulk = CustomerStore.NewSession();
                        await store.PreloadAllAsync(bulk, cancellationToken);
                    }

                    created += result.Created;
                    updated += result.Updated;
                    unchanged += result.Unchanged;
                }
            }

            progress?.Report(new ImportProgress(counting.BytesRead, parser.Summary.OrdersAccepted, errors.Count, stored));
        }

        if (pending is not null)
        {
            try
            {
                await pending;
            }
            catch (WriteConflictException ex)
            {
                LogConflict(logger, importName, ex.Message);
                await ingestor.IngestAsync(inFlight!, null, cancellationToken);
            }
        }

        await ConfirmAsync(keep: 0);
        progress?.Report(new ImportProgress(counting.BytesRead, parser.Summary.OrdersAccepted, errors.Count, stored));

        LogImported(logger, importName, parser.Summary.OrdersAccepted, parser.Summary.OrdersRejected, parser.Summary.RowsRejected);
        return (new ImportReport(importName, mapping.Name, parser.Summary, created, updated, unchanged, chunks, [.. errors.Take(20)]), errors);
    }

    public static string ErrorReport(IEnumerable<ImportRowError> errors)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        ImportErrorReport.Write(writer, errors);
        return writer.ToString();
    }

    private static readonly JsonSerializerOptions SummaryOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string SummaryJson(ImportReport report) => JsonSerializer.Serialize(report, SummaryOptions);

    private static async Task DrainAsync(Task? pending)
    {
        try
        {
            if (pending is not null)
            {
                await pending;
            }
        }
        catch (WriteConflictException)
        {
            // The batch it was writing is applied again by the caller.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {Import}: another writer changed rows during the import ({Reason}); re-applying the batches in flight")]
    private static partial void LogConflict(ILogger logger, string import, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {Import}: {Accepted} orders accepted, {Rejected} rejected ({Rows} rows)")]
    private static partial void LogImported(ILogger logger, string import, int accepted, int rejected, int rows);

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
