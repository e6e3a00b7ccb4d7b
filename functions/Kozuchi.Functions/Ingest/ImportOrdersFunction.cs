using System.Text;
using Kozuchi.Functions.Hosting;
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

/// <summary>A dropped import file: chunks queued, the error report and a summary written beside the file.</summary>
public sealed class DroppedImports(OrderImporter importer, StorageClients clients)
{
    /// <summary>Null for the files this writes itself (the reports beside a drop).</summary>
    public async Task<ImportReport?> ImportAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.EndsWith(ImportOrdersFunction.ErrorsSuffix, StringComparison.Ordinal) || name.EndsWith(ImportOrdersFunction.SummarySuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var folder = name.Contains('/', StringComparison.Ordinal) ? name[..name.IndexOf('/', StringComparison.Ordinal)] : null;
        var mapping = OrderImporter.BuiltInMappings.Contains(folder) ? OrderImporter.ResolveMapping(folder) : OrderImporter.ResolveMapping(null);
        var (report, errors) = await importer.ImportAsync(content, name, mapping, encoding: null, viaQueue: true, progress: null, cancellationToken);

        var container = clients.Container(StorageCatalog.Containers.Imports);
        await container.GetBlobClient(name + ImportOrdersFunction.SummarySuffix).UploadAsync(BinaryData.FromString(OrderImporter.SummaryJson(report)), overwrite: true, cancellationToken);
        await container.GetBlobClient(name + ImportOrdersFunction.ErrorsSuffix).UploadAsync(BinaryData.FromBytes([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(OrderImporter.ErrorReport(errors))]), overwrite: true, cancellationToken);
        return report;
    }
}
