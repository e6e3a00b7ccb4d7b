using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>What started one invocation: the trigger's value (an <see cref="HttpContext"/>, a <see cref="QueueMessage"/>, a <see cref="TimerInfo"/> or a blob's content) and its binding data.</summary>
public sealed record LocalTrigger(object Value, IReadOnlyDictionary<string, object?> BindingData)
{
    public static LocalTrigger Http(HttpContext context) =>
        new(context, context?.Request.RouteValues.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase) ?? []);

    public static LocalTrigger Queue(QueueMessage message) => new(message, new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Id"] = message?.MessageId,
        ["DequeueCount"] = message?.DequeueCount,
        ["InsertionTime"] = message?.InsertedOn,
        ["ExpirationTime"] = message?.ExpiresOn,
        ["PopReceipt"] = message?.PopReceipt,
    });

    public static LocalTrigger Timer(TimerInfo timer) => new(timer, new Dictionary<string, object?>());

    public static LocalTrigger Blob(BinaryData content, string container, string name, Uri uri) => new(content, new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
    {
        ["name"] = name,
        ["BlobTrigger"] = $"{container}/{name}",
        ["Uri"] = uri,
    });
}

/// <summary>
/// Calls a <c>[Function]</c> method as the isolated worker does: the class is created per invocation from the
/// container (constructor injection), the trigger parameter gets the trigger's value in the parameter's type, a
/// <see cref="FunctionContext"/> and the <see cref="CancellationToken"/> are passed where asked for, and any other
/// parameter is taken from the binding data by name (route values, the blob's <c>name</c>, a message's <c>DequeueCount</c>).
/// </summary>
public static class FunctionInvoker
{
    public static async Task<object?> InvokeAsync(LocalFunction function, LocalTrigger trigger, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(trigger);
        var method = function.Method;
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
        try
        {
            FunctionContext? context = null;
            var arguments = method.GetParameters().Select(p => Argument(function, p, trigger, () => context ??= new LocalFunctionContext(function, trigger.BindingData, services, cancellationToken), cancellationToken)).ToArray();
            var returned = method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, CultureInfo.InvariantCulture);
            var result = await Unwrap(returned);
            return ResultType(method.ReturnType) is null ? null : result;
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    /// <summary>Why the local runtime could not run <paramref name="function"/>, or nothing: checked for every function at start.</summary>
    public static IEnumerable<string> Problems(LocalFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var triggers = function.Bindings.Count(b => b.IsTrigger);
        if (triggers != 1)
        {
            yield return $"{function.Name} has {triggers} triggers.";
            yield break;
        }

        foreach (var output in function.Bindings.Where(b => b.Direction.Equals("Out", StringComparison.OrdinalIgnoreCase)))
        {
            if (!(function.IsHttp && output.Type.Equals("http", StringComparison.OrdinalIgnoreCase)))
            {
                yield return $"{function.Name} has a {output.Type} output binding; functions write through the app's storage clients instead.";
            }
        }

        foreach (var p in function.Method.GetParameters())
        {
            if (TriggerAttribute(p) is { } attribute && !TriggerTypes(attribute).Contains(p.ParameterType))
            {
                yield return $"{function.Name}: the trigger parameter '{p.Name}' is a {p.ParameterType.Name}; the local runtime passes {string.Join(" or ", TriggerTypes(attribute).Select(t => t.Name))}.";
            }
        }

        var result = ResultType(function.Method.ReturnType);
        if (function.IsHttp && (result is null || !typeof(IResult).IsAssignableFrom(result)))
        {
            yield return $"{function.Name} must return an IResult (TypedResults), as Task<...> or not.";
        }
    }

    private static object? Argument(LocalFunction function, ParameterInfo p, LocalTrigger trigger, Func<FunctionContext> context, CancellationToken cancellationToken)
    {
        if (p.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        if (p.ParameterType == typeof(FunctionContext))
        {
            return context();
        }

        if (TriggerAttribute(p) is not null)
        {
            return TriggerValue(p.ParameterType, trigger.Value);
        }

        if (trigger.BindingData.TryGetValue(p.Name!, out var value) && value is not null)
        {
            return Convert(value, p.ParameterType);
        }

        return p.HasDefaultValue || !p.ParameterType.IsValueType || Nullable.GetUnderlyingType(p.ParameterType) is not null
            ? (p.HasDefaultValue ? p.DefaultValue : null)
            : throw new InvalidOperationException($"{function.Name}: nothing binds the parameter '{p.Name}'.");
    }

    private static object TriggerValue(Type type, object value) => value switch
    {
        HttpContext http when type == typeof(HttpRequest) => http.Request,
        QueueMessage message when type == typeof(QueueMessage) => message,
        QueueMessage message when type == typeof(string) => message.Body.ToString(),
        QueueMessage message when type == typeof(BinaryData) => message.Body,
        TimerInfo timer when type == typeof(TimerInfo) => timer,
        BinaryData blob when type == typeof(Stream) => blob.ToStream(),
        BinaryData blob when type == typeof(BinaryData) => blob,
        BinaryData blob when type == typeof(byte[]) => blob.ToArray(),
        BinaryData blob when type == typeof(string) => blob.ToString(),
        _ => throw new InvalidOperationException($"A {value.GetType().Name} trigger cannot be passed as {type.Name}."),
    };

    private static Type[] TriggerTypes(Attribute attribute) => attribute switch
    {
        HttpTriggerAttribute => [typeof(HttpRequest)],
        QueueTriggerAttribute => [typeof(QueueMessage), typeof(string), typeof(BinaryData)],
        TimerTriggerAttribute => [typeof(TimerInfo)],
        BlobTriggerAttribute => [typeof(Stream), typeof(BinaryData), typeof(byte[]), typeof(string)],
        _ => [],
    };

    private static Attribute? TriggerAttribute(ParameterInfo p) =>
        p.GetCustomAttributes().FirstOrDefault(a => a is Microsoft.Azure.Functions.Worker.Extensions.Abstractions.TriggerBindingAttribute);

    private static object? Convert(object value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target.IsInstanceOfType(value))
        {
            return value;
        }

        var text = System.Convert.ToString(value, CultureInfo.InvariantCulture);
        try
        {
            return TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text!);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            throw new Http.HttpInputException($"'{text}' is not a valid {target.Name}.", e);
        }
    }

    private static Type? ResultType(Type returnType) =>
        returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(ValueTask) ? null
        : returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)) ? returnType.GetGenericArguments()[0]
        : returnType;

    private static async Task<object?> Unwrap(object? returned)
    {
        switch (returned)
        {
            case Task task:
                await task;
                return task.GetType().IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            case not null when returned.GetType().IsGenericType && returned.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>):
                var asTask = (Task)returned.GetType().GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null)!;
                return await Unwrap(asTask);
            default:
                return returned;
        }
    }
}
