using System.Net;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>The app on a real loopback port over its own storage, and a Japanese browser page on a laptop-sized screen.</summary>
public sealed class DashboardSession : IAsyncDisposable
{
    public const string OperatorKey = "test-operator-key-not-a-secret";

    private DashboardSession(StorageScope storage, KozuchiAppFactory app, Uri baseAddress, IBrowserContext context, IPage page)
    {
        Storage = storage;
        App = app;
        Base = baseAddress;
        Context = context;
        Page = page;
    }

    public StorageScope Storage { get; }
    public KozuchiAppFactory App { get; }
    public Uri Base { get; }
    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <param name="configure">More settings for the app, before it starts.</param>
    public static async Task<DashboardSession> StartAsync(AzuriteFixture azurite, BrowserFixture browser, Action<KozuchiAppFactory>? configure = null)
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
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP", TimezoneId = "Asia/Tokyo", ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        return new DashboardSession(storage, app, baseAddress, context, await context.NewPageAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await App.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
