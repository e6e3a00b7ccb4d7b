using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Cli;

/// <summary>
/// The services a CLI command runs with: the same registrations as the app, configured from the same
/// <c>AzureWebJobsStorage</c> setting (environment, or local.settings.json when run from the repository root).
/// </summary>
public static class CliHost
{
    public static IHost Build()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        LocalSettings.AddTo(builder.Configuration);

        // Commands print their results (often JSON) on stdout: logs go to stderr, and only warnings and worse, whatever
        // appsettings.json says for the app.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddKozuchi(builder.Configuration);
        return builder.Build();
    }

    /// <summary>Creates missing storage, then returns the running host's services.</summary>
    public static async Task<IHost> StartAsync(CancellationToken cancellationToken)
    {
        var host = Build();
        await StorageInitializer.EnsureCreatedAsync(host.Services.GetRequiredService<StorageClients>(), cancellationToken);
        return host;
    }
}
