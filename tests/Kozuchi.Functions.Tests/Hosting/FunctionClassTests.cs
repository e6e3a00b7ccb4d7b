using System.Text;
using Azure.Storage.Queues.Models;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Health;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.Scenarios;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// The [Function] methods called directly, as a unit test of the isolated worker would: an HTTP function with a
/// <see cref="DefaultHttpContext"/> request, a queue function with a <see cref="QueueMessage"/>, a timer with a
/// <see cref="TimerInfo"/>; the classes built from the app's services on real Azurite.
/// </summary>
public sealed class FunctionClassTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _h = await IngestHarness.StartAsync(azurite);
        await StorageInitializer.EnsureCreatedAsync(_h.Storage.Clients, Ct);
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private T Create<T>() => ActivatorUtilities.CreateInstance<T>(_h.App.Services);

    private static DefaultHttpContext Request(string method, byte[] body, IServiceProvider services)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = method;
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        http.Response.Body = new MemoryStream();
        return http;
    }

    private static async Task<(int Status, string Body)> ExecuteAsync(IResult result, HttpContext http)
    {
        await result.ExecuteAsync(http);
        http.Response.Body.Position = 0;
        return (http.Response.StatusCode, await new StreamReader(http.Response.Body).ReadToEndAsync(Ct));
    }

    [Fact]
    public async Task The_order_webhook_function_answers_413_past_its_limit_401_unsigned_and_lands_a_signed_order()
    {
        var functions = Create<WebhookFunctions>();

        var tooLarge = Request("POST", new byte[WebhookReceiver.MaxBodyBytes + 1], _h.App.Services);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, (await ExecuteAsync(await functions.OrdersAsync(tooLarge.Request, Ct), tooLarge)).Status);

        var body = Encoding.UTF8.GetBytes("""{"source":"own","order_id":"u-1","ordered_at":"2026-10-01T10:00:00+09:00","total":1200,"customer":{"email":"unit@example.jp"}}""");
        var unsigned = Request("POST", body, _h.App.Services);
        Assert.Equal(StatusCodes.Status401Unauthorized, (await ExecuteAsync(await functions.OrdersAsync(unsigned.Request, Ct), unsigned)).Status);

        var signed = Request("POST", body, _h.App.Services);
        var ts = _h.App.Time.GetUtcNow().ToUnixTimeSeconds();
        signed.Request.Headers["X-Kozuchi-Timestamp"] = ts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        signed.Request.Headers["X-Kozuchi-Signature"] = WebhookSignatures.SignKozuchi(body, ts, IngestHarness.OrderSecret);
        var (status, answer) = await ExecuteAsync(await functions.OrdersAsync(signed.Request, Ct), signed);
        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Contains("accepted", answer, StringComparison.Ordinal);
        Assert.Equal(1, (await _h.Storage.Clients.Queue(StorageCatalog.Queues.OrdersIncoming).GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task The_queue_function_turns_a_message_pointing_at_a_stored_order_into_a_customer()
    {
        const string blob = "webhooks/orders/unit-test.json";
        await _h.Storage.Clients.Container(StorageCatalog.Containers.Raw).UploadBlobAsync(blob, BinaryData.FromString(
            """{"source":"own","order_id":"q-1","ordered_at":"2026-10-01T10:00:00+09:00","total":2400,"customer":{"email":"queue@example.jp"}}"""), Ct);
        var message = QueuesModelFactory.QueueMessage("m-1", "pop", BinaryData.FromString(new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = blob }.ToJson()), 1);

        await Create<ProcessOrdersFunction>().RunAsync(message, Ct);

        var customer = Assert.Single(await new CustomerStore(_h.Storage.Clients).ScanProfilesAsync(Ct).ToListAsync(Ct));
        Assert.Equal(2400m, customer.Monetary);
    }

    [Fact]
    public async Task A_timer_function_runs_with_the_timer_info_the_host_passes()
    {
        // A past-due sweep with nothing due: it completes and schedules nothing.
        await Create<ScenarioFunctions>().SweepAsync(new TimerInfo { IsPastDue = true, ScheduleStatus = new ScheduleStatus { Next = _h.App.Time.GetUtcNow().UtcDateTime } }, Ct);

        Assert.Equal(0, (await _h.Storage.Clients.Queue(StorageCatalog.Queues.ScenarioEvents).GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task The_health_function_reports_each_storage_service()
    {
        var http = Request("GET", [], _h.App.Services);
        var (status, body) = await ExecuteAsync(await Create<HealthFunctions>().GetAsync(http.Request, Ct), http);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Contains("\"tables\":\"ok\"", body, StringComparison.Ordinal);
    }
}
