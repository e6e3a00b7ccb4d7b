using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Security;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Dashboard;

/// <summary>
/// The operators' web dashboard, served by the app itself from files embedded in the executable (no separate
/// static site to deploy): Japanese by default, English switchable; the pages call the app's own API.
/// </summary>
public sealed class DashboardFunctions(OperatorAccess access)
{
    public const string Route = "dashboard";

    private const string ApiPrefix = HttpFunctionGuard.ApiPrefix;

    [Function("Dashboard")]
    [HttpAccess(Access.Operator)]
    public static IResult Serve([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route + "/{*path}")] HttpRequest req, string? path)
    {
        ArgumentNullException.ThrowIfNull(req);

        // /api/dashboard without its slash: the page's relative links (app.css, main.js, ../reports/…) would resolve
        // against /api/, so send the browser to the address they are written for.
        return string.IsNullOrEmpty(path) && !req.Path.Value!.EndsWith('/')
            ? TypedResults.Redirect($"{ApiPrefix}/{Route}/{req.QueryString}")
            : DashboardFiles.Serve(path, req.HttpContext);
    }

    [Function("DashboardLoginPage")]
    [HttpAccess(Access.Public)]
    public static IResult LoginPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route + "/login")] HttpRequest req) =>
        DashboardFiles.LoginPage(req.HttpContext, req.Text("next"), req.Text("error"));

    /// <summary>
    /// The login page's stylesheet and icon, before anyone has signed in (the dashboard's own files need a session):
    /// these two files and nothing else.
    /// </summary>
    [Function("DashboardLoginAssets")]
    [HttpAccess(Access.Public)]
    public static IResult LoginAsset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route + "/login/{asset}")] HttpRequest req, string asset) =>
        asset is "app.css" or "favicon.svg" ? DashboardFiles.Serve(asset, req.HttpContext) : TypedResults.NotFound();

    /// <summary>
    /// The sign-in form (Key mode): a form body only (anything else is 400, more than a few KB is 413), a wrong key counts
    /// against the client (<see cref="LoginThrottle"/>: 429 with Retry-After once too many), a right one starts a
    /// server-side session. The cookie is <c>Secure</c> unless a local browser reached <c>kozuchi serve</c> directly
    /// (<see cref="RequestOrigin.NeedsSecureCookie"/>), <c>HttpOnly</c> and <c>SameSite=Strict</c>.
    /// </summary>
    [Function("DashboardLogin")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> LoginAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/login")] HttpRequest req)
    {
        ArgumentNullException.ThrowIfNull(req);
        var cancellationToken = req.HttpContext.RequestAborted;
        var form = await req.ReadSmallFormAsync(cancellationToken);
        var next = DashboardFiles.SafeNext(form["next"]);
        var client = RequestOrigin.ClientKey(req);
        if (access.Throttle.WaitFor(client) is var wait && wait > TimeSpan.Zero)
        {
            req.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return DashboardFiles.LoginPage(req.HttpContext, next, "throttled", StatusCodes.Status429TooManyRequests);
        }

        if (access.Options.Mode != OperatorAuthMode.Key || !access.KeyMatches(form["key"].ToString()))
        {
            access.Throttle.Failed(client);
            return TypedResults.Redirect($"{ApiPrefix}/{Route}/login?error=1&next={Uri.EscapeDataString(next)}");
        }

        access.Throttle.Succeeded(client);
        req.HttpContext.Response.Cookies.Append(OperatorAccess.CookieName, await access.StartSessionAsync(cancellationToken), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = RequestOrigin.NeedsSecureCookie(req),
            Path = ApiPrefix,
            MaxAge = access.Options.SessionLifetime,
        });
        return TypedResults.Redirect(next);
    }

    /// <summary>
    /// Signing out ends the session server-side (the cookie stops working everywhere), then drops the cookie. In
    /// AppService mode the session is App Service Authentication's: its own sign-out ends it.
    /// </summary>
    [Function("DashboardLogout")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> LogoutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/logout")] HttpRequest req)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (access.Options.Mode == OperatorAuthMode.AppService)
        {
            return TypedResults.Redirect($"/.auth/logout?post_logout_redirect_uri={Uri.EscapeDataString($"{ApiPrefix}/{Route}/")}");
        }

        await access.EndSessionAsync(req.Cookies[OperatorAccess.CookieName], req.HttpContext.RequestAborted);
        req.HttpContext.Response.Cookies.Delete(OperatorAccess.CookieName, new CookieOptions { Path = ApiPrefix, Secure = RequestOrigin.NeedsSecureCookie(req), HttpOnly = true, SameSite = SameSiteMode.Strict });
        return TypedResults.Redirect($"{ApiPrefix}/{Route}/login");
    }
}

/// <summary>The dashboard's files, embedded in the executable, with their security headers and ETags.</summary>
public static class DashboardFiles
{
    private const string Route = DashboardFunctions.Route;

    private const string ApiPrefix = HttpFunctionGuard.ApiPrefix;

    private static readonly ConcurrentDictionary<string, (byte[] Content, string ETag)?> Files = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    };

    public static IResult Serve(string? path, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return TypedResults.NotFound();
        }

        if (Load(name) is not { } file)
        {
            // Client-side routes (#/rfm…) live in index.html; anything else unknown is a 404.
            return TypedResults.NotFound();
        }

        SecurityHeaders(context.Response);
        context.Response.Headers.CacheControl = name.StartsWith("vendor/", StringComparison.Ordinal) ? "private, max-age=86400" : "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == file.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        context.Response.Headers.ETag = file.ETag;
        return TypedResults.File(file.Content, ContentType(name));
    }

    public static IResult LoginPage(HttpContext context, string? next, string? error, int statusCode = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(context);
        SecurityHeaders(context.Response);
        var message = error switch
        {
            null => string.Empty,
            "throttled" => "<p class=\"error\" role=\"alert\" data-i18n=\"login.throttled\">試行回数が多すぎます。しばらくしてからもう一度お試しください。</p>",
            _ => "<p class=\"error\" role=\"alert\" data-i18n=\"login.failed\">キーが正しくありません。</p>",
        };
        var html = (Load("login.html")?.Content is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "<form method=post><input name=key type=password><button>Login</button></form>")
            .Replace("{{next}}", System.Net.WebUtility.HtmlEncode(SafeNext(next)), StringComparison.Ordinal)
            .Replace("{{error}}", message, StringComparison.Ordinal);
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }

    /// <summary>Only our own dashboard paths: never an open redirect to another site.</summary>
    public static string SafeNext(string? next) =>
        next is { Length: > 0 } n && n.StartsWith($"{ApiPrefix}/{Route}", StringComparison.Ordinal) && !n.Contains("//", StringComparison.Ordinal)
            ? n
            : $"{ApiPrefix}/{Route}/";

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static string ContentType(string name) =>
        ContentTypes.TryGetValue(Path.GetExtension(name), out var type) ? type : "application/octet-stream";

    private static (byte[] Content, string ETag)? Load(string name) =>
        Files.GetOrAdd(name, static n =>
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + n);
            if (stream is null)
            {
                return null;
            }

            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            return (bytes, $"\"{Convert.ToHexString(SHA256.HashData(bytes))[..16]}\"");
        });
}
