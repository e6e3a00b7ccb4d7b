using System.Text.Json.Nodes;
using Kozuchi.Functions.Cli;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>The registry, the handlers, the routes and the generated function.json files say the same thing.</summary>
public sealed class RegistryConsistencyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage);
        _ = _app.Services;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    public static TheoryData<string> RegisteredFunctions() => [.. Features.CreateRegistry().Functions.Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(RegisteredFunctions))]
    public void Every_registered_function_has_a_handler_the_app_can_run(string name)
    {
        Assert.True(_app.Services.GetRequiredService<FunctionRegistry>().TryGet(name, out var function));
        if (function.IsHttp)
        {
            var endpoint = Endpoints().SingleOrDefault(e => e.Metadata.GetMetadata<FunctionDefinition>()?.Name == name);
            Assert.NotNull(endpoint);
            Assert.Equal($"/api/{((HttpTrigger)function.Trigger).Route}", "/" + endpoint.RoutePattern.RawText!.TrimStart('/'));
        }
        else
        {
            using var scope = _app.Services.CreateScope();
            var handler = scope.ServiceProvider.GetRequiredService(function.HandlerType!);
            Assert.IsType(function.HandlerType!, handler);
            var expected = function.Trigger switch
            {
                QueueTrigger => typeof(IQueueFunction),
                TimerTrigger => typeof(ITimerFunction),
                BlobTrigger => typeof(IBlobFunction),
                _ => throw new InvalidOperationException(),
            };
            Assert.True(expected.IsInstanceOfType(handler), $"{name}'s handler is not an {expected.Name}.");
        }
    }

    [Fact]
    public void Nothing_unregistered_is_routable()
    {
        var registry = _app.Services.GetRequiredService<FunctionRegistry>();
        foreach (var endpoint in Endpoints())
        {
            var pattern = endpoint.RoutePattern.RawText;
            if (pattern is "/" or "/{functionName}")
            {
                continue; // the host's readiness probe and payload-mode invocations
            }

            var function = endpoint.Metadata.GetMetadata<FunctionDefinition>();
            Assert.True(function is not null && registry.TryGet(function.Name, out _), $"Route '{pattern}' is not a registered function.");
        }
    }

    [Fact]
    public void Generated_function_json_matches_each_trigger_and_uses_the_hosts_storage_setting()
    {
        var names = new StorageNames("p1");
        foreach (var function in Features.CreateRegistry().Functions)
        {
            var bindings = FunctionManifest.Describe(function, names)["bindings"]!.AsArray();
            var trigger = bindings[0]!.AsObject();
            Assert.Equal("in", (string?)trigger["direction"]);
            Assert.Equal(function.Trigger.BindingName, (string?)trigger["name"]);
            switch (function.Trigger)
            {
                case HttpTrigger http:
                    Assert.Equal("httpTrigger", (string?)trigger["type"]);
                    Assert.Equal(http.Route, (string?)trigger["route"]);
                    Assert.Equal(http.Methods.Select(m => m.ToLowerInvariant()), trigger["methods"]!.AsArray().Select(m => (string?)m));
                    Assert.Equal(http.AuthLevel.ToString().ToLowerInvariant(), (string?)trigger["authLevel"]);
                    // Only HTTP in + HTTP out lets the host forward the raw request.
                    Assert.Equal(2, bindings.Count);
                    Assert.Equal("http", (string?)bindings[1]!["type"]);
                    break;
                case QueueTrigger queue:
                    Assert.Equal("queueTrigger", (string?)trigger["type"]);
                    Assert.Equal(names.Queue(queue.QueueName), (string?)trigger["queueName"]);
                    Assert.Equal(StorageConnection.SettingName, (string?)trigger["connection"]);
                    Assert.Single(bindings);
                    break;
                case TimerTrigger timer:
                    Assert.Equal("timerTrigger", (string?)trigger["type"]);
                    Assert.Equal(timer.Schedule, (string?)trigger["schedule"]);
                    Assert.Equal(6, timer.Schedule.Split(' ').Length);
                    break;
                case BlobTrigger blob:
                    Assert.Equal("blobTrigger", (string?)trigger["type"]);
                    Assert.Equal($"{names.Container(blob.ContainerName)}/{{name}}", (string?)trigger["path"]);
                    Assert.Equal("EventGrid", (string?)trigger["source"]);
                    Assert.Equal("binary", (string?)trigger["dataType"]);
                    Assert.Equal(StorageConnection.SettingName, (string?)trigger["connection"]);
                    break;
            }
        }
    }

    [Fact]
    public async Task Manifest_command_writes_one_function_json_per_registered_function_and_nothing_else()
    {
        var dir = Directory.CreateTempSubdirectory("kozuchi-manifest-");
        try
        {
            var exit = await KozuchiCli.Create().Parse(["functions", "manifest", dir.FullName]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(0, exit);
            var registry = Features.CreateRegistry();
            Assert.Equal(
                registry.Functions.Select(f => f.Name).Order(StringComparer.Ordinal),
                dir.GetDirectories().Select(d => d.Name).Order(StringComparer.Ordinal));
            foreach (var function in registry.Functions)
            {
                var written = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir.FullName, function.Name, "function.json"), TestContext.Current.CancellationToken));
                Assert.True(JsonNode.DeepEquals(FunctionManifest.Describe(function, StorageNames.Default), written), $"{function.Name}/function.json differs from the registry.");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Declaring_a_function_twice_or_with_a_bad_schedule_fails_at_declaration()
    {
        var registry = new FunctionRegistry().Http("A", "GET", "a", () => TypedResultsStub());
        Assert.Throws<InvalidOperationException>(() => registry.Http("A", "GET", "b", () => TypedResultsStub()));
        Assert.ThrowsAny<Exception>(() => registry.Timer<NoopTimer>("T", "every minute"));
        Assert.Throws<ArgumentException>(() => registry.Timer<NoopTimer>("bad name", "0 * * * * *"));
    }

    private static string TypedResultsStub() => "ok";

    private sealed class NoopTimer : ITimerFunction
    {
        public Task HandleAsync(TimerInput timer, FunctionContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
}
