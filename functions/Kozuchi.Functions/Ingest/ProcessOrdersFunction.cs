using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Ingest;

/// <summary>
/// Queue <c>orders-incoming</c>: a pointer to a stored payload becomes orders and customers. A failure throws, so
/// the host (or local runtime) retries and finally parks the message in <c>orders-incoming-poison</c>. What the
/// orders mean for scenarios (placed, cancelled) goes on to <c>scenario-events</c>.
/// </summary>
public sealed partial class ProcessOrdersFunction(IngestPipeline pipeline, ScenarioEventPublisher scenarioEvents, CheckoutProcessor checkouts, ILogger<ProcessOrdersFunction> logger) : IQueueFunction
{
    public const string Name = "ProcessOrders";

    public async Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var ingest = IngestMessage.ParseOrUnreadable(message.Text);

        var result = await pipeline.ProcessAsync(ingest, bulk: null, cancellationToken);

        // Before the events: a checkout this order completed must not look abandoned when its check runs.
        await checkouts.MarkOrderedAsync(result, cancellationToken);

        // After the customer tables are saved, so the router sees the customer with the order. If this fails the message
        // is retried; ingest reports the orders as unchanged then, and they are published again (routing is idempotent).
        await scenarioEvents.PublishAsync(ScenarioEventPublisher.FromIngest(result), cancellationToken);
        LogProcessed(logger, ingest.Blob, result.Created, result.Updated, result.Unchanged);
        context.Log($"{ingest.Blob}: {result.Created} created, {result.Updated} updated, {result.Unchanged} unchanged");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {Blob}: {Created} created, {Updated} updated, {Unchanged} unchanged")]
    private static partial void LogProcessed(ILogger logger, string blob, int created, int updated, int unchanged);
}
