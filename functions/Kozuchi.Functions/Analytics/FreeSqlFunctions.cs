using System.Globalization;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Analytics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Analytics;

/// <summary>
/// Free analysis: Parquet snapshots of customers and orders (nightly and on demand) and read-only SQL over the newest
/// one, answered as JSON or downloaded as CSV. See docs/ANALYTICS.md, "Free SQL".
/// </summary>
public static class FreeSqlFunctions
{
    /// <summary>03:00 in Tokyo, after the day's orders and before the shop's morning.</summary>
    public const string SnapshotSchedule = "0 0 18 * * *";

    /// <summary>Snapshots kept in blob; older ones are deleted after each new one.</summary>
    public const int SnapshotsKept = 7;

    public sealed record SqlRequest(string? Sql, int? MaxRows);

    public static FunctionRegistry AddFreeSqlFunctions(this FunctionRegistry registry) =>
        registry
            .Http("AnalyticsSnapshotTake", "POST", "analytics/snapshots", TakeAsync)
            .Http("AnalyticsSnapshotLatest", "GET", "analytics/snapshots/latest", LatestAsync)
            .Http("AnalyticsSql", "POST", "analytics/sql", SqlAsync)
            .Timer<AnalyticsSnapshotFunction>(AnalyticsSnapshotFunction.Name, SnapshotSchedule);

    public static IServiceCollection AddFreeSql(this IServiceCollection services)
    {
        services.AddSingleton(sp => ReadOptions(sp.GetRequiredService<IConfiguration>().GetSection("Kozuchi:Analytics")));
        services.AddSingleton<AnalyticsSnapshots>();
        services.AddSingleton<FreeSql>();
        return services;
    }

    /// <summary><c>Kozuchi:Analytics:SqlTimeout</c> (TimeSpan, default 30 s) and <c>Kozuchi:Analytics:SqlMaxRows</c> (default 100,000).</summary>
    public static FreeSqlOptions ReadOptions(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new FreeSqlOptions();
        if (section["SqlTimeout"] is { } timeout)
        {
            options.Timeout = TimeSpan.Parse(timeout, CultureInfo.InvariantCulture);
        }

        if (section["SqlMaxRows"] is { } maxRows)
        {
            options.MaxRows = int.Parse(maxRows, CultureInfo.InvariantCulture);
        }

        return options;
    }

    internal static async Task<Ok<SnapshotManifest>> TakeAsync(AnalyticsSnapshots snapshots, CancellationToken cancellationToken)
    {
        var manifest = await snapshots.TakeAsync(cancellationToken);
        await snapshots.PruneAsync(SnapshotsKept, cancellationToken);
        return TypedResults.Ok(manifest);
    }

    internal static async Task<Results<Ok<SnapshotManifest>, NotFound<string>>> LatestAsync(AnalyticsSnapshots snapshots, CancellationToken cancellationToken) =>
        await snapshots.LatestAsync(cancellationToken) is { } manifest
            ? TypedResults.Ok(manifest)
            : TypedResults.NotFound("No snapshot yet.");

    /// <summary><c>{"sql": "...", "maxRows": 1000}</c>; <c>?format=csv</c> answers with a CSV file instead of JSON.</summary>
    internal static async Task<Results<Ok<SqlAnswer>, FileContentHttpResult, BadRequest<string>, Conflict<string>>> SqlAsync(
        FreeSql sql, SqlRequest? body, string? format, CancellationToken cancellationToken)
    {
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.BadRequest("format is json (default) or csv.");
        }

        var outcome = await sql.RunAsync(body?.Sql, body?.MaxRows, cancellationToken);
        return outcome switch
        {
            { Answer: { } answer } when csv => TypedResults.File(FreeSql.ToCsv(answer), "text/csv; charset=utf-8", $"kozuchi-query-{answer.SnapshotId}.csv"),
            { Answer: { } answer } => TypedResults.Ok(answer),
            { Failure: SqlFailure.NoSnapshot } => TypedResults.Conflict(outcome.Message!),
            _ => TypedResults.BadRequest(outcome.Message!),
        };
    }
}

/// <summary>Timer: the nightly snapshot, then pruning to the newest <see cref="FreeSqlFunctions.SnapshotsKept"/>.</summary>
public sealed class AnalyticsSnapshotFunction(AnalyticsSnapshots snapshots) : ITimerFunction
{
    public const string Name = "AnalyticsSnapshot";

    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manifest = await snapshots.TakeAsync(cancellationToken);
        var pruned = await snapshots.PruneAsync(FreeSqlFunctions.SnapshotsKept, cancellationToken);
        context.Log($"snapshot {manifest.Id}: {manifest.Customers} customers, {manifest.Orders} orders; {pruned} old snapshots removed");
    }
}
