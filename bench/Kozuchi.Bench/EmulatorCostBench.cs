using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Bench;

/// <summary>
/// What one storage request costs the emulator, in its own CPU time (it runs on one JavaScript thread, so that time is
/// its ceiling), for the kinds of request the paths are made of, on tables of growing size: a point read (found and
/// not found), a query for 14 row keys of one partition (<c>PartitionKey eq … and (RowKey eq … or …)</c>, the most a
/// filter may compare in Azure), a query for 15 row keys without the partition, a batch of 100 and of 6 inserts, a
/// single insert, and a batch of 6 replaces. Rows are spread over 16 partitions with hashed row keys, as ingest writes
/// them. It is the evidence for how reads are made (docs/PERFORMANCE.md, "Why the reads stay point reads").
/// </summary>
internal static class EmulatorCostBench
{
    public static async Task RunAsync(IReadOnlyList<int> sizes)
    {
        Console.WriteLine($"# emulator: Azurite CPU per request by kind, tables of {string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} rows; load {File.ReadAllText("/proc/loadavg").Trim()}");
        await using var storage = await BenchStorage.StartAsync();
        var service = storage.Services.GetRequiredService<StorageClients>().Tables;
        static string Key(long i) => $"{System.IO.Hashing.XxHash64.HashToUInt64(BitConverter.GetBytes(i)):x16}";
        static TableEntity Row(string pk, long i) => new(pk, Key(i)) { ["CustomerId"] = "c0123456789abcdef0123", ["Data0"] = new string('x', 600) };
        Console.WriteLine("| table rows | request | wall ms / request | Azurite CPU ms / request | Azurite CPU ms / row or key |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var size in sizes)
        {
            var table = service.GetTableClient("benchcost" + size.ToString(CultureInfo.InvariantCulture));
            await table.CreateIfNotExistsAsync();
            await Parallel.ForEachAsync(Enumerable.Range(0, size).GroupBy(i => i % 16).SelectMany(g => g.Chunk(100)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
                await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add, Row($"p{i % 16:x2}", i))), ct));
            var random = new Random(1);
            long next = size * 4L;
            long NextRows(int n) => Interlocked.Add(ref next, n) - n;
            async Task MeasureAsync(string what, int count, int perRequest, Func<Task> request, int parallelism = 8)
            {
                var cpu = Report.CpuSeconds(storage.Azurite.ProcessId);
                var clock = Stopwatch.StartNew();
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (_, _) => await request());
                var ms = (Report.CpuSeconds(storage.Azurite.ProcessId) - cpu) * 1000 / count;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size:N0} | {what} | {clock.Elapsed.TotalMilliseconds / count:N2} | {ms:N2} | {ms / perRequest:N3} |"));
            }

            int Existing(int bucket) => (random.Next(size / 16) * 16) + bucket;
            await MeasureAsync("point read, found", 2000, 1, async () => { var i = random.Next(size); await table.GetEntityIfExistsAsync<TableEntity>($"p{i % 16:x2}", Key(i)); });
            await MeasureAsync("point read, not found", 2000, 1, async () => { var i = size + random.Next(size); await table.GetEntityIfExistsAsync<TableEntity>($"p{i % 16:x2}", Key(i)); });
            await MeasureAsync("query, one partition, 14 row keys or'ed", 200, 14, async () =>
            {
                var bucket = random.Next(16);
                var filter = $"PartitionKey eq 'p{bucket:x2}' and (" + string.Join(" or ", Enumerable.Range(0, 14).Select(_ => $"RowKey eq '{Key(Existing(bucket))}'")) + ")";
                await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["CustomerId"]))
                {
                }
            });
            await MeasureAsync("query, 15 row keys or'ed, no partition", 100, 15, async () =>
            {
                var filter = string.Join(" or ", Enumerable.Range(0, 15).Select(_ => $"RowKey eq '{Key(random.Next(size))}'"));
                await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["CustomerId"]))
                {
                }
            });
            await MeasureAsync("batch of 100 inserts, one partition", 50, 100, async () =>
            {
                var from = NextRows(100);
                await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(k => new TableTransactionAction(TableTransactionActionType.Add, Row("p00", from + k))));
            }, 4);
            await MeasureAsync("batch of 6 inserts, one partition", 400, 6, async () =>
            {
                var from = NextRows(6);
                await table.SubmitTransactionAsync(Enumerable.Range(0, 6).Select(k => new TableTransactionAction(TableTransactionActionType.Add, Row("p01", from + k))));
            }, 4);
            await MeasureAsync("single insert", 1000, 1, async () => await table.AddEntityAsync(Row("p02", NextRows(1))));
            await MeasureAsync("batch of 6 replaces of existing rows, one partition", 400, 6, async () =>
                await table.SubmitTransactionAsync(Enumerable.Range(0, 6).Select(_ => Existing(3)).Distinct().Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row("p03", i)))), 4);
            await table.DeleteAsync();
        }
    }
}
