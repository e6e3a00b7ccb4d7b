using System.Diagnostics.CodeAnalysis;

namespace Kozuchi.Functions.Hosting;

/// <summary>
/// Every function of the app, declared once. The host's function.json files are generated from it, HTTP
/// routes are mapped from it, and the invocation endpoint dispatches by it: nothing else decides what runs.
/// </summary>
public sealed class FunctionRegistry
{
    private readonly Dictionary<string, FunctionDefinition> _functions = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<FunctionDefinition> Functions => _functions.Values;

    public bool TryGet(string name, [NotNullWhen(true)] out FunctionDefinition? definition) => _functions.TryGetValue(name, out definition);

    /// <summary>
    /// An HTTP function served at <c>/api/{route}</c>; the delegate is a minimal-API handler. Operator access by
    /// default (secure unless declared otherwise); the host itself lets requests through (anonymous) because
    /// App Service Authentication or the operator key guards them, and webhooks verify their own signatures.
    /// </summary>
    public FunctionRegistry Http(string name, string method, string route, Delegate endpoint, Access access = Access.Operator, AuthLevel authLevel = AuthLevel.Anonymous) =>
        Http(name, [method], route, endpoint, access, authLevel);

    public FunctionRegistry Http(string name, IReadOnlyList<string> methods, string route, Delegate endpoint, Access access = Access.Operator, AuthLevel authLevel = AuthLevel.Anonymous) =>
        Add(new FunctionDefinition(name, new HttpTrigger(route, methods, authLevel, access), null, endpoint));

    public FunctionRegistry Queue<THandler>(string name, string queueName)
        where THandler : class, IQueueFunction =>
        Add(new FunctionDefinition(name, new QueueTrigger(queueName), typeof(THandler), null));

    public FunctionRegistry Timer<THandler>(string name, string schedule, bool runOnStartup = false)
        where THandler : class, ITimerFunction =>
        Add(new FunctionDefinition(name, new TimerTrigger(schedule, runOnStartup), typeof(THandler), null));

    public FunctionRegistry Blob<THandler>(string name, string containerName)
        where THandler : class, IBlobFunction =>
        Add(new FunctionDefinition(name, new BlobTrigger(containerName), typeof(THandler), null));

    private FunctionRegistry Add(FunctionDefinition definition)
    {
        if (!FunctionNames.IsValid(definition.Name))
        {
            throw new ArgumentException($"'{definition.Name}' is not a valid function name (letters, digits, '-' and '_', starting with a letter, at most 127).");
        }

        if (!_functions.TryAdd(definition.Name, definition))
        {
            throw new InvalidOperationException($"The function '{definition.Name}' is declared twice.");
        }

        if (definition.Trigger is TimerTrigger timer)
        {
            // Fail at declaration, not at the first tick.
            _ = Cronos.CronExpression.Parse(timer.Schedule, Cronos.CronFormat.IncludeSeconds);
        }

        return this;
    }
}

internal static class FunctionNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 127 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
