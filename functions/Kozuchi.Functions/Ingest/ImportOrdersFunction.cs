using System.Text;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// A CSV dropped in the <c>imports</c> container. The first folder names the mapping (<c>shopify/2026-11.csv</c>,
/// <c>eccube4/export.csv</c>; anything else is the Kozuchi format). Chunks are queued; the error report and a summary
/// are written beside the file.
/// </summary>
public sealed class ImportOrdersFunction(OrderImporter importer, StorageClients clients) : IBlobFunction
{
    public const string Name = "ImportOrders";
    public const string ErrorsSuffix = ".errors.csv";
    public const string SummarySuffix = ".summary.json";

    public async Task HandleAsync(BlobInput blob, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(context);
        if (blob.Name.EndsWith(ErrorsSuffix, StringComparison.Ordinal) || blob.Name.EndsWith(SummarySuffix, StringComparison.Ordinal))
        {
            return;
        }

        var folder = blob.Name.Contains('/', StringComparison.Ordinal) ? blob.Name[..blob.Name.IndexOf('/', StringComparison.Ordinal)] : null;
        var mapping = OrderImporter.BuiltInMappings.Contains(folder) ? OrderImporter.ResolveMapping(folder) : OrderImporter.ResolveMapping(null);
        using var content = new MemoryStream(blob.Content.ToArray(), writable: false);
        var (report, errors) = await importer.ImportAsync(content, blob.Name, mapping, encoding: null, viaQueue: true, progress: null, cancellationToken);

        var container = clients.Container(StorageCatalog.Containers.Imports);
        await container.GetBlobClient(blob.Name + SummarySuffix).UploadAsync(BinaryData.FromString(OrderImporter.SummaryJson(report)), overwrite: true, cancellationToken);
        await container.GetBlobClient(blob.Name + ErrorsSuffix).UploadAsync(BinaryData.FromBytes(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(OrderImporter.ErrorReport(errors))).ToArray()), overwrite: true, cancellationToken);
        context.Log($"{blob.Name}: {report.Summary.OrdersAccepted} orders queued in {report.Chunks} chunks, {report.Summary.RowsRejected} rows rejected");
    }
}
