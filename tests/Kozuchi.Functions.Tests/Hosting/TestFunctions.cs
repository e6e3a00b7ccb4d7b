using System.Collections.Concurrent;
using Kozuchi.Functions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>What test functions saw, per test (each test builds its own app and recorder).</summary>
public sealed class Recorder
{
    public ConcurrentQueue<QueueMessageInput> Messages { get; } = new();
    public ConcurrentQueue<TimerInput> Ticks { get; } = new();
    public ConcurrentQueue<BlobInput> Blobs { get; } = new();

    /// <summary>How many of the next invocations fail before one succeeds.</summary>
    public int FailuresLeft;
    public int Attempts;

    public TaskCompletionSource<TimerInput> NextTick { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class RecordingQueueFunction(Recorder recorder) : IQueueFunction
{
    public Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref recorder.Attempts);
        if (Interlocked.Decrement(ref recorder.FailuresLeft) >= 0)
        {
            throw new InvalidOperationException("planned failure");
        }

        context.Log($"recorded {message.Id}");
        recorder.Messages.Enqueue(message);
        return Task.CompletedTask;
    }
}

public sealed class RecordingTimerFunction(Recorder recorder) : ITimerFunction
{
    public Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken)
    {
        recorder.Ticks.Enqueue(timer);
        recorder.NextTick.TrySetResult(timer);
        return Task.CompletedTask;
    }
}

public sealed class RecordingBlobFunction(Recorder recorder) : IBlobFunction
{
    public Task HandleAsync(BlobInput blob, FunctionContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref recorder.Attempts);
        if (Interlocked.Decrement(ref recorder.FailuresLeft) >= 0)
        {
            throw new InvalidOperationException("planned failure");
        }

        recorder.Blobs.Enqueue(blob);
        return Task.CompletedTask;
    }
}

public static class TestFunctions
{
    public const string Queue = "test-inbox";
    public const string Container = "test-drop";

    public static Recorder Register(FunctionRegistry registry, IServiceCollection services, string timerSchedule = "0 0 * * * *")
    {
        var recorder = new Recorder();
        services.AddSingleton(recorder);
        services.AddScoped<RecordingQueueFunction>();
        services.AddScoped<RecordingTimerFunction>();
        services.AddScoped<RecordingBlobFunction>();
        registry
            .Queue<RecordingQueueFunction>("TestQueue", Queue)
            .Timer<RecordingTimerFunction>("TestTimer", timerSchedule)
            .Blob<RecordingBlobFunction>("TestBlob", Container)
            .Http("TestEcho", "POST", "test/echo/{id}", Echo, Access.Public);
        return recorder;
    }

    public sealed record EchoResponse(string Id, string Body, string? Header, string? Query);

    private static async Task<Ok<EchoResponse>> Echo(string id, HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        return TypedResults.Ok(new EchoResponse(id, await reader.ReadToEndAsync(), request.Headers["X-Test"].FirstOrDefault(), request.Query["q"].FirstOrDefault()));
    }
}
