using System.Net;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>The dashboard in real Chromium against the app on a real port: sign in, every page, drill-downs, replay.</summary>
public sealed class DashboardBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private const string OperatorKey = "test-operator-key-not-a-secret";

    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private Uri _base = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage).WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey);
        // Not UseKestrel(0): the factory then rewrites the server's addresses while the app's own thread may already
        // be binding them, and loses that race now and then (dotnet/aspnetcore#67714). An explicit endpoint is bound
        // by Kestrel alone, and the address it got is read back once the server runs.
        _app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        _base = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP", ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        _page = await _context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task Unauthenticated_visit_goes_to_login_and_a_wrong_key_is_refused()
    {
        await _page.GotoAsync(new Uri(_base, "/api/dashboard/").ToString());
        Assert.Contains("/api/dashboard/login", _page.Url, StringComparison.Ordinal);

        await _page.GetByLabel("オペレーターキー / Operator key").FillAsync("wrong");
        await _page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();

        await Assertions.Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("キーが正しくありません");
        await Shot("login-refused");
    }

    [Fact]
    public async Task Operator_signs_in_and_opens_every_page_in_japanese_then_english()
    {
        await SignIn();
        string[] pages = ["overview", "rfm", "cohorts", "products", "scenarios", "operations"];
        foreach (var name in pages)
        {
            await _page.Locator($"#nav a[data-page='{name}']").ClickAsync();
            await Assertions.Expect(_page.Locator($"main[data-page='{name}']")).ToBeVisibleAsync();
            await Assertions.Expect(_page.Locator($"#nav a[data-page='{name}']")).ToHaveAttributeAsync("aria-current", "page");
            await Assertions.Expect(_page.Locator("main h1")).ToBeVisibleAsync();
            await Assertions.Expect(_page.Locator("main .error")).ToHaveCountAsync(0);
            await Shot($"ja-{name}");
        }

        await _page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(_page.Locator("#nav a[data-page='operations']")).ToHaveTextAsync("Imports & failures");
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Shot("en-operations");
    }

    [Fact]
    public async Task Poison_message_is_shown_and_replayed_from_the_operations_page()
    {
        const string queue = "orders-incoming";
        await _storage.Clients.PoisonQueue(queue).CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        await _storage.Clients.PoisonQueue(queue).SendMessageAsync("""{"orders":["broken"]}""", TestContext.Current.CancellationToken);
        await SignIn();

        await _page.Locator("#nav a[data-page='operations']").ClickAsync();
        await Assertions.Expect(_page.Locator("main pre.message")).ToContainTextAsync("broken");
        await Shot("operations-poison");
        await _page.Locator($"main button[data-queue='{queue}']").ClickAsync();

        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("1");
        var back = await _storage.Clients.Queue(queue).ReceiveMessagesAsync(32, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("""{"orders":["broken"]}""", Assert.Single(back.Value).Body.ToString());
    }

    [Fact]
    public async Task With_demo_data_the_overview_cohort_and_product_pages_show_the_analytics()
    {
        await _app.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(200, 9, null, TestContext.Current.CancellationToken);
        await SignIn();

        await Assertions.Expect(_page.Locator("[data-testid='kpis'] .card")).ToHaveCountAsync(8);
        await Shot("data-overview");
        await _page.Locator("#nav a[data-page='cohorts']").ClickAsync();
        await Assertions.Expect(_page.Locator("main table tbody tr").First).ToBeVisibleAsync();
        Assert.True(await _page.Locator("main table tbody tr").CountAsync() >= 30);
        await Shot("data-cohorts");
        await _page.Locator("#nav a[data-page='products']").ClickAsync();
        await Assertions.Expect(_page.Locator("main table")).ToHaveCountAsync(3);
        await Assertions.Expect(_page.Locator("main .error")).ToHaveCountAsync(0);
        await Shot("data-products");
    }

    [Fact]
    public async Task Dashboard_is_keyboard_navigable_with_a_skip_link_and_labelled_controls()
    {
        await SignIn();
        await _page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(_page.Locator(".skip")).ToBeFocusedAsync();
        await _page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(_page.Locator("#nav a").First).ToBeFocusedAsync();
        await _page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(_page.Locator("main[data-page='overview']")).ToBeVisibleAsync();
        var unlabelled = await _page.EvaluateAsync<int>("""
            () => [...document.querySelectorAll('input, select, button')].filter(e =>
              !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).length
            """);
        Assert.Equal(0, unlabelled);
    }

    [Fact]
    public async Task Every_text_has_japanese_and_english_and_every_label_in_the_page_has_a_text()
    {
        await SignIn();
        var missing = await _page.EvaluateAsync<string[]>("""
            () => {
              const { ja, en } = window.KOZUCHI_I18N;
              const keys = new Set([...Object.keys(ja), ...Object.keys(en)]);
              document.querySelectorAll('[data-i18n]').forEach(e => keys.add(e.dataset.i18n));
              return [...keys].filter(k => !(k in ja) || !(k in en));
            }
            """);
        Assert.Empty(missing);
    }

    private async Task SignIn()
    {
        await _page.GotoAsync(new Uri(_base, "/api/dashboard/").ToString());
        await _page.GetByLabel("オペレーターキー / Operator key").FillAsync(OperatorKey);
        await _page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
        await Assertions.Expect(_page.Locator("main[data-page]")).ToBeVisibleAsync();
    }

    private Task Shot(string name) =>
        _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png"), FullPage = true });
}
