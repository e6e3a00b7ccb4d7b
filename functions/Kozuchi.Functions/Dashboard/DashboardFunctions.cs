using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Dashboard;

/// <summary>
/// The operators' web dashboard, served by the app itself from files embedded in the executable (no separate
/// static site to deploy): Japanese by default, English switchable; the pages call the app's own API.
/// </summary>
public static class DashboardFunctions
{
    public const string Route = "dashboard";

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

    public static FunctionRegistry AddDashboardFunctions(this FunctionRegistry registry) =>
        registry
            .Http("DashboardLoginPage", "GET", $"{Route}/login", LoginPage, Access.Public)
            .Http("DashboardLoginStyle", "GET", $"{Route}/login/app.css", LoginStyle, Access.Public)
            .Http("DashboardLogin", "POST", $"{Route}/login", LoginAsync, Access.Public)
            .Http("DashboardLogout", "POST", $"{Route}/logout", Logout, Access.Public)
            .Http("Dashboard", "GET", $"{Route}/{{*path}}", Serve);

    internal static Results<FileContentHttpResult, StatusCodeHttpResult, NotFound> Serve(string? path, HttpContext context)
    {
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

    /// <summary>The login page's stylesheet, before anyone has signed in (the dashboard's own files need a session).</summary>
    internal static Results<FileContentHttpResult, StatusCodeHttpResult, NotFound> LoginStyle(HttpContext context) => Serve("app.css", context);

    internal static ContentHttpResult LoginPage(HttpContext context, string? next, string? error)
    {
        SecurityHeaders(context.Response);
        var html = (Load("login.html")?.Content is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "<form method=post><input name=key type=password><button>Login</button></form>")
            .Replace("{{next}}", System.Net.WebUtility.HtmlEncode(SafeNext(next)), StringComparison.Ordinal)
            .Replace("{{error}}", error is null ? string.Empty : "<p class=\"error\" role=\"alert\" data-i18n=\"login.failed\">キーが正しくありません。</p>", StringComparison.Ordinal);
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    internal static async Task<IResult> LoginAsync(HttpContext context, OperatorAccess access)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var next = SafeNext(form["next"]);
        if (access.Options.Mode != OperatorAuthMode.Key || !access.KeyMatches(form["key"].ToString()))
        {
            return TypedResults.Redirect($"{HostEndpoints.ApiPrefix}/{Route}/login?error=1&next={Uri.EscapeDataString(next)}");
        }

        context.Response.Cookies.Append(OperatorAccess.CookieName, access.IssueSession(), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = HostEndpoints.ApiPrefix,
            MaxAge = access.Options.SessionLifetime,
        });
        return TypedResults.Redirect(next);
    }

    internal static RedirectHttpResult Logout(HttpContext context)
    {
        context.Response.Cookies.Delete(OperatorAccess.CookieName, new CookieOptions { Path = HostEndpoints.ApiPrefix });
        return TypedResults.Redirect($"{HostEndpoints.ApiPrefix}/{Route}/login");
    }

    /// <summary>Only our own dashboard paths: never an open redirect to another site.</summary>
    private static string SafeNext(string? next) =>
        next is { Length: > 0 } n && n.StartsWith($"{HostEndpoints.ApiPrefix}/{Route}", StringComparison.Ordinal) && !n.Contains("//", StringComparison.Ordinal)
            ? n
            : $"{HostEndpoints.ApiPrefix}/{Route}/";

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
