using System.CommandLine;

namespace Kozuchi.Functions.Cli;

/// <summary>The <c>kozuchi</c> command line. Features add their commands in <see cref="Create"/>.</summary>
public static class KozuchiCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Kozuchi — CRM for e-commerce and D2C shops (小槌). Without a command: `serve`. Started by the Functions host (--functions-uri), the isolated worker.");
        root.Subcommands.Add(Serve());
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
            var app = KozuchiApp.Build([], parse.GetValue(port));
            await app.StartAsync(ct);
            await Console.Out.WriteLineAsync(ServeBanner.Text(app.Urls));
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
