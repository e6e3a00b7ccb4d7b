using System.CommandLine;
using Kozuchi.Functions.Cli;

namespace Kozuchi.Functions.Demo;

/// <summary><c>kozuchi demo</c>: a realistic Japanese D2C history (with duplicates and dirty values) for trying Kozuchi.</summary>
public static class DemoCommands
{
    public static Command Create()
    {
        var customers = new Option<int>("--customers") { Description = "People to generate", DefaultValueFactory = _ => 5000 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same history", DefaultValueFactory = _ => 1 };
        var ifEmpty = new Option<bool>("--if-empty") { Description = "Do nothing when customers already exist" };
        var command = new Command("demo", "Generate demo orders and load them through ingest.") { customers, seed, ifEmpty };
        command.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var loader = host.Services.GetRequiredService<DemoLoader>();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(ifEmpty) && await loader.HasCustomersAsync(ct))
            {
                await output.WriteLineAsync("Customers already exist: demo data not loaded.");
                return 0;
            }

            var error = parse.InvocationConfiguration.Error;
            var loaded = await loader.LoadAsync(parse.GetValue(customers), parse.GetValue(seed), new SyncProgress(n => error.Write($"\r{n:N0} orders loaded ")), ct);
            await error.WriteLineAsync();
            await output.WriteLineAsync($"Loaded {loaded:N0} demo orders.");
            return 0;
        });
        return command;
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
