using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Kozuchi.Functions.Observability;

/// <summary>
/// Traces, metrics and logs through OpenTelemetry. The exporter follows the environment: Azure Monitor when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (Entra ID auth when the authentication string names a
/// client id, since the Bicep disables local auth), OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set,
/// otherwise none (logs still go to the console). In the isolated worker the Functions worker's own instrumentation
/// (<c>UseFunctionsWorkerDefaults</c>: invocation spans correlated with the host's) is added.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "Kozuchi";
    public const string ServiceName = "kozuchi";

    public static void AddKozuchiTelemetry(IServiceCollection services, ILoggingBuilder logging, IConfiguration config, bool worker)
    {
        var appInsights = config["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = config["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(appInsights) && string.IsNullOrWhiteSpace(otlp))
        {
            return;
        }

        var credential = AppInsightsCredential(config["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithTracing(t =>
            {
                t.AddSource(LocalFunctionRunner.Activity.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    t.AddAzureMonitorTraceExporter(o => Configure(o, appInsights, credential));
                }
                else
                {
                    t.AddOtlpExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    m.AddAzureMonitorMetricExporter(o => Configure(o, appInsights, credential));
                }
                else
                {
                    m.AddOtlpExporter();
                }
            });
        if (worker)
        {
            otel.UseFunctionsWorkerDefaults();
        }

        logging.AddOpenTelemetry(l =>
        {
            l.IncludeFormattedMessage = true;
            if (!string.IsNullOrWhiteSpace(appInsights))
            {
                l.AddAzureMonitorLogExporter(o => Configure(o, appInsights, credential));
            }
            else
            {
                l.AddOtlpExporter();
            }
        });
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        if (credential is not null)
        {
            options.Credential = credential;
        }
    }

    /// <summary><c>Authorization=AAD;ClientId=…</c> as App Service documents it for Entra-only Application Insights.</summary>
    internal static TokenCredential? AppInsightsCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var auth) || !auth.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
