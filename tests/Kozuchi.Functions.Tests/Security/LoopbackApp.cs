using System.Net;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Security;

/// <summary>
/// The app on a real loopback port over its own storage (Kestrel's limits, a real peer address), and a client that
/// neither follows redirects nor keeps cookies, so a test sees every answer and sends every header itself.
/// </summary>
internal sealed class LoopbackApp : IAsyncDisposable
{
    private LoopbackApp(StorageScope storage, KozuchiAppFactory app, HttpClient client) => (Storage, App, Client) = (storage, app, client);

    public StorageScope Storage { get; }
    public KozuchiAppFactory App { get; }
    public HttpClient Client { get; }

    public static async Task<LoopbackApp> StartAsync(AzuriteFixture azurite, Action<KozuchiAppFactory> configure)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        ArgumentNullException.ThrowIfNull(configure);
        var storage = await azurite.CreateScopeAsync();
        var app = new KozuchiAppFactory(storage).WithSetting("Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel", "Error");
        configure(app);
        app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        return new LoopbackApp(storage, app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
