using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Health;

public sealed class HealthTests(AzuriteFixture azurite)
{
    private sealed record Report(string Status, string Storage, bool StorageReady, Dictionary<string, string> Checks);

    [Fact]
    public async Task Health_reports_each_storage_service_reachable()
    {
        await using var storage = await azurite.CreateScopeAsync();
        await using var app = new KozuchiAppFactory(storage);
        using var client = app.CreateClient();

        var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<Report>(TestContext.Current.CancellationToken);
        Assert.Equal("healthy", report!.Status);
        Assert.Equal(["blobs", "queues", "tables"], report.Checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(report.Checks.Values, v => Assert.Equal("ok", v));
    }

    [Fact]
    public async Task Health_is_503_when_storage_is_unreachable()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var closed = ClosedPort();
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{closed}/{Azurite.AccountName};QueueEndpoint=http://127.0.0.1:{closed}/{Azurite.AccountName};TableEndpoint=http://127.0.0.1:{closed}/{Azurite.AccountName};";
        await using var app = new KozuchiAppFactory(storage).WithSetting(StorageConnection.SettingName, unreachable);
        using var client = app.CreateClient();

        var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<Report>(TestContext.Current.CancellationToken);
        Assert.Equal("unhealthy", report!.Status);
        Assert.False(report.StorageReady);
        Assert.All(report.Checks.Values, v => Assert.NotEqual("ok", v));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
