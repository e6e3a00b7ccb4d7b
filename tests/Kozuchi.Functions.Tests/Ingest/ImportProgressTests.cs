using System.Text.Json;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>
/// An import's progress per chunk — accepted from the file, stored in the customer tables, pending — in the operations
/// API and on the command line: a dropped file whose queued chunks are only partly applied (a host killed mid-way)
/// says how many orders have arrived, not only how many were read.
/// </summary>
public sealed class ImportProgressTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("kozuchi-import-progress-").FullName;
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Csv(int orders)
    {
        var csv = new StringWriter();
        OrderCsvWriter.WriteHeader(csv);
        foreach (var order in Core.Demo.DemoGenerator.Stream(Core.Demo.DemoOptions.ForOrders(orders, seed: 18, new DateOnly(2026, 10, 31))))
        {
            OrderCsvWriter.Write(csv, order);
        }

        return csv.ToString();
    }

    private async Task<JsonElement> ListedAsync(string file)
    {
        var listed = JsonDocument.Parse(await _h.Operator.GetStringAsync(new Uri("/api/operations/imports", UriKind.Relative), Ct)).RootElement;
        return listed.EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
    }

    [Fact]
    public async Task A_dropped_file_whose_chunks_are_partly_applied_shows_accepted_stored_and_pending_per_chunk_in_the_api_and_the_cli()
    {
        var size = OrderImporter.ChunkSize;
        await _h.Storage.Clients.Container(StorageCatalog.Containers.Imports).GetBlobClient("big.csv").UploadAsync(BinaryData.FromString(Csv(2 * size + 1000)), Ct);
        Assert.Equal(1, await _h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, Ct));

        // The host applies two of the three queued chunks, then is gone.
        var queue = _h.Storage.Clients.Queue(StorageCatalog.Queues.OrdersIncoming);
        var taken = (await queue.ReceiveMessagesAsync(2, TimeSpan.FromMinutes(5), Ct)).Value;
        Assert.Equal(2, taken.Length);
        foreach (var message in taken)
        {
            await _h.App.Functions.QueueAsync(ProcessOrdersFunction.Name, message.Body.ToString(), message.MessageId, cancellationToken: Ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, Ct);
        }

        var entry = await ListedAsync("big.csv");
        var accepted = entry.GetProperty("report").GetProperty("summary").GetProperty("ordersAccepted").GetInt32();
        var progress = entry.GetProperty("progress");
        var chunks = progress.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(2 * size + 1000, accepted);
        Assert.Equal(accepted, progress.GetProperty("accepted").GetInt32());
        Assert.Equal([1, 2, 3], chunks.Select(c => c.GetProperty("chunk").GetInt32()));
        Assert.Equal([size, size, 1000], chunks.Select(c => c.GetProperty("accepted").GetInt32()));
        var pendingChunk = Assert.Single(chunks, c => c.GetProperty("pending").GetInt32() > 0);
        Assert.Equal(0, pendingChunk.GetProperty("stored").GetInt32());
        var stored = progress.GetProperty("stored").GetInt32();
        Assert.Equal(accepted - pendingChunk.GetProperty("accepted").GetInt32(), stored);
        Assert.Equal(accepted - stored, progress.GetProperty("pending").GetInt32());

        // "Stored" is what the customer tables hold, not what the file gave: the pending chunk's orders are not there yet.
        var raw = _h.App.Services.GetRequiredService<RawPayloads>();
        var customers = _h.App.Services.GetRequiredService<CustomerStore>();
        foreach (var chunk in chunks)
        {
            var first = IngestPipeline.ReadChunk((await raw.ReadAsync(chunk.GetProperty("blob").GetString()!, Ct))!.Content).First();
            Assert.Equal(chunk.GetProperty("stored").GetInt32() > 0, await customers.GetOrderAsync(first.Key, Ct) is not null);
        }

        var status = await KozuchiCliProcess.RunAsync(_h.Storage.AppSettings, Timeout, "import", "status", "big.csv");
        Assert.True(status.ExitCode == 0, status.Error);
        var lines = status.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"big.csv: {accepted:N0} accepted, {stored:N0} stored, {accepted - stored:N0} pending (3 chunks)", lines[0]);
        var pendingNumber = pendingChunk.GetProperty("chunk").GetInt32();
        var pendingSize = pendingChunk.GetProperty("accepted").GetInt32();
        Assert.Contains($"chunk {pendingNumber}: {pendingSize:N0} accepted, 0 stored, {pendingSize:N0} pending", lines);
        Assert.Equal(3, lines.Count(l => l.StartsWith("chunk ", StringComparison.Ordinal)));

        // The last chunk is applied once the queue is served again: nothing pending.
        Assert.Equal(1, await _h.DrainAsync(Ct));
        progress = (await ListedAsync("big.csv")).GetProperty("progress");
        Assert.Equal((accepted, accepted, 0), (progress.GetProperty("accepted").GetInt32(), progress.GetProperty("stored").GetInt32(), progress.GetProperty("pending").GetInt32()));
    }

    [Fact]
    public async Task A_command_line_import_marks_each_chunk_stored_and_status_says_so()
    {
        var file = Path.Combine(_dir, "cdnow.csv");
        await File.WriteAllTextAsync(file, CdnowSample.ToKozuchiCsv(), Ct);

        var import = await KozuchiCliProcess.RunAsync(_h.Storage.AppSettings, Timeout, "import", "orders", file);
        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("6,919 accepted  6,919 stored", import.Error, StringComparison.Ordinal);

        var status = await KozuchiCliProcess.RunAsync(_h.Storage.AppSettings, Timeout, "import", "status", "cdnow.csv", "--json");
        Assert.True(status.ExitCode == 0, status.Error);
        var progress = JsonDocument.Parse(status.Output).RootElement;
        Assert.Equal((6919, 6919, 0), (progress.GetProperty("accepted").GetInt32(), progress.GetProperty("stored").GetInt32(), progress.GetProperty("pending").GetInt32()));
        Assert.Equal([5000, 1919], progress.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("stored").GetInt32()));

        var unknown = await KozuchiCliProcess.RunAsync(_h.Storage.AppSettings, Timeout, "import", "status", "never-imported.csv");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("never-imported.csv", unknown.Error, StringComparison.Ordinal);
    }
}
