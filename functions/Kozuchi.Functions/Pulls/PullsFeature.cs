using System.CommandLine;
using Kozuchi.Channels.Pulls;
using Kozuchi.Core.Pulls;
using Kozuchi.Functions.Cli;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Pulls;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Pulls;

/// <summary>Orders pulled from carts' APIs: the <c>PullOrders</c> timer, each source on its own schedule, the runner, <c>kozuchi pull run</c>.</summary>
public static class PullsFeature
{
    public static IServiceCollection AddPulls(this IServiceCollection services)
    {
        // Read when first needed, from the host's final configuration (sources added late by tests included).
        services.AddSingleton(sp => PullSources.Read(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<PullScheduler>();
        services.AddSingleton<PullMarkStore>();
        services.AddSingleton<ICartTokenStore, StorageCartTokenStore>();
        services.AddSingleton(new CartHttpOptions());
        services.AddHttpClient("cart-pulls", c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddTransient(sp => new CartHttp(sp.GetRequiredService<IHttpClientFactory>().CreateClient("cart-pulls"), sp.GetRequiredService<ICartTokenStore>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<CartHttpOptions>(), sp.GetRequiredService<ILogger<CartHttp>>()));
        services.AddTransient<ICartAdapter, ShopifyPullAdapter>();
        services.AddTransient<ICartAdapter, BasePullAdapter>();
        services.AddTransient<ICartAdapter, ColorMePullAdapter>();
        services.AddTransient<PullRunner>();
        return services;
    }

    /// <summary><c>kozuchi pull run &lt;source&gt;</c>: one pull now, as the timer would, with the same high-water mark.</summary>
    public static Command Commands()
    {
        var name = new Argument<string>("source") { Description = "The source's Name (Kozuchi__Pulls__Sources__n__Name)" };
        var run = new Command("run", "Pull one source now: land and queue what changed since its high-water mark.") { name };
        run.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var sources = host.Services.GetRequiredService<PullSources>();
            var source = sources.Find(parse.GetValue(name)!);
            if (source is null)
            {
                var known = sources.All.Count == 0 ? "none configured" : string.Join(", ", sources.All.Select(s => s.Name));
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No pull source '{parse.GetValue(name)}' ({known}).");
                return 2;
            }

            var report = await host.Services.GetRequiredService<PullRunner>().RunAsync(source, ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync(report.ToString());
            return report.Succeeded ? 0 : 1;
        });
        return new Command("pull", "Cart order pulls.") { run };
    }
}

/// <summary>
/// Timer <c>PullOrders</c>, every minute: runs each configured source whose own <c>Schedule</c> has come due. A pull
/// that stops early fails the invocation (after every due source ran and its state is saved), so the host's failure
/// count and alerts show a shop whose token was revoked.
/// </summary>
public sealed class PullFunctions(PullScheduler scheduler, ILogger<PullFunctions> logger)
{
    [Function("PullOrders")]
    public async Task RunAsync([TimerTrigger(PullScheduler.Tick)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var reports = await scheduler.RunDueAsync(cancellationToken);
        foreach (var report in reports)
        {
            FunctionLog.Done(logger, "PullOrders", () => report.ToString());
        }

        if (reports.Where(r => !r.Succeeded).Select(r => r.ToString()).ToList() is { Count: > 0 } failed)
        {
            throw new InvalidOperationException(string.Join("; ", failed));
        }
    }
}

/// <summary>
/// Each source on its own NCRONTAB schedule (UTC), checked at every tick of the <c>PullOrders</c> timer: its last and
/// next run kept in <c>KozuchiRuntime</c> and a blob lease per source (<see cref="ScheduledJob"/>), so a source runs
/// once per occurrence however many instances tick, and a run missed while the app was stopped is made up once.
/// </summary>
public sealed class PullScheduler(PullSources sources, PullRunner runner, StorageClients storage, TimeProvider time)
{
    /// <summary>The timer's tick: every minute, the finest a source's schedule can be honoured.</summary>
    public const string Tick = "0 * * * * *";

    /// <summary>Runs the sources that are due, side by side; returns what each did (a source that threw reports its error).</summary>
    public async Task<IReadOnlyList<PullReport>> RunDueAsync(CancellationToken cancellationToken)
    {
        var runs = sources.All.Select(async source =>
        {
            PullReport? report = null;
            var job = new ScheduledJob("pull", source.Name, source.Schedule, storage, time);
            try
            {
                await job.RunDueAsync(atStartup: false, runOnStartup: false, async (_, ct) => report = await runner.RunAsync(source, ct), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                report = new PullReport(source.Name, PullStatus.Failed, 0, 0, null, e.Message);
            }

            return report;
        });
        return [.. (await Task.WhenAll(runs)).OfType<PullReport>()];
    }
}
