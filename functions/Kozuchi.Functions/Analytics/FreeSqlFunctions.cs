using System.Globalization;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Analytics;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Analytics;

/// <summary>
/// Free analysis: Parquet snapshots of customers and orders (nightly and on demand) and read-only SQL over the newest
/// one, answered as JSON or downloaded as CSV. See docs/ANALYTICS.md, "Free SQL".
/// </summary>
public static class FreeSqlFeature
{
    /// <summary>03:00 in Tokyo, after the day's orders and before the shop's morning.</summary>
    public const string SnapshotSchedule = "0 0 18 * * *";

    /// <summary>Snapshots kept in blob; older ones are deleted after each new one.</summary>
    public const int SnapshotsKept = 7;

    public sealed record SqlRequest(string? Sql, int? MaxRows);

    public static IServiceCollection AddFreeSql(this IServiceCollection services)
    {
        services.AddSingleton(sp => ReadOptions(sp.GetRequiredService<IConfiguration>().GetSection("Kozuchi:Analytics")));
        services.AddSingleton<AnalyticsSnapshots>();
        services.AddSingleton<FreeSql>();
        services.AddSingleton<SnapshotJob>();
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
}

/// <summary>A snapshot now (or nightly), then pruning to the newest <see cref="FreeSqlFeature.SnapshotsKept"/>.</summary>
public sealed class SnapshotJob(AnalyticsSnapshots snapshots)
{
    public async Task<(SnapshotManifest Manifest, int Pruned)> RunAsync(CancellationToken cancellationToken)
    {
        var manifest = await snapshots.TakeAsync(cancellationToken);
        var pruned = await snapshots.PruneAsync(FreeSqlFeature.SnapshotsKept, cancellationToken);
        return (manifest, pruned);
    }
}

public sealed class FreeSqlFunctions(SnapshotJob job, AnalyticsSnapshots snapshots, FreeSql sql, ILogger<FreeSqlFunctions> logger)
{
    [Function("AnalyticsSnapshotTake")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> TakeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "analytics/snapshots")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok((await job.RunAsync(cancellationToken)).Manifest);

    [Function("AnalyticsSnapshotLatest")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> LatestAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/snapshots/latest")] HttpRequest req, CancellationToken cancellationToken) =>
        await snapshots.LatestAsync(cancellationToken) is { } manifest ? TypedResults.Ok(manifest) : TypedResults.NotFound("No snapshot yet.");

    /// <summary><c>{"sql": "...", "maxRows": 1000}</c>; <c>?format=csv</c> answers with a CSV file instead of JSON.</summary>
    [Function("AnalyticsSql")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> SqlAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "analytics/sql")] HttpRequest req, CancellationToken cancellationToken)
    {
        var format = req.Text("format");
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.BadRequest("format is json (default) or csv.");
        }

        var body = await req.ReadJsonAsync<FreeSqlFeature.SqlRequest>(cancellationToken);
        var outcome = await sql.RunAsync(body?.Sql, body?.MaxRows, cancellationToken);
        return outcome switch
        {
            { Answer: { } answer } when csv => TypedResults.File(FreeSql.ToCsv(answer), "text/csv; charset=utf-8", $"kozuchi-query-{answer.SnapshotId}.csv"),
            { Answer: { } answer } => TypedResults.Ok(answer),
            { Failure: SqlFailure.NoSnapshot } => TypedResults.Conflict(outcome.Message!),
            _ => TypedResults.BadRequest(outcome.Message!),
        };
    }

    /// <summary>Timer: the nightly snapshot, 03:00 in Tokyo, after the day's orders and before the shop's morning.</summary>
    [Function("AnalyticsSnapshot")]
    public async Task SnapshotAsync([TimerTrigger(FreeSqlFeature.SnapshotSchedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var (manifest, pruned) = await job.RunAsync(cancellationToken);
        FunctionLog.Done(logger, "AnalyticsSnapshot", () => $"snapshot {manifest.Id}: {manifest.Customers} customers, {manifest.Orders} orders; {pruned} old snapshots removed");
    }
}
