using System.Diagnostics;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Bench;

/// <summary>
/// Bulk import of generated orders through the same importer as <c>kozuchi import orders</c>, beside the raw batched
/// write rate of the same emulator in the same run.
/// </summary>
internal static class IngestBench
{
    public static async Task RunAsync(int orders)
    {
        var csv = Path.Combine(Path.GetTempPath(), $"kozuchi-bench-{orders}.csv");
        if (!File.Exists(csv))
        {
            await using var file = File.Create(csv);
            DemoGenerator.WriteCsv(file, DemoOptions.ForOrders(orders, seed: 1, new DateOnly(2026, 10, 31)));
        }

        Console.WriteLine($"# ingest: {orders:N0} generated orders, CSV {new FileInfo(csv).Length >> 20} MiB");
        await using var storage = await BenchStorage.StartAsync();
        var raw = await storage.RawBatchedWriteRateAsync(200_000);
        Report.Line("reference: Azurite raw batched write (100 rows/transaction, 4 in flight)", raw, "rows/s");

        var importer = storage.Services.GetRequiredService<OrderImporter>();
        GC.Collect();
        var clock = Stopwatch.StartNew();
        var lastPrint = TimeSpan.Zero;
        await using (var stream = File.OpenRead(csv))
        {
            var progress = new Progress(p =>
            {
                if (clock.Elapsed - lastPrint > TimeSpan.FromSeconds(30))
                {
                    lastPrint = clock.Elapsed;
                    Console.WriteLine($"#   {clock.Elapsed.TotalSeconds:N0} s: {p.Orders:N0} orders ({p.Orders / clock.Elapsed.TotalSeconds:N0}/s), peak {Report.PeakMegabytes():N0} MiB");
                }
            });
            var (report, errors) = await importer.ImportAsync(stream, "bench.csv", CsvMapping.Kozuchi, null, viaQueue: false, progress, CancellationToken.None);
            if (errors.Count > 0 || report.Summary.OrdersAccepted != orders)
            {
                throw new InvalidOperationException($"Import lost orders: {report.Summary.OrdersAccepted} accepted, {errors.Count} errors.");
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var clients = storage.Services.GetRequiredService<StorageClients>();
        var orderRows = await BenchStorage.CountAsync(clients.Table(StorageCatalog.Tables.Orders));
        var identityRows = await BenchStorage.CountAsync(clients.Table(StorageCatalog.Tables.Identities));
        var customerRows = await BenchStorage.CountAsync(clients.Table(StorageCatalog.Tables.Customers));
        if (orderRows != orders)
        {
            throw new InvalidOperationException($"{orderRows} order rows for {orders} orders.");
        }

        Report.Line("import (kozuchi import orders path, preloaded session, 2,000-order chunks)", orders / seconds, "orders/s", $"{seconds:N0} s for {orders:N0}; target ≥ 2,500 orders/s");
        Report.Line("rows in tables after import (orders + identities + customers)", orderRows + identityRows + customerRows, "rows", $"{orderRows:N0} + {identityRows:N0} + {customerRows:N0}");
        Report.Line("peak working set of the importing process", Report.PeakMegabytes(), "MiB", "target < 2 GB");
        Report.Line("peak resident memory of Azurite (for reference)", Report.ResidentMegabytes(storage.Azurite.ProcessId), "MiB");
    }

    private sealed class Progress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
