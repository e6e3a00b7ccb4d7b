using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Operations;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Operations;

/// <summary>Failures an operator can see and act on: poison queues, described, inspected and replayed; imports of every path and their error reports.</summary>
public sealed class OperationsFunctions(FailedMessages failed, ImportHistory imports)
{
    [Function("ListPoison")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListPoisonAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "operations/poison")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await failed.ListAsync(Math.Clamp(req.Number("sample") ?? 5, 0, 32), cancellationToken));

    [Function("ReplayPoison")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ReplayPoisonAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "operations/poison/{queue}/replay")] HttpRequest req, string queue, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await failed.ReplayAsync(queue, Math.Clamp(req.Number("max") ?? 1000, 1, 100_000), cancellationToken));
        }
        catch (ArgumentException e)
        {
            return TypedResults.NotFound(e.Message);
        }
    }

    [Function("ListImports")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListImportsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "operations/imports")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await imports.ListAsync(cancellationToken));

    [Function("ListWebhookImports")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListWebhooksAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "operations/webhooks")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await imports.WebhooksAsync(cancellationToken));

    /// <summary><c>?file=</c> the dropped file's name; answers its error report as a CSV download.</summary>
    [Function("ImportErrors")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ImportErrorsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "operations/imports/errors")] HttpRequest req, CancellationToken cancellationToken)
    {
        var file = req.Text("file");
        if (string.IsNullOrEmpty(file) || file.EndsWith(Ingest.ImportOrdersFunction.ErrorsSuffix, StringComparison.Ordinal) || !BlobNames.IsSafe(file))
        {
            return TypedResults.BadRequest("file is the name of a dropped import file, e.g. shopify/2026-11.csv.");
        }

        return await imports.ErrorReportAsync(file, cancellationToken) is { } csv
            ? TypedResults.File(csv, "text/csv; charset=utf-8", Path.GetFileName(file) + Ingest.ImportOrdersFunction.ErrorsSuffix)
            : TypedResults.NotFound($"No error report for {file}.");
    }
}

public static class OperationsFeature
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddScoped<PoisonQueues>();
        services.AddSingleton<ImportHistory>();
        services.AddSingleton<ImportLog>();
        services.AddSingleton<QueueFailures>();
        services.AddSingleton<QueueFailureRecorder>();
        services.AddScoped<FailedMessages>();
        return services;
    }
}
