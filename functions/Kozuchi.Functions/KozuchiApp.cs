using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Observability;

namespace Kozuchi.Functions;

public enum RunMode
{
    /// <summary>Started by the Functions host: listen on 127.0.0.1:<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>.</summary>
    Handler,

    /// <summary><c>kozuchi serve</c>: the same app plus the local trigger runtime, on 127.0.0.1:7071.</summary>
    Serve,
}

public static class KozuchiApp
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const int DefaultServePort = 7071;

    public static WebApplication Build(string[] args, RunMode mode, int? port = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        if (mode == RunMode.Serve)
        {
            LocalSettings.AddTo(builder.Configuration);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kozuchi:LocalRuntime:Enabled"] = "true" });
        }

        var listenPort = port ?? (mode == RunMode.Handler
            ? int.Parse(builder.Configuration[PortVariable] ?? throw new InvalidOperationException($"{PortVariable} is not set."), System.Globalization.CultureInfo.InvariantCulture)
            : DefaultServePort);
        builder.WebHost.UseUrls($"http://127.0.0.1:{listenPort}");
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });

        builder.Services.AddKozuchi(builder.Configuration);
        builder.Services.AddFunctionHost(builder.Configuration);
        builder.AddKozuchiTelemetry();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapFunctionHost();
        return app;
    }

    /// <summary>
    /// True when the process should be the web app rather than a CLI command: no arguments, or only the
    /// <c>--key=value</c> settings that hosts and the test host pass.
    /// </summary>
    public static bool IsWebInvocation(string[] args) =>
        args.All(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal));
}
