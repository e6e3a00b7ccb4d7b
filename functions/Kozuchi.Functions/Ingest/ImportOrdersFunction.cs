using System.Text;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// A CSV dropped in the <c>imports</c> container (Event Grid in Azure, a container poll locally). The first folder
/// names the mapping (<c>shopify/2026-11.csv</c>, <c>eccube4/export.csv</c>; anything else is the Kozuchi format).
/// </summary>
public sealed class ImportOrdersFunction(DroppedImports imports, ILogger<ImportOrdersFunction> logger)
{
    public const string Name = "ImportOrders";
    public const string ErrorsSuffix = ".errors.csv";
    public const string SummarySuffix = ".summary.json";

    [Function(Name)]
    public async Task RunAsync(
        [BlobTrigger(TriggerNames.ImportsPath, Connection = TriggerNames.Connection, Source = BlobTriggerSource.EventGrid)] Stream blob,
        string name,
        CancellationToken cancellationToken)
    {
        if (await imports.ImportAsync(name, blob, cancellationToken) is { } report)
        {
            FunctionLog.Done(logger, Name, () => $"{name}: {report.Summary.OrdersAccepted} orders queued in {report.Chunks} chunks, {report.Summary.RowsRejected} rows rejected");
        }
    }
}

/// <summary>
/// A dropped import file: chunks queued, the error report and a summary written beside the file, and the file recorded
/// as indexed for erasure in the version imported. A version that erasure rewrote (metadata
/// <see cref="BlobIndex.ErasedMetadata"/>) is not imported again: its orders are in already, and the new blob version
/// only lost the erased person's fields.
/// </summary>
public sealed partial class DroppedImports(OrderImporter importer, StorageClients clients, BlobIndex index, ILogger<DroppedImports> logger)
{
    /// <summary>
    /// Null for the files this writes itself (the reports beside a drop), for a version erasure rewrote, and for a file
    /// whose name is no safe blob name (<see cref="BlobNames"/>): the reports beside it would be written wherever its
    /// <c>..</c> pointed, so it is left where it is, unread, and logged.
    /// </summary>
    public async Task<ImportReport?> ImportAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.EndsWith(ImportOrdersFunction.ErrorsSuffix, StringComparison.Ordinal) || name.EndsWith(ImportOrdersFunction.SummarySuffix, StringComparison.Ordinal))
        {
            return null;
        }

        if (BlobNames.Problem(name + ImportOrdersFunction.ErrorsSuffix) is { } problem)
        {
            LogUnsafeName(logger, problem);
            return null;
        }

        var properties = (await clients.Container(StorageCatalog.Containers.Imports).GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        if (properties.Metadata.TryGetValue(BlobIndex.ErasedMetadata, out var erasedAt))
        {
            LogErasureRewrite(logger, name, erasedAt);
            return null;
        }

        var folder = name.Contains('/', StringComparison.Ordinal) ? name[..name.IndexOf('/', StringComparison.Ordinal)] : null;
        var mapping = OrderImporter.BuiltInMappings.Contains(folder) ? OrderImporter.ResolveMapping(folder) : OrderImporter.ResolveMapping(null);
        var (report, errors) = await importer.ImportAsync(content, name, mapping, encoding: null, viaQueue: true, progress: null, cancellationToken);

        var container = clients.Container(StorageCatalog.Containers.Imports);
        await index.MarkFileAsync(StorageCatalog.Containers.Imports, name, properties.ETag, cancellationToken);

        // The summary (its first errors) and the error report hold rejected rows, which no order key names: they stay
        // unindexed, so erasure reads them in full.
        await container.Blob(name + ImportOrdersFunction.SummarySuffix).UploadAsync(BinaryData.FromString(OrderImporter.SummaryJson(report)), overwrite: true, cancellationToken);
        await container.Blob(name + ImportOrdersFunction.ErrorsSuffix).UploadAsync(BinaryData.FromBytes([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(OrderImporter.ErrorReport(errors))]), overwrite: true, cancellationToken);
        if (report.Summary.HeaderProblem is { } header)
        {
            LogUnreadable(logger, header);
        }

        return report;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A file dropped in imports was not read: its name is no safe blob name ({Problem})")]
    private static partial void LogUnsafeName(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A file dropped in imports could not be read: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {Name}: this version was rewritten by an erasure at {ErasedAt}; not imported again")]
    private static partial void LogErasureRewrite(ILogger logger, string name, string erasedAt);
}
