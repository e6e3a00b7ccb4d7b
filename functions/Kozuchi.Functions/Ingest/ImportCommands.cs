using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Cli;
using Kozuchi.Storage.Orders;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// <c>kozuchi import orders &lt;file&gt;</c>: a cart's order CSV into customers, with a progress bar;
/// <c>kozuchi import status [file]</c>: how far an import has come, chunk by chunk (accepted, stored, pending).
/// </summary>
public static class ImportCommands
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Order CSV (Kozuchi format, or a cart's export with --mapping)" };
        var mapping = new Option<string?>("--mapping") { Description = $"Mapping name ({string.Join(", ", OrderImporter.BuiltInMappings)}) or a mapping JSON file" };
        var encoding = new Option<string?>("--encoding") { Description = "utf-8 or shift_jis (default: detected)" };
        var orders = new Command("orders", "Import orders from a CSV file; bad rows go to <file>.errors.csv.") { file, mapping, encoding };
        orders.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var error = parse.InvocationConfiguration.Error;
            if (!path.Exists)
            {
                await error.WriteLineAsync($"No such file: {path.FullName}");
                return 2;
            }

            CsvMapping map;
            Encoding? enc;
            try
            {
                map = OrderImporter.ResolveMapping(parse.GetValue(mapping));
                enc = CsvEncoding.Named(parse.GetValue(encoding));
            }
            catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException)
            {
                await error.WriteLineAsync(e.Message);
                return 2;
            }

            using var host = await CliHost.StartAsync(ct);
            var importer = host.Services.GetRequiredService<OrderImporter>();
            await using var stream = path.OpenRead();
            var total = Math.Max(1, path.Length);
            var progress = new SyncProgress<ImportProgress>(p =>
            {
                var ratio = Math.Min(1.0, (double)p.BytesRead / total);
                var bar = new string('#', (int)(ratio * 30)).PadRight(30, '.');
                error.Write($"\r[{bar}] {ratio,4:P0}  {p.Orders:N0} accepted  {p.Stored:N0} stored  {p.Errors:N0} errors ");
            });
            var (report, errors) = await importer.ImportAsync(stream, path.Name, map, enc, viaQueue: false, progress, ct);
            await error.WriteLineAsync();
            var errorsPath = path.FullName + ".errors.csv";
            if (errors.Count > 0)
            {
                await File.WriteAllTextAsync(errorsPath, OrderImporter.ErrorReport(errors), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), ct);
            }
            else if (File.Exists(errorsPath))
            {
                File.Delete(errorsPath);
            }

            var s = report.Summary;
            if (s.HeaderProblem is { } header)
            {
                // Nothing was read: the file is not an order CSV this mapping understands.
                await error.WriteLineAsync($"{path.Name}: {header}" + (errors.Count > 0 ? $" (see {errorsPath})" : string.Empty));
                return 2;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"{s.RowsRead:N0} rows: {s.OrdersAccepted:N0} orders accepted ({report.Created:N0} new, {report.Updated:N0} updated, {report.Unchanged:N0} unchanged), "
                + $"{s.OrdersRejected:N0} orders rejected ({s.RowsRejected:N0} rows)" + (errors.Count > 0 ? $" — see {errorsPath}" : string.Empty));
            return s.OrdersRejected > 0 ? 1 : 0;
        });
        return new Command("import", "Import data.") { orders, Status() };
    }

    private static Command Status()
    {
        var file = new Argument<string?>("file") { Description = "An import's name: the file's name for kozuchi import orders, its blob name for a file dropped in imports (default: every dropped file)", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var status = new Command("status", "Show how far imports have come: per chunk, the orders accepted from the file, stored in the customer tables, and still pending.") { file, json };
        status.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(file) is not { } name)
            {
                // Each file's newest run with progress (its chunks, or a finished CLI run's in-process total; a pull has none).
                var entries = (await host.Services.GetRequiredService<Operations.ImportHistory>().ListAsync(ct)).Where(e => e.Progress is not null).DistinctBy(e => (e.Path, e.File)).ToList();
                if (parse.GetValue(json))
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(entries.Select(e => new { e.File, e.At, e.Progress }), Json));
                }
                else
                {
                    foreach (var entry in entries)
                    {
                        await output.WriteLineAsync(Totals(entry.File, entry.Progress!));
                    }
                }

                return 0;
            }

            ImportChunkReport progress;
            try
            {
                progress = await host.Services.GetRequiredService<ImportChunks>().ProgressAsync(name, ct);
            }
            catch (ArgumentException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(e.Message);
                return 2;
            }

            if (progress.Chunks.Count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No import named {name} has stored any chunk.");
                return 1;
            }

            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(progress, Json));
                return 0;
            }

            await output.WriteLineAsync(Totals(name, progress));
            foreach (var c in progress.Chunks)
            {
                await output.WriteLineAsync($"  chunk {c.Chunk}: {c.Accepted:N0} accepted, {c.Stored:N0} stored, {c.Pending:N0} pending");
            }

            return 0;
        });
        return status;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string Totals(string name, ImportChunkReport progress) =>
        $"{name}: {progress.Accepted:N0} accepted, {progress.Stored:N0} stored, {progress.Pending:N0} pending ({progress.Chunks.Count:N0} chunks)";

    /// <summary>Reports on the caller's thread: Progress&lt;T&gt; would post to the thread pool and interleave with the final line.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
