using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>The addresses a person types and the files the dashboard loads, over HTTP.</summary>
public sealed partial class DashboardEntryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage).WithSetting("Kozuchi:Auth:OperatorKey", DashboardSession.OperatorKey);
        _http = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task The_apps_address_redirects_to_the_dashboard_and_the_browsers_icon_request_to_the_apps_icon()
    {
        using var root = await _http.GetAsync(new Uri("/", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/api/dashboard/", root.Headers.Location!.OriginalString);

        using var icon = await _http.GetAsync(new Uri("/favicon.ico", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.MovedPermanently, icon.StatusCode);
        using var svg = await _http.GetAsync(icon.Headers.Location, Ct);
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_dashboard_without_its_slash_redirects_to_it_and_asks_a_stranger_to_sign_in_first()
    {
        using var stranger = new HttpRequestMessage(HttpMethod.Get, "/api/dashboard");
        stranger.Headers.Accept.ParseAdd("text/html");
        using var login = await _http.SendAsync(stranger, Ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/api/dashboard/login?next=%2Fapi%2Fdashboard", login.Headers.Location!.OriginalString);

        using var operatorRequest = Signed(HttpMethod.Get, "/api/dashboard?x=1");
        using var redirected = await _http.SendAsync(operatorRequest, Ct);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/api/dashboard/?x=1", redirected.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_login_page_its_stylesheet_and_its_icon_load_without_a_session_and_nothing_else_does()
    {
        foreach (var (path, type) in new[] { ("/api/dashboard/login", "text/html"), ("/api/dashboard/login/app.css", "text/css"), ("/api/dashboard/login/favicon.svg", "image/svg+xml") })
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
            Assert.StartsWith("default-src 'self'; script-src 'self'; style-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        using var other = await _http.GetAsync(new Uri("/api/dashboard/login/main.js", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var module = await _http.GetAsync(new Uri("/api/dashboard/main.js", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, module.StatusCode);
    }

    [Fact]
    public async Task Every_module_the_dashboard_imports_is_served_as_javascript_under_the_strict_policy()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>(["index.html"]);
        while (pending.TryDequeue(out var file))
        {
            if (!seen.Add(file))
            {
                continue;
            }

            using var request = Signed(HttpMethod.Get, "/api/dashboard/" + file);
            using var response = await _http.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {(int)response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync(Ct);
            var directory = file.Contains('/', StringComparison.Ordinal) ? file[..(file.LastIndexOf('/') + 1)] : "";
            if (file.EndsWith(".js", StringComparison.Ordinal))
            {
                Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
                if (file.StartsWith("vendor/", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.DoesNotContain("innerHTML", text, StringComparison.Ordinal);
                Assert.DoesNotContain(".style.", text, StringComparison.Ordinal);
                foreach (Match m in Import().Matches(text))
                {
                    pending.Enqueue(Resolve(directory, m.Groups["path"].Value));
                }
            }
            else
            {
                Assert.DoesNotContain(" style=", text, StringComparison.Ordinal);
                foreach (Match m in Source().Matches(text))
                {
                    pending.Enqueue(Resolve(directory, m.Groups["path"].Value));
                }
            }
        }

        Assert.Contains("lib/router.js", seen);
        Assert.Contains("components/data-table.js", seen);
        Assert.Contains("vendor/chart.umd.min.js", seen);
        Assert.True(seen.Count(f => f.StartsWith("pages/", StringComparison.Ordinal)) >= 9, string.Join(", ", seen));
    }

    private static string Resolve(string directory, string relative)
    {
        var parts = (directory + relative).Split('/').ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i] == ".")
            {
                parts.RemoveAt(i--);
            }
            else if (parts[i] == ".." && i > 0)
            {
                parts.RemoveRange(i - 1, 2);
                i -= 2;
            }
        }

        return string.Join('/', parts);
    }

    private static HttpRequestMessage Signed(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DashboardSession.OperatorKey);
        return request;
    }

    [GeneratedRegex("""(?:import|from)\s+"(?<path>\.{1,2}/[^"]+\.js)"|import\("(?<path>\.{1,2}/[^"]+\.js)"\)""")]
    private static partial Regex Import();

    [GeneratedRegex("(?:src|href)=\"(?<path>(?!#|https?:|data:|login)[^\"]+\\.(?:js|css|svg))\"")]
    private static partial Regex Source();
}
