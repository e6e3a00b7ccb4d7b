using Kozuchi.Functions.Observability;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Azure.Functions.Worker.Builder;

namespace Kozuchi.Functions.Hosting.Worker;

/// <summary>
/// <c>kozuchi</c> as the Functions host starts it: the .NET isolated worker, connected to the host over gRPC, serving
/// the <c>[Function]</c> methods (HTTP through the ASP.NET Core integration).
/// </summary>
public static class WorkerHost
{
    /// <summary>
    /// True when the Functions host started this process: it passes <c>--functions-uri</c> (or, with the native
    /// placeholder host, loads the app in-process), which the worker reads as <c>Functions:Worker:HostEndpoint</c>.
    /// </summary>
    public static bool IsStartedByHost(string[] args) =>
        args.Any(a => a.StartsWith("--functions-uri", StringComparison.Ordinal))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Functions__Worker__HostEndpoint"))
        || AppContext.GetData("AZURE_FUNCTIONS_NATIVE_HOST") is not null;

    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<HttpFunctionMiddleware>();
        // Outside the recovery: a message that still fails after its resources were re-created is the one recorded.
        builder.UseMiddleware<QueueFailureMiddleware>();
        builder.UseMiddleware<StorageRecoveryMiddleware>();
        builder.Services.AddKozuchi(builder.Configuration);
        builder.Services.AddFunctionServices(builder.Configuration);
        Telemetry.AddKozuchiTelemetry(builder.Services, builder.Logging, builder.Configuration, worker: true);

        var mismatches = TriggerNames.Mismatches(builder.Configuration, new StorageNames(builder.Configuration["Kozuchi:StoragePrefix"] ?? string.Empty));
        if (mismatches.Count > 0)
        {
            // The host would listen on one queue while the app writes to another: nothing would ever be processed.
            throw new InvalidOperationException("Trigger name settings disagree with Kozuchi__StoragePrefix: " + string.Join("; ", mismatches));
        }

        return builder.Build();
    }
}
