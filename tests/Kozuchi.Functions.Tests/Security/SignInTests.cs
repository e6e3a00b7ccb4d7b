using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Security;

/// <summary>
/// The operator sign-in of Key mode, over a real loopback port (so the app sees a real peer address): wrong keys are
/// throttled per client on the app's clock, the cookie is Secure whenever the request is not a local browser's direct
/// one, signing out ends the session on the server, and a body that is no form is a 400.
/// </summary>
public sealed class SignInTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OperatorKey = "sign-in-test-operator-key";

    private LoopbackApp _loopback = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _loopback = await LoopbackApp.StartAsync(azurite, app => app.WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey));

    public async ValueTask DisposeAsync() => await _loopback.DisposeAsync();

    private async Task<HttpResponseMessage> SignInAsync(string key, Action<HttpRequestMessage>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/dashboard/login", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new("key", key), new("next", "/api/dashboard/")]),
        };
        headers?.Invoke(request);
        return await _loopback.Client.SendAsync(request, Ct);
    }

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("kozuchi_session=", StringComparison.Ordinal));

    private async Task<HttpStatusCode> SummaryWithCookieAsync(string setCookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/summary", UriKind.Relative));
        request.Headers.Add("Cookie", setCookie.Split(';')[0]);
        return (await _loopback.Client.SendAsync(request, Ct)).StatusCode;
    }

    [Fact]
    public async Task Wrong_keys_from_one_client_are_throttled_until_the_oldest_leaves_the_window_on_the_apps_clock()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Contains("error=1", (await SignInAsync("wrong-" + i)).Headers.Location!.ToString(), StringComparison.Ordinal);
            _loopback.App.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var throttled = await SignInAsync(OperatorKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(10), throttled.Headers.RetryAfter!.Delta);
        Assert.Contains("試行回数が多すぎます", await throttled.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/summary", UriKind.Relative));
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _loopback.Client.SendAsync(bearer, Ct)).StatusCode);

        _loopback.App.Time.Advance(TimeSpan.FromMinutes(10));
        var signedIn = await SignInAsync(OperatorKey);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/api/dashboard/", signedIn.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Wrong_bearer_keys_count_against_the_client_too()
    {
        for (var i = 0; i < 5; i++)
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/summary", UriKind.Relative));
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, (await _loopback.Client.SendAsync(wrong, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(OperatorKey)).StatusCode);
    }

    [Fact]
    public async Task The_cookie_is_secure_unless_a_local_browser_reached_kozuchi_serve_directly()
    {
        var direct = SessionCookie(await SignInAsync(OperatorKey));
        var behindTheHost = SessionCookie(await SignInAsync(OperatorKey, r => r.Headers.Add("X-Forwarded-For", "203.0.113.7:51234")));
        var claimsHttp = SessionCookie(await SignInAsync(OperatorKey, r => r.Headers.Add("X-Forwarded-Proto", "http")));

        Assert.DoesNotContain("secure", direct, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", behindTheHost, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", claimsHttp, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", direct, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", direct, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Throttling_counts_the_client_the_front_end_names_not_the_loopback_peer()
    {
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync("wrong-" + i, r => r.Headers.Add("X-Forwarded-For", "198.51.100.1, 203.0.113.7:50000"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(OperatorKey, r => r.Headers.Add("X-Forwarded-For", "203.0.113.7:50001"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(OperatorKey, r => r.Headers.Add("X-Forwarded-For", "203.0.113.8:50001"))).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working()
    {
        var cookie = SessionCookie(await SignInAsync(OperatorKey));
        Assert.Equal(HttpStatusCode.OK, await SummaryWithCookieAsync(cookie));

        using var logout = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/dashboard/logout", UriKind.Relative));
        logout.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.Redirect, (await _loopback.Client.SendAsync(logout, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await SummaryWithCookieAsync(cookie));
    }

    [Fact]
    public async Task A_json_body_to_the_sign_in_form_is_a_400()
    {
        using var json = new StringContent("""{"key":"sign-in-test-operator-key"}""", Encoding.UTF8, "application/json");

        var response = await _loopback.Client.PostAsync(new Uri("/api/dashboard/login", UriKind.Relative), json, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("form", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
