using System.CommandLine;
using Kozuchi.Functions.Cli;
using Kozuchi.Storage.Operations;

namespace Kozuchi.Functions.Operations;

/// <summary><c>kozuchi replay poison</c>: inspect and replay dead-lettered messages from the command line.</summary>
public static class ReplayCommands
{
    public static Command Create()
    {
        var queue = new Argument<string?>("queue") { Description = "Queue whose poison messages go back (omit to list poison queues)", Arity = ArgumentArity.ZeroOrOne };
        var max = new Option<int>("--max") { Description = "Most messages to move", DefaultValueFactory = _ => 1000 };
        var poison = new Command("poison", "List poison queues, or move a queue's poison messages back onto it unchanged.") { queue, max };
        poison.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var queues = host.Services.GetRequiredService<PoisonQueues>();
            var name = parse.GetValue(queue);
            if (name is null)
            {
                foreach (var q in await queues.ListAsync(0, ct))
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"{q.Queue}\t{q.ApproximateCount}");
                }

                return 0;
            }

            try
            {
                var outcome = await queues.ReplayAsync(name, parse.GetValue(max), ct);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Moved {outcome.Moved} message(s) from {name}-poison back to {name}.");
                return 0;
            }
            catch (ArgumentException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(e.Message);
                return 2;
            }
        });
        var prefix = new Argument<string>("prefix") { Description = "Stored payloads to send through ingest again: webhooks/, webhooks/shopify/, imports/<file>/ …", DefaultValueFactory = _ => "webhooks/" };
        var rawCommand = new Command("raw", "Queue stored raw payloads (webhook bodies, import chunks) for ingest again; idempotent.") { prefix };
        rawCommand.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var queued = await host.Services.GetRequiredService<Kozuchi.Storage.Orders.IngestPipeline>().ReplayAsync(parse.GetValue(prefix)!, ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Queued {queued} stored payload(s) under {parse.GetValue(prefix)} for ingest.");
            return 0;
        });
        return new Command("replay", "Replay what failed, or what was stored.") { poison, rawCommand };
    }
}
