using System.Globalization;
using System.Text.Json;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Scenarios;

/// <summary>Nurture scenarios: the engine's queue and timer functions, the scenario API.</summary>
public static class ScenariosFeature
{
    /// <summary>Every five minutes: lost wake-ups, unfinished outboxes, broadcasts that came due.</summary>
    public const string SweepSchedule = "0 */5 * * * *";

    /// <summary>00:05 UTC = 09:05 Asia/Tokyo: daily triggers run once the shop's day has begun and LINE quiet hours have ended.</summary>
    public const string DailySchedule = "0 5 0 * * *";

    public static FunctionRegistry AddScenarioFunctions(this FunctionRegistry registry) =>
        registry
            .Queue<RouteScenarioEventsFunction>(RouteScenarioEventsFunction.Name, StorageCatalog.Queues.ScenarioEvents)
            .Queue<ScenarioWakeupFunction>(ScenarioWakeupFunction.Name, StorageCatalog.Queues.ScenarioWakeups)
            .Timer<ScenarioSweepFunction>(ScenarioSweepFunction.Name, SweepSchedule)
            .Timer<ScenarioDailyTriggersFunction>(ScenarioDailyTriggersFunction.Name, DailySchedule)
            .AddScenarioApi();

    public static IServiceCollection AddScenarios(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IOptions<ScenarioEngineOptions>>(_ => Options.Create(ReadOptions(configuration.GetSection("Kozuchi:Scenarios"))));
        services.AddSingleton<ScenarioStore>();
        services.AddSingleton<EnrollmentStore>();
        services.AddSingleton<SendLedger>();
        services.AddSingleton<SendBatches>();
        services.AddSingleton<ScenarioTimers>();
        services.AddSingleton<SendCounters>();
        services.AddSingleton<SegmentStore>();
        services.AddSingleton(IEngineProbe.None);
        services.AddSingleton<ScenarioEngine>();
        services.AddSingleton<ScenarioEventPublisher>();
        services.AddSingleton<ScenarioRouter>();
        services.AddSingleton<ScenarioWakeups>();
        services.AddSingleton<ScenarioTriggerRunner>();
        services.AddSingleton<ScenarioService>();
        services.AddSingleton<EnrollmentChanges>();
        services.AddSingleton<ScenarioResultsStore>();
        services.AddSingleton<ScenarioResultsCache>();
        return services;
    }

    /// <summary>
    /// <c>Kozuchi:Scenarios:FrequencyCap:Period</c> (day|week|month) and <c>…:FrequencyCap:{email|line|postal|phone}</c>
    /// (sends per period, 0 = no cap); <c>Kozuchi:Scenarios:OrderTriggerWindow</c> (a TimeSpan);
    /// <c>Kozuchi:Scenarios:UnitCosts:{email|line|postal|phone}</c> (cost of one send, for ROAS);
    /// <c>Kozuchi:Scenarios:WinnerMinSamplePerArm</c>.
    /// </summary>
    public static ScenarioEngineOptions ReadOptions(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new ScenarioEngineOptions();
        var cap = section.GetSection("FrequencyCap");
        var limits = new Dictionary<Channel, int>(options.FrequencyCap.Limits);
        foreach (var channel in Enum.GetValues<Channel>())
        {
            if (cap[channel.Code()] is { } text)
            {
                limits[channel] = int.Parse(text, CultureInfo.InvariantCulture);
            }
        }

        var period = cap["Period"] is { } p ? Enum.Parse<CapPeriod>(p, ignoreCase: true) : options.FrequencyCap.Period;
        options.FrequencyCap = new FrequencyCap { Period = period, Limits = limits };
        if (section["OrderTriggerWindow"] is { } window)
        {
            options.OrderTriggerWindow = TimeSpan.Parse(window, CultureInfo.InvariantCulture);
        }

        var costs = section.GetSection("UnitCosts");
        foreach (var channel in Enum.GetValues<Channel>())
        {
            if (costs[channel.Code()] is { } cost)
            {
                options.UnitCosts[channel] = decimal.Parse(cost, CultureInfo.InvariantCulture);
            }
        }

        if (section["WinnerMinSamplePerArm"] is { } minSample)
        {
            options.WinnerMinSamplePerArm = int.Parse(minSample, CultureInfo.InvariantCulture);
        }

        return options;
    }
}

/// <summary>Queue <c>scenario-events</c>: starts enrollments and delivers orders to running ones.</summary>
public sealed partial class RouteScenarioEventsFunction(ScenarioRouter router, ILogger<RouteScenarioEventsFunction> logger) : IQueueFunction
{
    public const string Name = "RouteScenarioEvents";

    public async Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        ScenarioEventBatch batch;
        try
        {
            batch = ScenarioEventBatch.Parse(message.Text);
        }
        catch (JsonException ex)
        {
            // Retrying cannot fix it: the message goes to the poison queue for a person to look at.
            throw new InvalidOperationException("Not a scenario event batch: " + ex.Message, ex);
        }

        var report = await router.RouteAsync(batch.Events, cancellationToken);
        LogRouted(logger, report.Events, report.Started, report.Delivered);
        context.Log($"{report.Events} events: {report.Started} started, {report.Delivered} delivered, {report.Skipped} not entered");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "scenario-events: {Events} events, {Started} started, {Delivered} delivered")]
    private static partial void LogRouted(ILogger logger, int events, int started, int delivered);
}

/// <summary>Queue <c>scenario-wakeups</c>: the timers of one or many enrollments (re-queued when they arrive before their time).</summary>
public sealed class ScenarioWakeupFunction(ScenarioWakeups wakeups) : IQueueFunction
{
    public const string Name = "ScenarioWakeup";

    public async Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var results = await wakeups.HandleAsync(message.Text, cancellationToken);
        context.Log(string.Join(", ", results.GroupBy(r => r).Select(g => $"{g.Count()} {g.Key}")));
    }
}

/// <summary>Timer: fires what wake-up messages missed, finishes outboxes a crash left, and starts due broadcasts.</summary>
public sealed class ScenarioSweepFunction(ScenarioWakeups wakeups, ScenarioTriggerRunner triggers) : ITimerFunction
{
    public const string Name = "ScenarioSweep";

    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await wakeups.SweepAsync(cancellationToken);
        var broadcast = await triggers.RunBroadcastsAsync(cancellationToken);
        context.Log($"sweep: {report.Due} due, {report.Fired} fired, {report.Held} held; broadcast enrolls {broadcast}");
    }
}

/// <summary>
/// Timer: daily triggers (days since last order, anniversary, birthday) and segment entry over all customers, then
/// auto-winner decisions (daily, because results read every enrollment of a scenario and A/B tests run for weeks).
/// </summary>
public sealed class ScenarioDailyTriggersFunction(ScenarioTriggerRunner triggers, ScenarioService scenarios) : ITimerFunction
{
    public const string Name = "ScenarioDailyTriggers";

    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await triggers.RunDailyAsync(cancellationToken);
        context.Log($"{report.Day:yyyy-MM-dd}: {report.Customers} customers, {report.Enrolls} enroll events, {report.SegmentEnters} segment enters");
        foreach (var winner in await scenarios.ApplyAutoWinnersAsync(cancellationToken))
        {
            context.Log($"{winner.ScenarioId}: split {winner.SplitId} won by {winner.Arm}; new customers go to it");
        }
    }
}
