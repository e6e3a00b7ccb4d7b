using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Kozuchi.Functions.Hosting.Worker;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.Operations;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Operations;
using Kozuchi.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moq;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// The worker's queue middleware around a queue function that throws (ProcessOrders, as the worker invokes it): the
/// failure is recorded for the operations page when storage is there, and when it is not (the record cannot be
/// written) the function's own exception still reaches the host — retried, then poisoned — with the lost record logged.
/// </summary>
public sealed class QueueFailureMiddlewareTests(AzuriteFixture azurite)
{
    private const string Body = "{\"blob\":\"orders/2026/12/07/batch-1.json\"}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failing_queue_function_has_its_failure_recorded_and_its_exception_rethrown()
    {
        await using var storage = await StorageScope.CreateAsync(azurite.ConnectionString);
        var logs = new LogCapture();
        await using var services = Services(storage.Clients, logs);
        var thrown = new InvalidDataException("the payload is not JSON");

        var seen = await Assert.ThrowsAsync<InvalidDataException>(() => new QueueFailureMiddleware().Invoke(Context(services), _ => throw thrown));

        Assert.Same(thrown, seen);
        var failures = await services.GetRequiredService<QueueFailures>().FindAsync(StorageCatalog.Queues.OrdersIncoming, [Body], Ct);
        var failure = failures[Body];
        Assert.Equal(nameof(InvalidDataException), failure.Error);
        Assert.Equal(3, failure.Attempts);
        Assert.DoesNotContain(logs.Lines, l => l.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task When_storage_is_down_the_functions_own_exception_reaches_the_host_and_the_lost_record_is_logged()
    {
        // Every endpoint of the account on a loopback port nobody listens on: writing the record fails after the SDK's retries.
        var port = FreePort();
        var down = Regex.Replace(azurite.ConnectionString, @"127\.0\.0\.1:\d+", $"127.0.0.1:{port}");
        Assert.NotEqual(azurite.ConnectionString, down);
        var logs = new LogCapture();
        await using var services = Services(new StorageClients(StorageConnection.FromConnectionString(down), new StorageNames("tdown")), logs);
        var thrown = new InvalidOperationException("the order table refused the batch");

        var seen = await Assert.ThrowsAsync<InvalidOperationException>(() => new QueueFailureMiddleware().Invoke(Context(services), _ => throw thrown));

        Assert.Same(thrown, seen);
        var line = Assert.Single(logs.Lines, l => l.Level == LogLevel.Warning);
        Assert.Equal(typeof(QueueFailureMiddleware).FullName, line.Category);
        Assert.Equal($"The failure of {ProcessOrdersFunction.Name} could not be recorded for the operations page", line.Message);
        Assert.DoesNotContain("orders/2026", line.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(StorageClients clients, LogCapture logs) => new ServiceCollection()
        .AddLogging(b => b.AddProvider(logs))
        .AddSingleton(clients)
        .AddSingleton(TimeProvider.System)
        .AddSingleton<QueueFailures>()
        .AddSingleton<QueueFailureRecorder>()
        .BuildServiceProvider();

    /// <summary>What the worker hands the middleware for a ProcessOrders message on its third delivery.</summary>
    private static FunctionContext Context(IServiceProvider services)
    {
        var method = typeof(ProcessOrdersFunction).GetMethod(nameof(ProcessOrdersFunction.RunAsync))!;
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns(ProcessOrdersFunction.Name);
        definition.SetupGet(d => d.EntryPoint).Returns($"{typeof(ProcessOrdersFunction).FullName}.{method.Name}");
        definition.SetupGet(d => d.PathToAssembly).Returns(typeof(ProcessOrdersFunction).Assembly.Location);
        var binding = new Mock<BindingContext>();
        binding.SetupGet(b => b.BindingData).Returns(new Dictionary<string, object?> { ["QueueTrigger"] = Body, ["DequeueCount"] = "3" });
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.BindingContext).Returns(binding.Object);
        context.SetupGet(c => c.InstanceServices).Returns(services);
        return context.Object;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
