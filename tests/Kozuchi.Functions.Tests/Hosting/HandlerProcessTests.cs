using System.Diagnostics;
using System.Net;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>The built executable, started as the Functions host starts it, answers as the host expects.</summary>
public sealed class HandlerProcessTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Kozuchi_started_with_the_hosts_port_answers_readiness_and_a_queue_invocation()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var exe = Path.Combine(AppContext.BaseDirectory, "kozuchi.dll");
        var started = Stopwatch.StartNew();
        await using var handler = await KozuchiProcess.StartHandlerAsync(exe, AppContext.BaseDirectory, storage.AppSettings, TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = handler.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        var ready = await http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"Readiness took {started.Elapsed}; Flex Consumption allows 30 s.");
        Assert.Contains($"127.0.0.1:{handler.Port}", handler.Output, StringComparison.Ordinal);

        // The real queue function, fed a real stored payload, as the host would deliver its message.
        var queueFunction = Features.CreateRegistry().Functions.Single(f => f.Name == ProcessOrdersFunction.Name);
        Assert.IsType<QueueTrigger>(queueFunction.Trigger);
        const string blob = "webhooks/orders/handler-test.json";
        await storage.Clients.Container(StorageCatalog.Containers.Raw).UploadBlobAsync(blob, BinaryData.FromString(
            """{"source":"own","order_id":"h-1","ordered_at":"2026-10-01T10:00:00+09:00","total":1200,"customer":{"email":"handler@example.jp"}}"""), TestContext.Current.CancellationToken);
        var message = new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = blob }.ToJson();
        var invoked = await HostInvocation.QueueAsync(http, queueFunction.Name, message, "00000000-0000-0000-0000-000000000001", 1, TestContext.Current.CancellationToken);

        Assert.True(invoked.IsSuccessStatusCode, $"{queueFunction.Name}: {(int)invoked.StatusCode} {await invoked.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}\n{handler.Output}");
        Assert.Contains("1 created", await invoked.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var customers = await new CustomerStore(storage.Clients).ScanProfilesAsync(TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1200m, Assert.Single(customers).Monetary);
    }
}
