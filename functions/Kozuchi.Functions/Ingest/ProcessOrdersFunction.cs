using Azure.Storage.Queues.Models;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// Queue <c>orders-incoming</c>: a pointer to a stored payload becomes orders and customers. A failure throws, so
/// the host (or local runtime) retries and finally parks the message in <c>orders-incoming-poison</c>. What the
/// orders mean for scenarios (placed, cancelled) goes on to <c>scenario-events</c>.
/// </summary>
public sealed class ProcessOrdersFunction(OrderProcessing processing, ILogger<ProcessOrdersFunction> logger)
{
    public const string Name = "ProcessOrders";

    [Function(Name)]
    public async Task RunAsync([QueueTrigger(TriggerNames.OrdersIncoming, Connection = TriggerNames.Connection)] QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (blob, result) = await processing.ProcessAsync(message.Body.ToString(), cancellationToken);
        FunctionLog.Done(logger, Name, () => $"{blob}: {result.Created} created, {result.Updated} updated, {result.Unchanged} unchanged");
    }
}

/// <summary>One <c>orders-incoming</c> message: ingest, then what it means for checkouts and scenarios.</summary>
public sealed partial class OrderProcessing(IngestPipeline pipeline, ScenarioEventPublisher scenarioEvents, CheckoutProcessor checkouts, ILogger<OrderProcessing> logger)
{
    public async Task<(string Blob, IngestResult Result)> ProcessAsync(string message, CancellationToken cancellationToken)
    {
        var ingest = IngestMessage.ParseOrUnreadable(message);
        var result = await pipeline.ProcessAsync(ingest, bulk: null, cancellationToken);

        // Before the events: a checkout this order completed must not look abandoned when its check runs.
        await checkouts.MarkOrderedAsync(result, cancellationToken);

        // After the customer tables are saved, so the router sees the customer with the order. If this fails the message
        // is retried; ingest reports the orders as unchanged then, and they are published again (routing is idempotent).
        await scenarioEvents.PublishAsync(ScenarioEventPublisher.FromIngest(result), cancellationToken);
        LogProcessed(logger, ingest.Blob, result.Created, result.Updated, result.Unchanged);
        return (ingest.Blob, result);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ingested {Blob}: {Created} created, {Updated} updated, {Unchanged} unchanged")]
    private static partial void LogProcessed(ILogger logger, string blob, int created, int updated, int unchanged);
}
