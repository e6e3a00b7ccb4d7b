using System.CommandLine;
using System.Text.Json;
using Kozuchi.Functions.Cli;
using Kozuchi.Storage.Erasure;

namespace Kozuchi.Functions.Erasure;

/// <summary><c>kozuchi customer erase|data-request &lt;id&gt;</c>: the same erasure service as the API and the Shopify webhooks.</summary>
public static class ErasureCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var by = new Option<string?>("--by") { Description = "Who asked, for the audit record (default: cli:<user>)" };
        var eraseId = new Argument<string>("id") { Description = "Customer id (a merged id erases the customer it was merged into)" };
        var erase = new Command("erase", "Erase the customer's personal data everywhere it is kept; totals stay, anonymously.") { eraseId, by };
        erase.SetAction((parse, ct) => RunAsync(parse, (service, who) => service.EraseAsync(parse.GetValue(eraseId)!, who, "cli request", ct), by, ct));

        var requestId = new Argument<string>("id") { Description = "Customer id" };
        var requestBy = new Option<string?>("--by") { Description = "Who asked, for the audit record (default: cli:<user>)" };
        var request = new Command("data-request", "Export what is held about the customer as JSON in the data-requests container.") { requestId, requestBy };
        request.SetAction((parse, ct) => RunAsync(parse, (service, who) => service.ExportAsync(parse.GetValue(requestId)!, who, "cli request", ct), requestBy, ct));

        return new Command("customer", "One customer's personal data: erasure and data requests; the search index.") { erase, request, Customers.CustomerCommands.Reindex() };
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<ErasureService, string, Task<ErasureResult?>> run, Option<string?> by, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(cancellationToken);
        var who = parse.GetValue(by) ?? "cli:" + Environment.UserName;
        var result = await run(host.Services.GetRequiredService<ErasureService>(), who);
        if (result is null)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync("No such customer.");
            return 1;
        }

        await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(result, Json));
        return 0;
    }
}
