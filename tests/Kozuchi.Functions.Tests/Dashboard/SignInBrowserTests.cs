using Kozuchi.Testing;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>Signing in and out in Chromium as an operator does: too many wrong keys are refused with a message, and signing out ends the session.</summary>
public sealed class SignInBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private DashboardSession _session = null!;

    private IPage Page => _session.Page;

    public async ValueTask InitializeAsync() => _session = await DashboardSession.StartAsync(azurite, browser);

    public async ValueTask DisposeAsync() => await _session.DisposeAsync();

    private async Task SignInAsync(string key)
    {
        await Page.GetByLabel("オペレーターキー / Operator key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
    }

    [Fact]
    public async Task After_five_wrong_keys_the_sign_in_page_says_to_wait_and_refuses_even_the_right_key()
    {
        await Page.GotoAsync(new Uri(_session.Base, "/api/dashboard/").ToString());
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync("wrong-" + i);
            await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("キーが正しくありません");
        }

        await SignInAsync(DashboardSession.OperatorKey);

        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("試行回数が多すぎます");
        await Assertions.Expect(Page.Locator("main[data-page]")).ToHaveCountAsync(0);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "login-throttled.png"), FullPage = true });

        _session.App.Time.Advance(TimeSpan.FromMinutes(15));
        await Page.GotoAsync(new Uri(_session.Base, "/api/dashboard/").ToString());
        await SignInAsync(DashboardSession.OperatorKey);
        await Assertions.Expect(Page.Locator("main[data-page]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Signing_out_ends_the_session_so_the_dashboard_asks_for_the_key_again()
    {
        await Page.GotoAsync(new Uri(_session.Base, "/api/dashboard/").ToString());
        await SignInAsync(DashboardSession.OperatorKey);
        await Assertions.Expect(Page.Locator("main[data-page]")).ToBeVisibleAsync();
        var cookie = (await _session.Context.CookiesAsync()).Single(c => c.Name == "kozuchi_session");

        await Page.GetByRole(AriaRole.Button, new() { Name = "ログアウト" }).ClickAsync();
        await Assertions.Expect(Page.GetByLabel("オペレーターキー / Operator key")).ToBeVisibleAsync();

        // The old cookie, put back as someone who copied it would, opens nothing.
        await _session.Context.AddCookiesAsync([new Cookie { Name = cookie.Name, Value = cookie.Value, Domain = cookie.Domain, Path = cookie.Path }]);
        await Page.GotoAsync(new Uri(_session.Base, "/api/dashboard/").ToString());
        await Assertions.Expect(Page.GetByLabel("オペレーターキー / Operator key")).ToBeVisibleAsync();
        Assert.Contains("/api/dashboard/login", Page.Url, StringComparison.Ordinal);
    }
}
