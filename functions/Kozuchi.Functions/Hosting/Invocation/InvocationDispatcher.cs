using System.Diagnostics;
using System.Text.Json;

namespace Kozuchi.Functions.Hosting.Invocation;

/// <summary>
/// Runs one invocation of a registered function from the host's payload. The host's POST and the local
/// runtime's triggers both come through here, so a handler runs the same way in both modes.
/// </summary>
public sealed partial class InvocationDispatcher(
    FunctionRegistry registry,
    IServiceScopeFactory scopes,
    HttpInvocationAdapter http,
    Kozuchi.Storage.Infrastructure.StorageNames names,
    StorageReadiness readiness,
    ILogger<InvocationDispatcher> logger)
{
    public static readonly ActivitySource Activity = new("Kozuchi.Functions");

    /// <summary>Throws <see cref="UnknownFunctionException"/> or <see cref="InvalidInvocationException"/> before running anything.</summary>
    public async Task<InvocationResult> InvokeAsync(string functionName, InvocationPayload payload, string invocationId, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(functionName, out var function))
        {
            throw new UnknownFunctionException(functionName);
        }

        using var activity = Activity.StartActivity($"invoke {function.Name}", ActivityKind.Consumer);
        activity?.SetTag("faas.name", function.Name);
        activity?.SetTag("faas.invocation_id", invocationId);
        var context = new FunctionContext(function.Name, invocationId);
        var started = Stopwatch.GetTimestamp();

        // Every input is read before the handler starts: a malformed payload does nothing.
        Func<IServiceProvider, Task<InvocationResult?>> run = function.Trigger switch
        {
            QueueTrigger q => QueueRun(function, ReadQueue(payload, q), context, cancellationToken),
            TimerTrigger t => TimerRun(function, ReadTimer(payload, t), context, cancellationToken),
            BlobTrigger b => BlobRun(function, ReadBlob(payload, b, names.Container(b.ContainerName)), context, cancellationToken),
            HttpTrigger h => services => http.InvokeAsync(function, payload.RequireData(h.BindingName), services, cancellationToken)!,
            _ => throw new InvalidOperationException($"Unsupported trigger {function.Trigger.GetType().Name}."),
        };

        await readiness.WaitAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var httpResult = await run(scope.ServiceProvider);
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogInvoked(logger, function.Name, invocationId, elapsedMs);
            return httpResult ?? new InvocationResult { Logs = [.. context.Logs] };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            LogFailed(logger, e, function.Name, invocationId);
            throw new InvocationFailedException(function.Name, [.. context.Logs], e);
        }
    }

    private static Func<IServiceProvider, Task<InvocationResult?>> QueueRun(FunctionDefinition f, QueueMessageInput input, FunctionContext context, CancellationToken ct) =>
        async services =>
        {
            await ((IQueueFunction)services.GetRequiredService(f.HandlerType!)).HandleAsync(input, context, ct);
            return null;
        };

    private static Func<IServiceProvider, Task<InvocationResult?>> TimerRun(FunctionDefinition f, TimerInput input, FunctionContext context, CancellationToken ct) =>
        async services =>
        {
            await ((ITimerFunction)services.GetRequiredService(f.HandlerType!)).HandleAsync(input, context, ct);
            return null;
        };

    private static Func<IServiceProvider, Task<InvocationResult?>> BlobRun(FunctionDefinition f, BlobInput input, FunctionContext context, CancellationToken ct) =>
        async services =>
        {
            await ((IBlobFunction)services.GetRequiredService(f.HandlerType!)).HandleAsync(input, context, ct);
            return null;
        };

    internal static QueueMessageInput ReadQueue(InvocationPayload payload, QueueTrigger trigger)
    {
        var value = payload.RequireData(trigger.BindingName);
        var text = InvocationPayload.Unwrap(value)
            ?? throw new InvalidInvocationException($"The '{trigger.BindingName}' binding holds no message.");
        return new QueueMessageInput(
            text,
            payload.MetadataString("Id"),
            payload.MetadataInt64("DequeueCount") ?? 1,
            payload.MetadataTime("InsertionTime"));
    }

    internal static TimerInput ReadTimer(InvocationPayload payload, TimerTrigger trigger)
    {
        var value = payload.RequireData(trigger.BindingName);
        if (value.ValueKind == JsonValueKind.String)
        {
            // Some host versions pass the timer info as a JSON string rather than an object.
            var text = InvocationPayload.Unwrap(value) ?? "{}";
            try
            {
                using var doc = JsonDocument.Parse(text);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidInvocationException($"The '{trigger.BindingName}' binding is not timer information: {e.Message}");
            }
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException($"The '{trigger.BindingName}' binding is not timer information.");
        }

        var isPastDue = false;
        DateTimeOffset? last = null, next = null;
        foreach (var p in value.EnumerateObject())
        {
            if (p.NameEquals("IsPastDue") || p.Name.Equals("isPastDue", StringComparison.OrdinalIgnoreCase))
            {
                isPastDue = p.Value.ValueKind == JsonValueKind.True ||
                    (p.Value.ValueKind == JsonValueKind.String && bool.TryParse(InvocationPayload.Unwrap(p.Value), out var b) && b);
            }
            else if (p.Name.Equals("ScheduleStatus", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var s in p.Value.EnumerateObject())
                {
                    if (s.Name.Equals("Last", StringComparison.OrdinalIgnoreCase))
                    {
                        last = InvocationPayload.ParseTime(InvocationPayload.Unwrap(s.Value));
                    }
                    else if (s.Name.Equals("Next", StringComparison.OrdinalIgnoreCase))
                    {
                        next = InvocationPayload.ParseTime(InvocationPayload.Unwrap(s.Value));
                    }
                }
            }
        }

        return new TimerInput(isPastDue, last, next);
    }

    internal static BlobInput ReadBlob(InvocationPayload payload, BlobTrigger trigger, string physicalContainer)
    {
        var content = InvocationPayload.DecodeBase64(payload.RequireData(trigger.BindingName), trigger.BindingName);
        var path = payload.MetadataString("BlobTrigger");
        var name = payload.MetadataString("name");
        string? container = null;
        if (path is not null && path.IndexOf('/', StringComparison.Ordinal) is var slash and > 0)
        {
            container = path[..slash];
            name ??= path[(slash + 1)..];
        }

        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidInvocationException("The blob invocation names no blob (metadata 'name' or 'BlobTrigger').");
        }

        return new BlobInput(container ?? physicalContainer, name, content);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Invoked {FunctionName} ({InvocationId}) in {ElapsedMs:F1} ms")]
    private static partial void LogInvoked(ILogger logger, string functionName, string invocationId, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Invocation of {FunctionName} ({InvocationId}) failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName, string invocationId);
}

public sealed class UnknownFunctionException(string functionName) : Exception($"No function named '{functionName}' is registered.")
{
    public string FunctionName { get; } = functionName;
}

/// <summary>The handler failed: the host must see a non-2xx so the trigger's retry and poison rules apply.</summary>
public sealed class InvocationFailedException(string functionName, IReadOnlyList<string> logs, Exception inner)
    : Exception($"The function '{functionName}' failed: {inner.Message}", inner)
{
    public IReadOnlyList<string> Logs { get; } = logs;
}
