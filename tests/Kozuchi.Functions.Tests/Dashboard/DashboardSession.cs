using System.Net;
using System.Text.RegularExpressions;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// The app on a real loopback port over its own storage, and a Japanese browser page on a laptop-sized screen that
/// records every problem a person's browser would show in its console: console errors and warnings, uncaught page
/// errors, Content-Security-Policy violations, failed requests and error responses. <see cref="AssertClean"/> fails
/// on any of them that the test did not declare with <see cref="Expect"/>.
/// </summary>
public sealed class DashboardSession : IAsyncDisposable
{
    public const string OperatorKey = "test-operator-key-not-a-secret";

    /// <summary>Reports every CSP violation to the console, whatever Chromium itself prints for it.</summary>
    private const string ViolationReporter = """
        document.addEventListener('securitypolicyviolation', e =>
          console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
        """;

    private readonly List<string> _problems = [];
    private readonly List<Regex> _expected = [];

    private DashboardSession(StorageScope storage, KozuchiAppFactory app, Uri baseAddress, IBrowserContext context, IPage page)
    {
        Storage = storage;
        App = app;
        Base = baseAddress;
        Context = context;
        Page = page;
        Watch(page);
    }

    public StorageScope Storage { get; }
    public KozuchiAppFactory App { get; }
    public Uri Base { get; }
    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <summary>Every problem seen so far, expected ones included.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    /// <param name="configure">More settings for the app, before it starts.</param>
    /// <param name="viewport">The browser window (default 1366 × 900, a laptop).</param>
    public static async Task<DashboardSession> StartAsync(AzuriteFixture azurite, BrowserFixture browser, Action<KozuchiAppFactory>? configure = null, ViewportSize? viewport = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        ArgumentNullException.ThrowIfNull(browser);
        var storage = await azurite.CreateScopeAsync();
        var app = new KozuchiAppFactory(storage).WithStartSettings().WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey)
            .WithSetting("Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel", "Error");
        configure?.Invoke(app);

        // Not UseKestrel(0): the factory then rewrites the server's addresses while the app's own thread may already
        // be binding them, and loses that race now and then (dotnet/aspnetcore#67714). An explicit endpoint is bound
        // by Kestrel alone, and the address it got is read back once the server runs.
        app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "ja-JP",
            TimezoneId = "Asia/Tokyo",
            ViewportSize = viewport ?? new ViewportSize { Width = 1366, Height = 900 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout((float)BrowserFixture.Patience.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)BrowserFixture.Patience.TotalMilliseconds);
        await context.AddInitScriptAsync(ViolationReporter);
        return new DashboardSession(storage, app, baseAddress, context, await context.NewPageAsync());
    }

    /// <summary>Declares a problem this test causes on purpose (a regular expression over the recorded text).</summary>
    public void Expect(string pattern) => _expected.Add(new Regex(pattern, RegexOptions.CultureInvariant));

    /// <summary>Records the problems of another page of this session (a second tab).</summary>
    public void Watch(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Record($"console {message.Type}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => Record("page error: " + error);
        page.RequestFailed += (_, request) =>
        {
            // A download the test saved, or a navigation the page itself abandoned, is no failure.
            if (request.Failure is { } failure && !failure.Contains("ERR_ABORTED", StringComparison.Ordinal))
            {
                Record($"request failed: {request.Method} {request.Url} {failure}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Record($"response {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
    }

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }

    /// <summary>Fails with every recorded problem the test did not expect.</summary>
    public void AssertClean()
    {
        var unexpected = Problems.Where(p => !_expected.Any(e => e.IsMatch(p))).ToList();
        Assert.True(unexpected.Count == 0, "The browser reported problems:\n" + string.Join("\n", unexpected));
    }

    /// <summary>The login page, the operator key, and the dashboard's first page.</summary>
    public async Task SignInAsync(IPage? page = null)
    {
        page ??= Page;
        await page.GotoAsync(new Uri(Base, "/api/dashboard/").ToString());
        await page.GetByLabel("オペレーターキー / Operator key").FillAsync(OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
        // The first page is the overview, whose first report pass over a shop (with the predictive fit) can take more
        // than the default 5 s on a busy machine: no fault of the page.
        await Assertions.Expect(page.Locator("main[data-page]:not([aria-busy])")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    /// <summary>Opens a dashboard address (<c>#/customers/c-1</c>) and waits until the page has drawn.</summary>
    public async Task OpenAsync(string hash, IPage? page = null)
    {
        page ??= Page;
        await page.EvaluateAsync("h => { location.hash = h; }", hash);
        await Assertions.Expect(page.Locator("main[data-page]:not([aria-busy])")).ToBeVisibleAsync();
    }

    /// <summary>A full-page screenshot with the test output, for people to look at.</summary>
    public Task ShotAsync(string name, IPage? page = null) =>
        (page ?? Page).ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png"), FullPage = true });

    /// <summary>An API client signed in as the operator (for arranging what the page then shows).</summary>
    public HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = Base };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorKey);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await App.DisposeAsync();
        await Storage.DisposeAsync();
    }
}

/// <summary>
/// Base of every dashboard browser test: a fresh app and browser page per test, and a test fails when the browser
/// reported a console error, a page error, a CSP violation or an error response it did not expect.
/// </summary>
public abstract class DashboardTest(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime
{
    protected DashboardSession Session { get; private set; } = null!;

    protected IPage Page => Session.Page;

    protected KozuchiAppFactory App => Session.App;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Settings for the app before it starts.</summary>
    protected virtual void Configure(KozuchiAppFactory app)
    {
    }

    protected virtual ViewportSize? Viewport => null;

    public async ValueTask InitializeAsync() => Session = await DashboardSession.StartAsync(azurite, browser, Configure, Viewport);

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A test that failed already keeps its own message; a passing one still fails on what the browser reported.
            if (TestContext.Current.TestState?.Result is not TestResult.Failed)
            {
                Session.AssertClean();
            }
            else if (Session.Problems.Count > 0)
            {
                // What the browser reported helps to read why the test failed.
                Console.WriteLine("The browser reported: " + string.Join(" | ", Session.Problems));
            }
        }
        finally
        {
            await Session.DisposeAsync();
            GC.SuppressFinalize(this);
        }
    }

    protected Task SignInAsync() => Session.SignInAsync();

    protected Task OpenAsync(string hash) => Session.OpenAsync(hash);

    protected Task ShotAsync(string name) => Session.ShotAsync(name);

    protected Task LoadDemoAsync(int customers = 200, int seed = 9) =>
        App.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(customers, seed, null, Ct);
}
