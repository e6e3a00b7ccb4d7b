using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Scenarios;

/// <summary>Nurture scenarios: the engine's queue and timer functions, the scenario API.</summary>
public static class ScenariosFeature
{
    /// <summary>Every five minutes: lost wake-ups, unfinished outboxes, broadcasts that came due.</summary>
    public const string SweepSchedule = "0 */5 * * * *";

    /// <summary>00:05 UTC = 09:05 Asia/Tokyo: daily triggers run once the shop's day has begun and LINE quiet hours have ended.</summary>
    public const string DailySchedule = "0 5 0 * * *";

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
        services.AddSingleton<SendOutcomeChanges>();
        services.AddSingleton<ScenarioResultsStore>();
        services.AddSingleton<ScenarioResultsCache>();
        services.AddSingleton<ScenarioJobs>();
        services.AddSingleton<ScenarioAudiences>();
        services.AddSingleton<ScenarioBuilder>();
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

/// <summary>The engine's queue and timer functions: each hands its trigger to <see cref="ScenarioJobs"/>.</summary>
public sealed class ScenarioFunctions(ScenarioJobs jobs, ILogger<ScenarioFunctions> logger)
{
    /// <summary>Queue <c>scenario-events</c>: starts enrollments and delivers orders to running ones.</summary>
    [Function("RouteScenarioEvents")]
    public async Task RouteEventsAsync([QueueTrigger(TriggerNames.ScenarioEvents, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var summary = await jobs.RouteEventsAsync(message.Body.ToString(), cancellationToken);
        FunctionLog.Done(logger, "RouteScenarioEvents", () => summary);
    }

    /// <summary>Queue <c>scenario-wakeups</c>: the timers of one or many enrollments (re-queued when they arrive before their time).</summary>
    [Function("ScenarioWakeup")]
    public async Task WakeupAsync([QueueTrigger(TriggerNames.ScenarioWakeups, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var summary = await jobs.WakeupAsync(message.Body.ToString(), cancellationToken);
        FunctionLog.Done(logger, "ScenarioWakeup", () => summary);
    }

    /// <summary>Timer: fires what wake-up messages missed, finishes outboxes a crash left, and starts due broadcasts.</summary>
    [Function("ScenarioSweep")]
    public async Task SweepAsync([TimerTrigger(ScenariosFeature.SweepSchedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var summary = await jobs.SweepAsync(cancellationToken);
        FunctionLog.Done(logger, "ScenarioSweep", () => summary);
    }

    /// <summary>Timer: daily triggers and segment entry over all customers, then auto-winner decisions.</summary>
    [Function("ScenarioDailyTriggers")]
    public async Task DailyTriggersAsync([TimerTrigger(ScenariosFeature.DailySchedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var summary = await jobs.DailyAsync(cancellationToken);
        FunctionLog.Done(logger, "ScenarioDailyTriggers", () => summary);
    }
}

/// <summary>What the engine's queue and timer functions do, each returning the line its function logs.</summary>
public sealed partial class ScenarioJobs(ScenarioRouter router, ScenarioWakeups wakeups, ScenarioTriggerRunner triggers, ScenarioService scenarios, ILogger<ScenarioJobs> logger)
{
    public async Task<string> RouteEventsAsync(string message, CancellationToken cancellationToken)
    {
        ScenarioEventBatch batch;
        try
        {
            batch = ScenarioEventBatch.Parse(message);
        }
        catch (JsonException ex)
        {
            // Retrying cannot fix it: the message goes to the poison queue for a person to look at.
            throw new InvalidOperationException("Not a scenario event batch: " + ex.Message, ex);
        }

        var report = await router.RouteAsync(batch.Events, cancellationToken);
        LogRouted(logger, report.Events, report.Started, report.Delivered);
        return $"{report.Events} events: {report.Started} started, {report.Delivered} delivered, {report.Skipped} not entered";
    }

    /// <summary>One wake-up (version 1) or the wake-ups of a minute (version 2): fired together, early ones sent back.</summary>
    public async Task<string> WakeupAsync(string message, CancellationToken cancellationToken) =>
        string.Join(", ", (await wakeups.HandleAsync(message, cancellationToken)).GroupBy(r => r).Select(g => $"{g.Count()} {g.Key}"));

    public async Task<string> SweepAsync(CancellationToken cancellationToken)
    {
        var report = await wakeups.SweepAsync(cancellationToken);
        var broadcast = await triggers.RunBroadcastsAsync(cancellationToken);
        return $"sweep: {report.Due} due, {report.Fired} fired, {report.Held} held; broadcast enrolls {broadcast}";
    }

    /// <summary>
    /// Daily triggers (days since last order, anniversary, birthday) and segment entry over all customers, then
    /// auto-winner decisions (daily, because results read every enrollment of a scenario and A/B tests run for weeks).
    /// </summary>
    public async Task<string> DailyAsync(CancellationToken cancellationToken)
    {
        var report = await triggers.RunDailyAsync(cancellationToken);
        var summary = $"{report.Day:yyyy-MM-dd}: {report.Customers} customers, {report.Enrolls} enroll events, {report.SegmentEnters} segment enters";
        foreach (var winner in await scenarios.ApplyAutoWinnersAsync(cancellationToken))
        {
            summary += $"; {winner.ScenarioId}: split {winner.SplitId} won by {winner.Arm}, new customers go to it";
        }

        return summary;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "scenario-events: {Events} events, {Started} started, {Delivered} delivered")]
    private static partial void LogRouted(ILogger logger, int events, int started, int delivered);
}
