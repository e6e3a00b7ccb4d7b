using System.Diagnostics;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Customers;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Bench;

/// <summary>
/// Bulk import of generated orders through the same importer as <c>kozuchi import orders</c>, beside the raw batched
/// write rate of the same emulator in the same run: into an empty table before, and after the import into the import's
/// largest table as it left it (the emulator's cost per row grows with the table), so the import's rate can be read
/// against what the emulator itself accepts at that size.
/// </summary>
internal static class IngestBench
{
    private const int RawAtSizeRows = 100_000;

    /// <param name="deadline">Stops the import after this long (zero: none) and reports what it reached, so a run fits a slot.</param>
    /// <param name="count">Counts the rows in the tables at the end (a scan: minutes on the emulator at a million rows).</param>
    public static async Task RunAsync(int orders, TimeSpan deadline, bool count)
    {
        var csv = Path.Combine(Path.GetTempPath(), $"kozuchi-bench-{orders}.csv");
        if (!File.Exists(csv))
        {
            await using var file = File.Create(csv);
            DemoGenerator.WriteCsv(file, DemoOptions.ForOrders(orders, seed: 1, new DateOnly(2026, 10, 31)));
        }

        Console.WriteLine($"# ingest: {orders:N0} generated orders, CSV {new FileInfo(csv).Length >> 20} MiB, load {Load()}");
        await using var storage = await BenchStorage.StartAsync();
        var raw = await storage.RawBatchedWriteRateAsync(200_000);
        Report.Line("reference: Azurite raw batched write into an empty table (100 rows/transaction, 4 in flight, ascending row keys)", raw, "rows/s", "200,000 rows");

        var importer = storage.Services.GetRequiredService<OrderImporter>();
        var store = storage.Services.GetRequiredService<CustomerStore>();

        // The peak reported is the import's own: the heap is collected and returned, and the kernel's peak mark reset.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Report.ResetPeak();
        var azuriteCpu = Report.CpuSeconds(storage.Azurite.ProcessId);
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        using var stop = deadline > TimeSpan.Zero ? new CancellationTokenSource(deadline) : new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var last = (At: TimeSpan.Zero, Orders: 0);
        var reached = 0;
        long liveAtEnd = 0;
        (long Bytes, int Orders) liveAtHalf = (0, 0);
        var finished = false;
        await using (var stream = File.OpenRead(csv))
        {
            var progress = new Progress(p =>
            {
                if (reached < orders / 2 && p.Orders >= orders / 2)
                {
                    // Half way and at the end (full collections, twice in a run): what the session grows by per order.
                    liveAtHalf = (GC.GetTotalMemory(forceFullCollection: true), p.Orders);
                }

                reached = p.Orders;
                if (p.Orders == orders)
                {
                    // The last chunk's customers are saved and the session still holds every order.
                    liveAtEnd = GC.GetTotalMemory(forceFullCollection: true);
                }

                if (clock.Elapsed - last.At > TimeSpan.FromSeconds(30))
                {
                    // What the last collection left (no forced collection here: it would flatter the working set).
                    var info = GC.GetGCMemoryInfo();
                    var since = (p.Orders - last.Orders) / (clock.Elapsed - last.At).TotalSeconds;
                    last = (clock.Elapsed, p.Orders);
                    Console.WriteLine($"#   {clock.Elapsed.TotalSeconds:N0} s: {p.Orders:N0} orders ({p.Orders / clock.Elapsed.TotalSeconds:N0}/s, {since:N0}/s since the last line), working set {Environment.WorkingSet >> 20:N0} MiB (peak {Report.PeakMegabytes():N0}), heap after the last GC {(info.HeapSizeBytes - info.FragmentedBytes) >> 20:N0} MiB, load {Load()}");
                }
            });
            try
            {
                var (report, errors) = await importer.ImportAsync(stream, "bench.csv", CsvMapping.Kozuchi, null, viaQueue: false, progress, stop.Token);
                if (errors.Count > 0 || report.Summary.OrdersAccepted != orders || report.Created != orders)
                {
                    throw new InvalidOperationException($"Import lost orders: {report.Summary.OrdersAccepted} accepted, {report.Created} created, {errors.Count} errors.");
                }

                finished = true;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Console.WriteLine($"# stopped at the deadline ({deadline.TotalMinutes:N1} min): {reached:N0} orders decided and their customers saved, load {Load()}");
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        azuriteCpu = Report.CpuSeconds(storage.Azurite.ProcessId) - azuriteCpu;
        ownCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - ownCpu;
        var peak = Report.PeakMegabytes();
        var tables = new[] { store.OrdersTable, store.IdentitiesTable, store.CustomersTable };
        var written = tables.Sum(store.RowsWritten);
        var customersWritten = store.RowsWritten(store.CustomersTable);
        var largest = tables.MaxBy(store.RowsAdded)!;

        // The import's own figures first: what follows takes minutes at a million rows.
        var done = finished ? orders : reached;
        Report.Line($"import (kozuchi import orders path, preloaded session, {OrderImporter.ChunkSize:N0}-order chunks){(finished ? string.Empty : " — NOT FINISHED")}", done / seconds, "orders/s", $"{seconds:N0} s for {done:N0} of {orders:N0}; target ≥ 2,500 orders/s");
        Report.Line("rows written by the import per order (rewrites included)", (double)written / done, "rows", $"{written:N0} rows: {store.RowsWritten(store.OrdersTable):N0} order + {store.RowsWritten(store.IdentitiesTable):N0} identity + {customersWritten:N0} customer ({(double)customersWritten / done:N2} an order); {written / seconds:N0} rows/s");
        Report.Line("rows in tables after the import (inserted: orders + identities + customers)", tables.Sum(store.RowsAdded), "rows", string.Join(" + ", tables.Select(t => store.RowsAdded(t).ToString("N0", System.Globalization.CultureInfo.InvariantCulture))));
        Report.Line("CPU during the import: Azurite / the importing process (2 cores shared)", azuriteCpu, "s", $"importer {ownCpu:N0} s; load {Load()}");
        Report.Line("peak working set of the importing process (from the import's start)", peak, "MiB", "target < 2 GB");
        Report.Line("live managed heap when the last chunk was saved (full GC: the preloaded session holding every order)", liveAtEnd >> 20, "MiB", liveAtEnd > 0 && liveAtHalf.Orders > 0
            ? $"{liveAtHalf.Bytes >> 20:N0} MiB at {liveAtHalf.Orders:N0} orders: {(double)(liveAtEnd - liveAtHalf.Bytes) / (orders - liveAtHalf.Orders):N0} bytes more per order"
            : liveAtHalf.Orders > 0 ? $"end not reached; {liveAtHalf.Bytes >> 20:N0} MiB at {liveAtHalf.Orders:N0} orders ({liveAtHalf.Bytes / liveAtHalf.Orders:N0} bytes an order, fixed part included)" : "not measured");
        Report.Line("peak resident memory of Azurite (for reference)", Report.ResidentMegabytes(storage.Azurite.ProcessId), "MiB");

        // The emulator at the size the import reached: raw rows keyed as the import's are (hashed), into its largest table.
        var size = store.RowsAdded(largest);
        var rawAtSize = await storage.RawBatchedWriteRateAsync(RawAtSizeRows, largest, hashedKeys: true);
        Report.Line($"reference: the same raw batched write, hashed row keys, into the import's largest table ({largest.Name}, {size:N0} rows → {size + RawAtSizeRows:N0})", rawAtSize, "rows/s", $"the import wrote {written / seconds:N0} rows/s over the whole run");
        var rawAscending = await storage.RawBatchedWriteRateAsync(50_000, store.OrdersTable);
        Report.Line($"reference: the same raw batched write, ascending row keys, into the orders table as the import left it ({store.RowsAdded(store.OrdersTable):N0} rows)", rawAscending, "rows/s");

        if (count)
        {
            // A check, last: the emulator answers each query page by scanning and sorting the whole table.
            var orderRows = await BenchStorage.CountAsync(store.OrdersTable) - 50_000;
            var identityRows = await BenchStorage.CountAsync(store.IdentitiesTable) - (ReferenceEquals(largest, store.IdentitiesTable) ? RawAtSizeRows : 0);
            var customerRows = await BenchStorage.CountAsync(store.CustomersTable) - (ReferenceEquals(largest, store.CustomersTable) ? RawAtSizeRows : 0);
            orderRows -= ReferenceEquals(largest, store.OrdersTable) ? RawAtSizeRows : 0;
            Report.Line("rows counted in tables (orders + identities + customers)", orderRows + identityRows + customerRows, "rows", $"{orderRows:N0} + {identityRows:N0} + {customerRows:N0}");
            if (finished && orderRows != orders)
            {
                throw new InvalidOperationException($"{orderRows} order rows for {orders} orders.");
            }
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed class Progress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
