using System.Collections.Concurrent;
using Azure.Storage.Queues.Models;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>What test functions saw, per test (each test builds its own app and recorder).</summary>
public sealed class Recorder
{
    public ConcurrentQueue<QueueMessage> Messages { get; } = new();
    public ConcurrentQueue<TimerInfo> Ticks { get; } = new();
    public ConcurrentQueue<(string Name, byte[] Content)> Blobs { get; } = new();
    public ConcurrentQueue<FunctionContext> Contexts { get; } = new();

    /// <summary>How many of the next invocations fail before one succeeds.</summary>
    public int FailuresLeft;
    public int Attempts;

    public TaskCompletionSource<TimerInfo> NextTick { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A queue message with this body is not done until <see cref="Release"/> is set.</summary>
    public const string HoldBody = "hold";

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _handled = new(StringComparer.Ordinal);

    /// <summary>Completes when a queue message with this body has been handled.</summary>
    public Task Handled(string body) => _handled.GetOrAdd(body, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Completes when the slow function has been entered (its request is under way).</summary>
    public TaskCompletionSource SlowEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _finished = new(StringComparer.Ordinal);

    /// <summary>Completes with the status code when the app has finished a request to this path (everything it logs for it logged).</summary>
    public Task<int> Finished(string path) => _finished.GetOrAdd(path, _ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void Finish(string path, int status) => _finished.GetOrAdd(path, _ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(status);

    public void Record(QueueMessage message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(message);
        Messages.Enqueue(message);
        Contexts.Enqueue(context);
        _handled.GetOrAdd(message.Body.ToString(), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public void MaybeFail()
    {
        Interlocked.Increment(ref Attempts);
        if (Interlocked.Decrement(ref FailuresLeft) >= 0)
        {
            throw new InvalidOperationException("planned failure");
        }
    }
}

/// <summary>Functions of the tests' own, written as the app's are ([Function] methods on a class with injected services).</summary>
public sealed class RecordingFunctions(Recorder recorder)
{
    public const string Queue = "test-inbox";
    public const string Container = "test-drop";

    /// <summary>The settings the test functions' binding expressions name, under the scope's prefix.</summary>
    public static Dictionary<string, string?> Settings(Kozuchi.Testing.StorageScope storage, string schedule = "0 */5 * * * *") => new()
    {
        ["TestQueueName"] = storage.Clients.Names.Queue(Queue),
        ["TestContainer"] = storage.Clients.Names.Container(Container),
        ["TestSchedule"] = schedule,
    };

    [Function("TestQueue")]
    public async Task QueueAsync([QueueTrigger("%TestQueueName%", Connection = "AzureWebJobsStorage")] QueueMessage message, FunctionContext context)
    {
        recorder.MaybeFail();
        if (message.Body.ToString() == Recorder.HoldBody)
        {
            await recorder.Release.Task;
        }

        recorder.Record(message, context);
    }

    [Function("TestTimer")]
    public Task TimerAsync([TimerTrigger("%TestSchedule%")] TimerInfo timer)
    {
        recorder.Ticks.Enqueue(timer);
        recorder.NextTick.TrySetResult(timer);
        return Task.CompletedTask;
    }

    [Function("TestBlob")]
    public async Task BlobAsync([BlobTrigger("%TestContainer%/{name}", Connection = "AzureWebJobsStorage", Source = BlobTriggerSource.EventGrid)] Stream blob, string name, CancellationToken cancellationToken)
    {
        recorder.MaybeFail();
        using var buffer = new MemoryStream();
        await blob.CopyToAsync(buffer, cancellationToken);
        recorder.Blobs.Enqueue((name, buffer.ToArray()));
    }

    public sealed record EchoResponse(string Id, string Body, string? Header, string? Query);

    [Function("TestEcho")]
    [HttpAccess(Access.Public)]
    public static async Task<IResult> EchoAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "test/echo/{id}")] HttpRequest req, string id)
    {
        using var reader = new StreamReader(req.Body);
        return TypedResults.Ok(new EchoResponse(id, await reader.ReadToEndAsync(), req.Headers["X-Test"].FirstOrDefault(), req.Query["q"].FirstOrDefault()));
    }

    /// <summary>Waits for as long as its caller does, as a page's report request over a large shop.</summary>
    [Function("TestSlow")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> SlowAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "test/slow")] HttpRequest req, CancellationToken cancellationToken)
    {
        recorder.SlowEntered.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>A cancellation the caller did not ask for: a storage call that timed out surfaces as a TaskCanceledException.</summary>
    [Function("TestStorageTimeout")]
    [HttpAccess(Access.Public)]
    public static Task<IResult> StorageTimeoutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "test/storage-timeout")] HttpRequest req) =>
        Task.FromException<IResult>(new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:01:40."));

    /// <summary>Declares no access: refused for everyone, never public by omission.</summary>
    [Function("TestUndeclared")]
    public static IResult Undeclared([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "test/undeclared")] HttpRequest req) => TypedResults.Ok("should not run");

    /// <summary>The metadata entries the Worker SDK writes for these methods (hand-written: the test project is no function app).</summary>
    public const string Metadata = """
        [
          {"name":"TestQueue","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.QueueAsync","language":"dotnet-isolated",
           "bindings":[{"name":"message","direction":"In","type":"queueTrigger","queueName":"%TestQueueName%","connection":"AzureWebJobsStorage"}]},
          {"name":"TestTimer","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.TimerAsync","language":"dotnet-isolated",
           "bindings":[{"name":"timer","direction":"In","type":"timerTrigger","schedule":"%TestSchedule%"}]},
          {"name":"TestBlob","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.BlobAsync","language":"dotnet-isolated",
           "bindings":[{"name":"blob","direction":"In","type":"blobTrigger","path":"%TestContainer%/{name}","connection":"AzureWebJobsStorage","source":"EventGrid"}]},
          {"name":"TestEcho","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.EchoAsync","language":"dotnet-isolated",
           "bindings":[{"name":"req","direction":"In","type":"httpTrigger","authLevel":"Anonymous","methods":["post"],"route":"test/echo/{id}"},{"name":"$return","type":"http","direction":"Out"}]},
          {"name":"TestSlow","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.SlowAsync","language":"dotnet-isolated",
           "bindings":[{"name":"req","direction":"In","type":"httpTrigger","authLevel":"Anonymous","methods":["get"],"route":"test/slow"},{"name":"$return","type":"http","direction":"Out"}]},
          {"name":"TestStorageTimeout","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.StorageTimeoutAsync","language":"dotnet-isolated",
           "bindings":[{"name":"req","direction":"In","type":"httpTrigger","authLevel":"Anonymous","methods":["get"],"route":"test/storage-timeout"},{"name":"$return","type":"http","direction":"Out"}]},
          {"name":"TestUndeclared","scriptFile":"Kozuchi.Functions.Tests.dll","entryPoint":"Kozuchi.Functions.Tests.Hosting.RecordingFunctions.Undeclared","language":"dotnet-isolated",
           "bindings":[{"name":"req","direction":"In","type":"httpTrigger","authLevel":"Anonymous","methods":["get"],"route":"test/undeclared"},{"name":"$return","type":"http","direction":"Out"}]}
        ]
        """;

    /// <summary>The app's catalog plus these functions, and a recorder for what they see.</summary>
    public static Recorder Register(IServiceCollection services)
    {
        var recorder = new Recorder();
        services.AddSingleton(recorder);
        services.RemoveAll<FunctionCatalog>();
        services.AddSingleton(FunctionCatalog.Load().With(Metadata));
        services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new FinishedFilter(recorder));
        return recorder;
    }

    /// <summary>Outside the app's whole pipeline: tells the recorder when a request is done, after whatever the app logged for it.</summary>
    private sealed class FinishedFilter(Recorder recorder) : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                try
                {
                    await inner(context);
                }
                finally
                {
                    recorder.Finish(context.Request.Path, context.Response.StatusCode);
                }
            });
            next(app);
        };
    }
}
