using System.Globalization;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions.Checkouts;

/// <summary>Cart abandonment (カゴ落ち): checkouts in (the webhooks live with the order webhooks), their abandonment checks, expiry.</summary>
public static class CheckoutsFeature
{
    /// <summary>Every five minutes, as the scenario sweep: abandonment checks whose delayed message was lost.</summary>
    public const string SweepSchedule = "0 */5 * * * *";

    /// <summary>Daily at 03:30 UTC (12:30 in Tokyo, off the 09:05 trigger run): checkouts past retention are deleted.</summary>
    public const string PurgeSchedule = "0 30 3 * * *";

    public static FunctionRegistry AddCheckoutFunctions(this FunctionRegistry registry) =>
        registry
            .Queue<ProcessCheckoutsFunction>(ProcessCheckoutsFunction.Name, StorageCatalog.Queues.CheckoutsIncoming)
            .Queue<CheckoutTimerFunction>(CheckoutTimerFunction.Name, StorageCatalog.Queues.CheckoutTimers)
            .Timer<CheckoutSweepFunction>(CheckoutSweepFunction.Name, SweepSchedule)
            .Timer<PurgeCheckoutsFunction>(PurgeCheckoutsFunction.Name, PurgeSchedule);

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

/// <summary>Queue <c>checkouts-incoming</c>: a stored checkout body is linked, stored and its abandonment checks scheduled.</summary>
public sealed class ProcessCheckoutsFunction(CheckoutProcessor processor) : IQueueFunction
{
    public const string Name = "ProcessCheckouts";

    public async Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var ingest = IngestMessage.ParseOrUnreadable(message.Text);

        var stored = await processor.ProcessAsync(ingest, cancellationToken);
        context.Log($"{ingest.Blob}: checkout stored (linked: {stored.CustomerId is not null})");
    }
}

/// <summary>Queue <c>checkout-timers</c>: one abandonment check, due now (re-queued when it arrives early).</summary>
public sealed class CheckoutTimerFunction(CheckoutProcessor processor) : IQueueFunction
{
    public const string Name = "CheckoutAbandonment";

    public async Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var result = await processor.HandleTimerAsync(CheckoutTimerMessage.Parse(message.Text), cancellationToken);
        context.Log(result.ToString());
    }
}

/// <summary>Timer: abandonment checks past due whose message never came.</summary>
public sealed class CheckoutSweepFunction(CheckoutProcessor processor) : ITimerFunction
{
    public const string Name = "CheckoutSweep";

    /// <summary>The delayed message gets this long to arrive before the sweep checks in its place.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await processor.SweepAsync(Grace, cancellationToken);
        context.Log($"checkout sweep: {report.Due} due, {report.Enrolled} enrolled");
    }
}

/// <summary>Timer: deletes checkouts past retention (anonymous ones included: kept until an identifier appears or this).</summary>
public sealed class PurgeCheckoutsFunction(CheckoutStore store, CheckoutRetention retention, TimeProvider time) : ITimerFunction
{
    public const string Name = "PurgeCheckouts";

    public async Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var purged = await store.PurgeAsync(time.GetUtcNow() - retention.Period, cancellationToken);
        context.Log($"{purged} checkouts purged");
    }
}
