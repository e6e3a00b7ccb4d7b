using System.CommandLine;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Cli;

/// <summary>The <c>kozuchi</c> command line. Features add their commands in <see cref="Create"/>.</summary>
public static class KozuchiCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Kozuchi — CRM for e-commerce and D2C shops (小槌). Without a command: the Functions custom handler when FUNCTIONS_CUSTOMHANDLER_PORT is set, otherwise `serve`.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Functions());
        root.Subcommands.Add(Operations.ReplayCommands.Create());
        root.Subcommands.Add(Reports.ReportCommands.Create());
        root.Subcommands.Add(Analytics.ClvCommands.Create());
        root.Subcommands.Add(Ingest.ImportCommands.Create());
        root.Subcommands.Add(Pulls.PullsFeature.Commands());
        root.Subcommands.Add(Erasure.ErasureCommands.Create());
        root.Subcommands.Add(Scenarios.ScenarioCommands.Create());
        root.Subcommands.Add(Demo.DemoCommands.Create());
        return root;
    }

    private static Command Serve()
    {
        var port = new Option<int>("--port") { Description = "Port for HTTP on 127.0.0.1 (0: any free port; the banner says which)", DefaultValueFactory = _ => KozuchiApp.DefaultServePort };
        var command = new Command("serve", "Run locally: the app on 127.0.0.1:7071 with queue, timer and blob triggers delivered from storage (Azurite).") { port };
        command.SetAction(async (parse, ct) =>
        {
            var app = KozuchiApp.Build([], RunMode.Serve, parse.GetValue(port));
            await app.StartAsync(ct);
            await Console.Out.WriteLineAsync(ServeBanner.Text(app.Urls));
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static Command Functions()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Directory to write <FunctionName>/function.json into (the app root of the deployment package)" };
        var source = new Option<FunctionManifest.BlobSource>("--blob-source")
        {
            Description = "Event source of blob triggers: EventGrid (Flex Consumption) or LogsAndContainerScan",
            DefaultValueFactory = _ => FunctionManifest.BlobSource.EventGrid,
        };
        var manifest = new Command("manifest", "Write the host's function.json files from the function registry.") { dir, source };
        manifest.SetAction(parse =>
        {
            // The pull timers come from the Kozuchi__Pulls__Sources__* settings in the packaging environment (azd passes its
            // environment's values to the prepackage hook); not local.settings.json, whose local sources Azure does not have.
            var configuration = new ConfigurationManager();
            configuration.AddEnvironmentVariables();
            var written = FunctionManifest.Write(Features.CreateRegistry(configuration), StorageNames.Default, parse.GetValue(dir)!.FullName, parse.GetValue(source));
            Console.WriteLine($"Wrote {written.Count} function.json files to {parse.GetValue(dir)!.FullName}");
            return 0;
        });
        return new Command("functions", "Functions host integration.") { manifest };
    }
}
