using System.Globalization;
using Azure.Storage.Queues.Models;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Orders;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions.Checkouts;

/// <summary>Cart abandonment (カゴ落ち): checkouts in (the webhooks live with the order webhooks), their abandonment checks, expiry.</summary>
public static class CheckoutsFeature
{
    /// <summary>Every five minutes, as the scenario sweep: abandonment checks whose delayed message was lost.</summary>
    public const string SweepSchedule = "0 */5 * * * *";

    /// <summary>Daily at 03:30 UTC (12:30 in Tokyo, off the 09:05 trigger run): checkouts past retention are deleted.</summary>
    public const string PurgeSchedule = "0 30 3 * * *";

    /// <summary><c>Kozuchi:Checkouts:RetentionDays</c> (default 30): how long a checkout is kept after its last update.</summary>
    public static IServiceCollection AddCheckouts(this IServiceCollection services, IConfiguration configuration)
    {
        var days = configuration["Kozuchi:Checkouts:RetentionDays"] is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : 30;
        services.AddSingleton(new CheckoutRetention(TimeSpan.FromDays(days)));
        services.TryAddSingleton<CheckoutStore>();
        services.AddSingleton<CheckoutProcessor>();
        services.AddSingleton<CheckoutCarts>();
        return services;
    }
}

/// <summary>How long checkouts are kept after their last update (<c>Kozuchi:Checkouts:RetentionDays</c>).</summary>
public sealed record CheckoutRetention(TimeSpan Period);

/// <summary>The checkout queue and timer functions: each hands its trigger to the checkout processor or store.</summary>
public sealed class CheckoutFunctions(CheckoutProcessor processor, CheckoutStore store, CheckoutRetention retention, TimeProvider time, ILogger<CheckoutFunctions> logger)
{
    /// <summary>The delayed message gets this long to arrive before the sweep checks in its place.</summary>
    public static readonly TimeSpan SweepGrace = TimeSpan.FromMinutes(2);

    /// <summary>Queue <c>checkouts-incoming</c>: a stored checkout body is linked, stored and its abandonment checks scheduled.</summary>
    [Function("ProcessCheckouts")]
    public async Task ProcessAsync([QueueTrigger(TriggerNames.CheckoutsIncoming, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ingest = IngestMessage.ParseOrUnreadable(message.Body.ToString());
        var stored = await processor.ProcessAsync(ingest, cancellationToken);
        FunctionLog.Done(logger, "ProcessCheckouts", () => $"{ingest.Blob}: checkout stored (linked: {stored.CustomerId is not null})");
    }

    /// <summary>Queue <c>checkout-timers</c>: one abandonment check, due now (re-queued when it arrives early).</summary>
    [Function("CheckoutAbandonment")]
    public async Task AbandonmentAsync([QueueTrigger(TriggerNames.CheckoutTimers, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var result = await processor.HandleTimerAsync(CheckoutTimerMessage.Parse(message.Body.ToString()), cancellationToken);
        FunctionLog.Done(logger, "CheckoutAbandonment", () => result.ToString()!);
    }

    /// <summary>Timer: abandonment checks past due whose message never came.</summary>
    [Function("CheckoutSweep")]
    public async Task SweepAsync([TimerTrigger(CheckoutsFeature.SweepSchedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await processor.SweepAsync(SweepGrace, cancellationToken);
        FunctionLog.Done(logger, "CheckoutSweep", () => $"checkout sweep: {report.Due} due, {report.Enrolled} enrolled");
    }

    /// <summary>Timer: deletes checkouts past retention (anonymous ones included: kept until an identifier appears or this).</summary>
    [Function("PurgeCheckouts")]
    public async Task PurgeAsync([TimerTrigger(CheckoutsFeature.PurgeSchedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var purged = await store.PurgeAsync(time.GetUtcNow() - retention.Period, cancellationToken);
        FunctionLog.Done(logger, "PurgeCheckouts", () => $"{purged} checkouts purged");
    }
}
