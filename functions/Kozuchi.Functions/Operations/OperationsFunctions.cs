using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Operations;

/// <summary>Failures an operator can see and act on: poison queues, inspected and replayed; imports and their error reports.</summary>
public static class OperationsFunctions
{
    public static FunctionRegistry AddOperationsFunctions(this FunctionRegistry registry) =>
        registry
            .Http("ListPoison", "GET", "operations/poison", ListPoisonAsync)
            .Http("ReplayPoison", "POST", "operations/poison/{queue}/replay", ReplayPoisonAsync)
            .Http("ListImports", "GET", "operations/imports", ImportHistory.ListAsync)
            .Http("ImportErrors", "GET", "operations/imports/errors", ImportHistory.ErrorsAsync);

    public static IServiceCollection AddOperations(this IServiceCollection services) => services.AddScoped<PoisonQueues>();

    internal static async Task<Ok<IReadOnlyList<PoisonQueueSummary>>> ListPoisonAsync(PoisonQueues poison, int? sample, CancellationToken cancellationToken) =>
        TypedResults.Ok(await poison.ListAsync(Math.Clamp(sample ?? 5, 0, 32), cancellationToken));

    internal static async Task<Results<Ok<ReplayOutcome>, NotFound<string>>> ReplayPoisonAsync(string queue, PoisonQueues poison, int? max, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await poison.ReplayAsync(queue, Math.Clamp(max ?? 1000, 1, 100_000), cancellationToken));
        }
        catch (ArgumentException e)
        {
            return TypedResults.NotFound(e.Message);
        }
    }
}
