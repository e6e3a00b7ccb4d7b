using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>The zip that `azd deploy` uploads is a custom-handler app the Functions host can run as it is.</summary>
public sealed class DeploymentPackageTests(DeploymentPackage package, AzuriteFixture azurite) : IClassFixture<DeploymentPackage>
{
    [Fact]
    public void Package_function_folders_are_exactly_the_registrys_functions_with_their_generated_bindings()
    {
        var folders = System.IO.Directory.GetDirectories(package.Directory)
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList();
        var registry = Features.CreateRegistry();

        Assert.Equal(registry.Functions.Select(f => f.Name).Order(StringComparer.Ordinal), folders);
        foreach (var function in registry.Functions)
        {
            var packaged = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Directory, function.Name, "function.json")));
            var expected = FunctionManifest.Describe(function, StorageNames.Default, FunctionManifest.BlobSource.EventGrid);
            Assert.True(JsonNode.DeepEquals(expected, packaged), $"{function.Name}/function.json differs from the registry:\n{packaged}");
        }
    }

    [Fact]
    public void Package_root_holds_the_repositorys_host_json_and_an_executable_self_contained_kozuchi()
    {
        Assert.Equal(
            File.ReadAllText(RepositoryTools.PathOf("host.json")),
            File.ReadAllText(Path.Combine(package.Directory, "host.json")));
        var hostJson = HostSettings.Load(Path.Combine(package.Directory, "host.json"));
        Assert.True(hostJson.ForwardsHttpRequests);

        // The host runs defaultExecutablePath directly: the zip entry itself must carry the executable bit.
        using (var zip = ZipFile.OpenRead(package.ZipPath))
        {
            var entry = zip.GetEntry(hostJson.ExecutablePath);
            Assert.NotNull(entry);
            var mode = (UnixFileMode)((entry.ExternalAttributes >> 16) & 0x1FF);
            Assert.True(mode.HasFlag(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute), $"{entry.FullName} is {mode} in the zip.");
        }

        // Self-contained: the runtime travels with the app, so the plan's image (custom or the dotnet-isolated fallback) does not matter.
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Directory, "kozuchi.runtimeconfig.json")));
        Assert.True(runtimeConfig.RootElement.GetProperty("runtimeOptions").TryGetProperty("includedFrameworks", out _), "kozuchi is not self-contained.");
        Assert.True(File.Exists(Path.Combine(package.Directory, "libcoreclr.so")), "kozuchi is not a linux-x64 self-contained build.");
    }

    [Fact]
    public async Task Unpacked_kozuchi_started_as_the_host_starts_it_is_ready_well_within_flex_limits_and_processes_a_queue_message()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var exe = Path.Combine(package.Directory, HostSettings.Load(Path.Combine(package.Directory, "host.json")).ExecutablePath);
        var started = Stopwatch.StartNew();
        await using var handler = await KozuchiProcess.StartHandlerAsync(exe, package.Directory, storage.AppSettings, TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = handler.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        var ready = await http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        var readiness = started.Elapsed;
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // Flex Consumption gives the host 30 s to initialise, handler included; keep a wide margin.
        Assert.True(readiness < TimeSpan.FromSeconds(10), $"Readiness took {readiness}.");
        TestContext.Current.TestOutputHelper?.WriteLine($"packaged kozuchi ready in {readiness.TotalMilliseconds:F0} ms");

        var queueFunction = Features.CreateRegistry().Functions.Single(f => f.Trigger is QueueTrigger q && q.QueueName == StorageCatalog.Queues.OrdersIncoming);
        const string blob = "webhooks/orders/package-test.json";
        await storage.Clients.Container(StorageCatalog.Containers.Raw).UploadBlobAsync(blob, BinaryData.FromString(
            """{"source":"own","order_id":"p-1","ordered_at":"2026-10-01T10:00:00+09:00","total":3300,"customer":{"email":"package@example.jp"}}"""), TestContext.Current.CancellationToken);
        var message = new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = blob }.ToJson();
        var invoked = await HostInvocation.QueueAsync(http, queueFunction.Name, message, "00000000-0000-0000-0000-000000000002", 1, TestContext.Current.CancellationToken);

        Assert.True(invoked.IsSuccessStatusCode, $"{queueFunction.Name}: {(int)invoked.StatusCode} {await invoked.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}\n{handler.Output}");
        var customers = await new CustomerStore(storage.Clients).ScanProfilesAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3300m, Assert.Single(customers).Monetary);
    }
}
