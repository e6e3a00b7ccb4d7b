using Azure.Storage.Queues.Models;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests;

/// <summary>
/// The app's queue, timer and blob functions, run by name through the local runtime's own runner (the path its
/// trigger loops take), step by step on the test's clock instead of from the loops.
/// </summary>
public sealed class LocalFunctions(IServiceProvider services)
{
    private FunctionCatalog Catalog => services.GetRequiredService<FunctionCatalog>();

    private LocalFunctionRunner Runner => services.GetRequiredService<LocalFunctionRunner>();

    public LocalFunction this[string name] => Catalog.Find(name) ?? throw new InvalidOperationException($"No function {name} in functions.metadata.");

    /// <summary>Throws <see cref="FunctionFailedException"/> when the function fails.</summary>
    public Task QueueAsync(string function, string text, string messageId = "00000000-0000-0000-0000-000000000001", long dequeueCount = 1, CancellationToken cancellationToken = default) =>
        Runner.InvokeAsync(this[function], LocalTrigger.Queue(Message(text, messageId, dequeueCount)), cancellationToken);

    /// <summary>Whether the function handled the message (false: it failed, and the host would retry it).</summary>
    public async Task<bool> TryQueueAsync(string function, string text, string messageId = "00000000-0000-0000-0000-000000000001", long dequeueCount = 1, CancellationToken cancellationToken = default)
    {
        try
        {
            await QueueAsync(function, text, messageId, dequeueCount, cancellationToken);
            return true;
        }
        catch (FunctionFailedException)
        {
            return false;
        }
    }

    /// <summary>One tick of a timer function, not past due, as on a first run.</summary>
    public Task TimerAsync(string function, CancellationToken cancellationToken = default) =>
        Runner.InvokeAsync(this[function], LocalTrigger.Timer(new TimerInfo { IsPastDue = false }), cancellationToken);

    /// <summary>Delivers every message of a queue to a queue function, deleting each one that succeeds; a failure throws.</summary>
    public async Task<int> DrainAsync(string queueName, string function, CancellationToken cancellationToken = default)
    {
        var queue = services.GetRequiredService<StorageClients>().Queue(queueName);
        var delivered = 0;
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), cancellationToken)).Value;
            if (messages.Length == 0)
            {
                return delivered;
            }

            foreach (var m in messages)
            {
                await Runner.InvokeAsync(this[function], LocalTrigger.Queue(m), cancellationToken);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken);
                delivered++;
            }
        }
    }

    /// <summary>
    /// The blob function's container listed once by the local runtime's poller: each new blob (or new version) is
    /// handed to the function. Returns how many it handed over; a failure is recorded for a retry, as the poller does.
    /// </summary>
    public Task<int> PollBlobsAsync(string function, CancellationToken cancellationToken = default)
    {
        var f = this[function];
        var poller = new BlobTriggerPoller(f, services.GetRequiredService<TriggerBindings>().ContainerName(f), services.GetRequiredService<StorageClients>(), Runner,
            services.GetRequiredService<Kozuchi.Functions.Hosting.HostSettings>(), services.GetRequiredService<TimeProvider>(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        return poller.PollOnceAsync(cancellationToken);
    }

    public static QueueMessage Message(string text, string messageId = "00000000-0000-0000-0000-000000000001", long dequeueCount = 1) =>
        QueuesModelFactory.QueueMessage(messageId, "pop-receipt", BinaryData.FromString(text), dequeueCount, insertedOn: DateTimeOffset.UnixEpoch);
}
