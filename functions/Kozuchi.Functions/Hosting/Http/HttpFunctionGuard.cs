using Kozuchi.Functions.Reports;
using Kozuchi.Functions.Security;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting.Http;

/// <summary>
/// The one gate every HTTP function passes, in Azure (<see cref="Worker.HttpFunctionMiddleware"/>) and in
/// <c>kozuchi serve</c> (the local runtime's endpoints): the declared access (operator sign-in, CSRF header on
/// cookie-authenticated writes), the wait for storage, and the answers for a request the function cannot read (400)
/// or a report still being computed (503 with Retry-After), and a storage reset: a function that finds one of the
/// app's tables, queues or containers gone has them re-created and runs once more on the same (buffered) request, so a
/// webhook is accepted rather than answered 500. The function itself only adapts.
/// A request its client gave up on (a page left while its figures load) is no failure: logged as aborted and answered
/// 499 here, so neither host reports it as an error (the isolated worker logs every exception out of a function as
/// one). A cancellation the client did not ask for (a storage call that timed out) still propagates as the error it is.
/// </summary>
public sealed partial class HttpFunctionGuard(OperatorAccess operators, StorageReadiness readiness, StorageRecovery recovery, ILogger<HttpFunctionGuard> logger)
{
    public const string ApiPrefix = "/api";

    /// <summary>Runs <paramref name="invoke"/> if the caller may, and returns the result to write.</summary>
    public async Task<IResult> RunAsync(HttpContext http, HttpAccessAttribute? declared, Func<Task<object?>> invoke)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(invoke);
        try
        {
            return await GuardedAsync(http, declared, invoke);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            // The route template, not the path: a path can carry a customer's id.
            LogAborted(logger, http.Request.Method, (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)");
            return TypedResults.StatusCode(StatusCodes.Status499ClientClosedRequest);
        }
    }

    private async Task<IResult> GuardedAsync(HttpContext http, HttpAccessAttribute? declared, Func<Task<object?>> invoke)
    {
        if (declared is null)
        {
            // Secure by default: a function that says nothing about its callers is run for nobody.
            return TypedResults.Problem("This function declares no access level.", statusCode: StatusCodes.Status500InternalServerError);
        }

        if (declared.Access == Access.Operator && await AdmitAsync(http) is { } refusal)
        {
            return refusal;
        }

        if (!declared.WaitsForStorage)
        {
            return await InvokeAsync(invoke);
        }

        // A webhook arriving while storage is still being prepared waits for it rather than failing.
        await readiness.WaitAsync(http.RequestAborted);
        http.Request.EnableBuffering();
        var generation = recovery.Generation;
        try
        {
            return await InvokeAsync(invoke);
        }
        catch (Exception e) when (StorageRecovery.IsMissingResource(e) && http.Request.Body.CanSeek)
        {
            await recovery.RecoverAsync(generation, e, http.RequestAborted);
            http.Request.Body.Position = 0;
        }

        return await InvokeAsync(invoke);
    }

    private static async Task<IResult> InvokeAsync(Func<Task<object?>> invoke)
    {
        try
        {
            return await invoke() as IResult ?? throw new InvalidOperationException("An HTTP function must return an IResult (TypedResults).");
        }
        catch (HttpInputException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }
        catch (HttpPayloadTooLargeException e)
        {
            return HttpInput.TooLarge(e.MaxBytes);
        }
        catch (BadHttpRequestException e)
        {
            // The server's own limits (Kestrel's request body size: 413) while a function reads the body.
            return TypedResults.Problem(e.Message, statusCode: e.StatusCode, title: e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload too large" : "Bad request");
        }
        catch (ReportSetPendingException e)
        {
            return new RetryLater(e.RetryAfter, e.Message, StatusCodes.Status503ServiceUnavailable, "report-set-pending");
        }
    }

    /// <summary>
    /// Operator functions: pages redirect to the login page, API calls get 401 (403 for a signed-in user who is no
    /// operator, 429 after too many wrong keys); cookie-authenticated writes need the CSRF header.
    /// </summary>
    private async Task<IResult?> AdmitAsync(HttpContext http)
    {
        var decision = await operators.CheckAsync(http.Request, http.RequestAborted);
        switch (decision.Outcome)
        {
            case AccessOutcome.NotConfigured:
                return TypedResults.Problem("Operator access is not configured: set Kozuchi:Auth:OperatorKey, or Kozuchi:Auth:Mode=AppService with Kozuchi:Auth:OperatorRole behind App Service Authentication.", statusCode: StatusCodes.Status503ServiceUnavailable);
            case AccessOutcome.Forbidden:
                return TypedResults.Problem("Signed in, but not an operator of this shop: ask for the operator role.", statusCode: StatusCodes.Status403Forbidden);
            case AccessOutcome.Throttled:
                return new RetryLater(decision.RetryAfter, "Too many wrong operator keys from this client; wait before trying again.", StatusCodes.Status429TooManyRequests, "too-many-attempts");
            case AccessOutcome.Denied:
                var wantsPage = HttpMethods.IsGet(http.Request.Method) && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
                return wantsPage && operators.Options.Mode == OperatorAuthMode.Key
                    ? TypedResults.Redirect($"{ApiPrefix}/dashboard/login?next={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}")
                    : TypedResults.Problem("Sign in as an operator.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var safe = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        return decision.ViaCookie && !safe && !http.Request.Headers.ContainsKey(OperatorAccess.CsrfHeader)
            ? TypedResults.Problem($"Requests authenticated by a session cookie must send the {OperatorAccess.CsrfHeader} header.", statusCode: StatusCodes.Status403Forbidden)
            : null;
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "{Method} {Route}: the client aborted the request")]
    private static partial void LogAborted(ILogger logger, string method, string route);
}
