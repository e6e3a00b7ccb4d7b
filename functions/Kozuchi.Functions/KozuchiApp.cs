using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Functions.Observability;

namespace Kozuchi.Functions;

/// <summary><c>kozuchi serve</c>: the local runtime on 127.0.0.1, calling the same function classes as the worker.</summary>
public static class KozuchiApp
{
    public const int DefaultServePort = 7071;

    public static WebApplication Build(string[] args, int? port = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        LocalSettings.AddTo(builder.Configuration);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kozuchi:LocalRuntime:Enabled"] = "true" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port ?? DefaultServePort}");
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });

        builder.Services.AddKozuchi(builder.Configuration);
        builder.Services.AddFunctionServices(builder.Configuration);
        builder.Services.AddLocalRuntime(builder.Configuration);
        Telemetry.AddKozuchiTelemetry(builder.Services, builder.Logging, builder.Configuration, worker: false);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapLocalFunctions();
        MapEntryPoints(app);
        return app;
    }

    /// <summary>
    /// What a person types into the browser: the app's address opens the dashboard (<c>/</c> → <c>/api/dashboard/</c>,
    /// which signs them in first), and the browser's own request for <c>/favicon.ico</c> gets the app's icon. These
    /// are the only routes besides the functions (docs/FUNCTIONS.md, "Not functions").
    /// </summary>
    public static void MapEntryPoints(IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var prefix = "/" + app.ServiceProvider.GetRequiredService<HostSettings>().RoutePrefix.Trim('/');
        app.MapMethods("/", ["GET", "HEAD"], () => TypedResults.Redirect($"{prefix}/{Dashboard.DashboardFunctions.Route}/"));
        app.MapMethods("/favicon.ico", ["GET", "HEAD"], () => TypedResults.Redirect($"{prefix}/{Dashboard.DashboardFunctions.Route}/login/favicon.svg", permanent: true));
    }

    /// <summary>
    /// True when the process should serve rather than run a CLI command: no arguments, or only the
    /// <c>--key=value</c> settings that the test host passes.
    /// </summary>
    public static bool IsWebInvocation(string[] args) =>
        args.All(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal));
}
