using System.Reflection;

namespace Kozuchi.Functions.Hosting.Http;

/// <summary>Who may call an HTTP function, checked by the app itself in both hosts (<see cref="HttpFunctionGuard"/>).</summary>
public enum Access
{
    /// <summary>Anyone: the function authenticates the caller itself (webhook signatures, signed links) or is harmless (health).</summary>
    Public,

    /// <summary>The shop's operators: the dashboard and its API. Locally a key; in Azure App Service Authentication (Entra ID).</summary>
    Operator,
}

/// <summary>
/// Declares who may call an HTTP function. Every <c>[Function]</c> with an <c>HttpTrigger</c> carries one (a test
/// fails otherwise), and an HTTP function without it is refused at run time: nothing is public by omission. The
/// host's own key check stays off (<c>AuthorizationLevel.Anonymous</c>) because this is the check.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class HttpAccessAttribute(Access access) : Attribute
{
    public Access Access { get; } = access;

    /// <summary>False only for what must answer while storage is still being prepared (the health probe).</summary>
    public bool WaitsForStorage { get; init; } = true;

    public static HttpAccessAttribute? Of(MethodInfo method) => method?.GetCustomAttribute<HttpAccessAttribute>();
}
