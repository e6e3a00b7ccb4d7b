using Kozuchi.Functions;
using Kozuchi.Functions.Cli;
using Kozuchi.Functions.Hosting.Worker;

// One executable, three modes: the isolated worker when the Functions host starts it, `kozuchi serve` (also with no
// arguments), and the CLI.
if (WorkerHost.IsStartedByHost(args))
{
    await WorkerHost.Build(args).RunAsync();
    return 0;
}

if (KozuchiApp.IsWebInvocation(args))
{
    await KozuchiApp.Build(args).RunAsync();
    return 0;
}

return await KozuchiCli.Create().Parse(args).InvokeAsync();

public partial class Program;
