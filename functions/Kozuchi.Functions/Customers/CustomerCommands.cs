using System.CommandLine;
using Kozuchi.Functions.Cli;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Functions.Customers;

/// <summary><c>kozuchi customer reindex</c>: builds customer search's name index over the customers already stored.</summary>
public static class CustomerCommands
{
    public const int Chunk = 1000;

    public static Command Reindex()
    {
        var command = new Command("reindex", "Index every customer's name and kana for customer search (ingest keeps it current; run once over data stored before the index existed).");
        command.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var store = host.Services.GetRequiredService<CustomerStore>();
            var index = host.Services.GetRequiredService<CustomerSearchIndex>();
            var count = 0;
            var chunk = new List<Kozuchi.Core.Customers.CustomerRecord>(Chunk);
            await foreach (var record in store.ScanRecordsAsync(ct))
            {
                chunk.Add(record);
                if (chunk.Count == Chunk)
                {
                    await index.IndexAsync(chunk, ct);
                    count += chunk.Count;
                    chunk.Clear();
                }
            }

            await index.IndexAsync(chunk, ct);
            count += chunk.Count;
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{count} customers indexed for search.");
            return 0;
        });
        return command;
    }
}
