using System.CommandLine;
using Kozuchi.Channels.Pulls;
using Kozuchi.Core.Pulls;
using Kozuchi.Functions.Cli;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Pulls;

namespace Kozuchi.Functions.Pulls;

/// <summary>Orders pulled from carts' APIs: one timer per configured source, the runner, <c>kozuchi pull run</c>.</summary>
public static class PullsFeature
{
    public static FunctionRegistry AddPullFunctions(this FunctionRegistry registry, PullSources sources)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(sources);
        foreach (var source in sources.All)
        {
            registry.Timer<PullOrdersFunction>(source.FunctionName, source.Schedule);
        }

        return registry;
    }

    public static IServiceCollection AddPulls(this IServiceCollection services)
    {
        // Read when first needed, from the host's final configuration (see KozuchiServices).
        services.AddSingleton(sp => PullSources.Read(sp.GetRequiredService<IConfiguration>()));
        services.AddScoped<PullOrdersFunction>();
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
/// Timer <c>Pull_{source}</c>: which source is the function's own name. A pull that stops early fails the invocation
/// (after its state is saved), so the host's failure count and alerts show a shop whose token was revoked.
/// </summary>
public sealed class PullOrdersFunction(PullSources sources, PullRunner runner) : ITimerFunction
{
    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var source = sources.ForFunction(context.FunctionName)
            ?? throw new InvalidOperationException($"{context.FunctionName} is no configured pull source.");
        var report = await runner.RunAsync(source, cancellationToken);
        context.Log(report.ToString());
        if (!report.Succeeded)
        {
            throw new InvalidOperationException(report.ToString());
        }
    }
}
