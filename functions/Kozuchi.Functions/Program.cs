using Kozuchi.Functions;
using Kozuchi.Functions.Cli;

if (KozuchiApp.IsWebInvocation(args))
{
    // Started by the Functions host (or the test host): serve invocations; without the host's port, run locally.
    var mode = Environment.GetEnvironmentVariable(KozuchiApp.PortVariable) is { Length: > 0 } ? RunMode.Handler : RunMode.Serve;
    await KozuchiApp.Build(args, mode).RunAsync();
    return 0;
}

return await KozuchiCli.Create().Parse(args).InvokeAsync();

public partial class Program;
