using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>The zip that `azd deploy` uploads is the isolated worker's publish, as the Functions host on Flex Consumption runs it.</summary>
public sealed class DeploymentPackageTests(DeploymentPackage package, AzuriteFixture azurite) : IClassFixture<DeploymentPackage>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Package_holds_the_workers_functions_metadata_worker_config_and_the_hosts_json()
    {
        // The functions the host will index are the build's, one for one.
        var packaged = FunctionCatalog.Load(Path.Combine(package.Directory, FunctionCatalog.FileName)).Functions;
        Assert.Equal(FunctionCatalog.Load().Functions.Select(f => f.Name).Order(StringComparer.Ordinal), packaged.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.All(packaged, f => Assert.Equal("kozuchi.dll", f.ScriptFile));

        using var workerConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Directory, "worker.config.json")));
        var description = workerConfig.RootElement.GetProperty("description");
        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.True(File.Exists(Path.Combine(package.Directory, description.GetProperty("defaultWorkerPath").GetString()!)));

        Assert.Equal(File.ReadAllText(RepositoryTools.PathOf("host.json")), File.ReadAllText(Path.Combine(package.Directory, "host.json")));
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Directory, "host.json")))!.AsObject();
        Assert.False(hostJson.ContainsKey("customHandler"));
        Assert.False(hostJson.ContainsKey("extensionBundle")); // the worker's own extensions, not a bundle

        // Framework-dependent: .NET 10 comes with the plan's dotnet-isolated 10.0 image.
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Directory, "kozuchi.runtimeconfig.json")));
        var frameworks = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("frameworks").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("version").GetString()!);
        Assert.StartsWith("10.0", frameworks["Microsoft.NETCore.App"], StringComparison.Ordinal);
        Assert.True(frameworks.ContainsKey("Microsoft.AspNetCore.App"), "The ASP.NET Core integration needs the shared framework.");
        Assert.False(File.Exists(Path.Combine(package.Directory, "libcoreclr.so")), "The package carries a runtime of its own.");
    }

    [Fact]
    public void Package_carries_the_queue_and_blob_extensions_the_triggers_need_the_blob_one_with_its_event_grid_source()
    {
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Directory, "extensions.json")));
        var byName = extensions.RootElement.GetProperty("extensions").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e);

        foreach (var name in new[] { "AzureStorageQueues", "AzureStorageBlobs" })
        {
            Assert.True(byName.TryGetValue(name, out var extension), $"extensions.json has no {name}.");
            Assert.True(File.Exists(Path.Combine(package.Directory, extension.GetProperty("hintPath").GetString()!)), $"{name}'s assembly is not in the package.");
        }

        // The Event Grid source of blob triggers (the only one on Flex Consumption, fed at /runtime/webhooks/blobs) is
        // part of the blob extension from 5.1 on; no separate Event Grid extension serves it.
        var blobs = byName["AzureStorageBlobs"].GetProperty("typeName").GetString()!;
        var version = Version.Parse(blobs.Split("Version=")[1].Split(',')[0]);
        Assert.True(version >= new Version(5, 1), $"The blob extension {version} has no Event Grid source.");
        var blobFunction = Assert.Single(FunctionCatalog.Load(Path.Combine(package.Directory, FunctionCatalog.FileName)).Functions, f => f.TriggerType == "blobTrigger");
        Assert.Equal("EventGrid", blobFunction.Trigger["source"]);
    }

    [Fact]
    public async Task Packaged_kozuchi_started_with_the_hosts_worker_arguments_is_the_worker_and_dials_the_host_over_grpc()
    {
        // The host starts the worker with these arguments (and waits for it to connect back); an HTTP/2 connection to
        // the given endpoint is the worker's gRPC channel opening, which a CLI or `serve` start would never make.
        using var host = new TcpListener(IPAddress.Loopback, 0);
        host.Start();
        var port = ((IPEndPoint)host.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var id = Guid.NewGuid().ToString();
        await using var worker = KozuchiProcess.Start(Path.Combine(package.Directory, "kozuchi.dll"),
            ["--host", "127.0.0.1", "--port", port, "--workerId", id, "--requestId", id, "--grpcMaxMessageLength", "2147483647",
             "--functions-uri", $"http://127.0.0.1:{port}/", "--functions-worker-id", id, "--functions-request-id", id, "--functions-grpc-max-message-length", "2147483647"],
            package.Directory, new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        using var accepted = await host.AcceptTcpClientAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var preface = new byte[24];
        await accepted.GetStream().ReadExactlyAsync(preface, Ct);

        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Encoding.ASCII.GetString(preface));
    }

    [Fact]
    public async Task Unpacked_kozuchi_serve_runs_the_packaged_functions_a_webhook_lands_and_the_queue_function_processes_it()
    {
        await using var storage = await azurite.CreateScopeAsync();
        const string secret = "package-order-secret-placeholder";
        var environment = new Dictionary<string, string?>(storage.AppSettings) { ["Kozuchi:Webhooks:OrderSecret"] = secret };
        var (serve, baseAddress) = await KozuchiProcess.ServeAsync(Path.Combine(package.Directory, "kozuchi.dll"), package.Directory, environment, TimeSpan.FromSeconds(60));
        await using var _ = serve;
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

        var body = Encoding.UTF8.GetBytes("""{"source":"own","order_id":"p-1","ordered_at":"2026-10-01T10:00:00+09:00","total":3300,"customer":{"email":"package@example.jp"}}""");
        using var request = SignedRequests.KozuchiOrders(body, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds(), secret);
        var response = await http.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}\n{serve.Output}");

        // The local runtime's queue listener delivers the webhook's message to ProcessOrders, as the host would.
        await serve.WaitForOutputAsync(line => line.Contains("Executed ProcessOrders", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var customers = await new CustomerStore(storage.Clients).ScanProfilesAsync(Ct).ToListAsync(Ct);
        Assert.Equal(3300m, Assert.Single(customers).Monetary);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync(new Uri("/ProcessOrders", UriKind.Relative), null, Ct)).StatusCode);
    }
}
