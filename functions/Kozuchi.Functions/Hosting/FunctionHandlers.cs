using System.Text.Json;

namespace Kozuchi.Functions.Hosting;

/// <summary>What a handler knows about the invocation it is serving.</summary>
public sealed class FunctionContext(string functionName, string invocationId)
{
    private readonly List<string> _logs = [];

    public string FunctionName { get; } = functionName;
    public string InvocationId { get; } = invocationId;

    /// <summary>Lines returned to the host in <c>Logs</c> (it writes them as the invocation's logs). No personal data.</summary>
    public IReadOnlyList<string> Logs => _logs;

    public void Log(string line) => _logs.Add(line);
}

/// <summary>A queue message as delivered by the host or the local runtime.</summary>
public sealed record QueueMessageInput(string Text, string? Id, long DequeueCount, DateTimeOffset? InsertionTime)
{
    public T Deserialize<T>(JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<T>(Text, options) ?? throw new JsonException("The queue message is JSON null.");
}

/// <summary>The timer's view of its schedule: <see cref="IsPastDue"/> is set when an occurrence was missed.</summary>
public sealed record TimerInput(bool IsPastDue, DateTimeOffset? Last, DateTimeOffset? Next);

/// <summary>A blob that arrived in a watched container; <see cref="Content"/> is its bytes as the host passed them.</summary>
public sealed record BlobInput(string Container, string Name, ReadOnlyMemory<byte> Content);

public interface IQueueFunction
{
    Task HandleAsync(QueueMessageInput message, FunctionContext context, CancellationToken cancellationToken);
}

public interface ITimerFunction
{
    Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken);
}

public interface IBlobFunction
{
    Task HandleAsync(BlobInput blob, FunctionContext context, CancellationToken cancellationToken);
}
