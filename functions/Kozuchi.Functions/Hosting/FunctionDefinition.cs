namespace Kozuchi.Functions.Hosting;

public enum AuthLevel
{
    Anonymous,
    Function,
    Admin,
}

/// <summary>What starts a function. Names are physical (already prefixed) only when the manifest is written.</summary>
public abstract record Trigger
{
    /// <summary>The binding name: the key of the trigger's value in the host's <c>Data</c>.</summary>
    public abstract string BindingName { get; }
}

/// <summary>Who may call an HTTP function, checked by the app itself (the host's key check is <see cref="AuthLevel"/>).</summary>
public enum Access
{
    /// <summary>Anyone: the function authenticates the caller itself (webhook signatures, signed links) or is harmless (health).</summary>
    Public,

    /// <summary>The shop's operators: the dashboard and its API. Locally a key; in Azure App Service Authentication (Entra ID).</summary>
    Operator,
}

/// <summary>An HTTP function, forwarded byte for byte by the host to <c>/api/{Route}</c>.</summary>
public sealed record HttpTrigger(string Route, IReadOnlyList<string> Methods, AuthLevel AuthLevel, Access Access = Access.Operator) : Trigger
{
    public override string BindingName => "req";
}

/// <summary>A storage queue function; <see cref="QueueName"/> is the logical name from <c>StorageCatalog</c>.</summary>
public sealed record QueueTrigger(string QueueName) : Trigger
{
    public override string BindingName => "message";
}

/// <summary>A timer on a six-field NCRONTAB schedule (with seconds), evaluated in UTC as on Flex Consumption.</summary>
public sealed record TimerTrigger(string Schedule, bool RunOnStartup = false, bool UseMonitor = true) : Trigger
{
    public override string BindingName => "timer";
}

/// <summary>
/// A blob function on <c>{container}/{name}</c>. In Azure the trigger is fed by Event Grid (Flex Consumption
/// supports no other source); locally the runtime polls the container and keeps receipts.
/// </summary>
public sealed record BlobTrigger(string ContainerName) : Trigger
{
    public override string BindingName => "blob";

    public string PathPattern(string physicalContainer) => physicalContainer + "/{name}";
}

/// <summary>
/// One function: its name (the function folder, and the path the host posts invocations to) and its trigger.
/// HTTP functions carry the endpoint delegate; the others name the handler type resolved per invocation.
/// </summary>
public sealed record FunctionDefinition(string Name, Trigger Trigger, Type? HandlerType, Delegate? Endpoint)
{
    public bool IsHttp => Trigger is HttpTrigger;
}
