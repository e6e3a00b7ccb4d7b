using System.Globalization;
using Kozuchi.Functions.Reports;
using Kozuchi.Functions.Security;

namespace Kozuchi.Functions.Hosting.Http;

/// <summary>
/// The one gate every HTTP function passes, in Azure (<see cref="Worker.HttpFunctionMiddleware"/>) and in
/// <c>kozuchi serve</c> (the local runtime's endpoints): the declared access (operator sign-in, CSRF header on
/// cookie-authenticated writes), the wait for storage, and the answers for a request the function cannot read (400)
/// or a report still being computed (503 with Retry-After). The function itself only adapts.
/// </summary>
public sealed class HttpFunctionGuard(OperatorAccess operators, StorageReadiness readiness)
{
    public const string ApiPrefix = "/api";

    /// <summary>Runs <paramref name="invoke"/> if the caller may, and returns the result to write.</summary>
    public async Task<IResult> RunAsync(HttpContext http, HttpAccessAttribute? declared, Func<Task<object?>> invoke)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(invoke);
        if (declared is null)
        {
            // Secure by default: a function that says nothing about its callers is run for nobody.
            return TypedResults.Problem("This function declares no access level.", statusCode: StatusCodes.Status500InternalServerError);
        }

        if (declared.Access == Access.Operator && Admit(http) is { } refusal)
        {
            return refusal;
        }

        if (declared.WaitsForStorage)
        {
            // A webhook arriving while storage is still being prepared waits for it rather than failing.
            await readiness.WaitAsync(http.RequestAborted);
        }

        try
        {
            return await invoke() as IResult ?? throw new InvalidOperationException("An HTTP function must return an IResult (TypedResults).");
        }
        catch (HttpInputException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }
        catch (ReportSetPendingException e)
        {
            return new RetryLater(e.RetryAfter, e.Message);
        }
    }

    /// <summary>Operator functions: pages redirect to the login page, API calls get 401; cookie-authenticated writes need the CSRF header.</summary>
    private IResult? Admit(HttpContext http)
    {
        var decision = operators.Check(http.Request);
        if (decision.IsNotConfigured)
        {
            return TypedResults.Problem("Operator access is not configured: set Kozuchi:Auth:OperatorKey, or Kozuchi:Auth:Mode=AppService behind App Service Authentication.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (!decision.IsAllowed)
        {
            var wantsPage = HttpMethods.IsGet(http.Request.Method) && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
            return wantsPage
                ? TypedResults.Redirect($"{ApiPrefix}/dashboard/login?next={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}")
                : TypedResults.Problem("Sign in as an operator.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var safe = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        return decision.ViaCookie && !safe && !http.Request.Headers.ContainsKey(OperatorAccess.CsrfHeader)
            ? TypedResults.Problem($"Requests authenticated by the session cookie must send the {OperatorAccess.CsrfHeader} header.", statusCode: StatusCodes.Status403Forbidden)
            : null;
    }

    /// <summary>503 with Retry-After and a problem body the dashboard shows (the first report set is being computed).</summary>
    private sealed class RetryLater(TimeSpan retryAfter, string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "report-set-pending").ExecuteAsync(httpContext);
        }
    }
}
