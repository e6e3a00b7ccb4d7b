using System.Net;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Channels;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>The LINE, DM and call send queues, from an enrollment's send to the provider fake or the day's list.</summary>
public sealed class ListAndLineSendTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string PushPath = "/v2/bot/message/push";
    private const string LineUser = "U0123456789abcdef0123456789abcdef";
    private readonly WireMockServer _line = WireMockServer.Start();
    private ChannelsHarness _h = null!;
    private string _customerId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _h = await ChannelsHarness.StartAsync(azurite, app => app
            .WithSetting("Kozuchi:Line:BaseUrl", _line.Url)
            .WithSetting("Kozuchi:Line:ChannelAccessToken", "line-token-placeholder"));
        _customerId = await _h.CustomerAsync("2001", "taro@example.jp");
        await _h.Customers.UpdateAsync(_customerId, r => r with { LineUserId = LineUser, LineFollowing = true }, Ct);

        // 10:00 in Tokyo: outside the LINE and call quiet hours.
        _h.App.Time.Advance(TimeSpan.FromHours(1));
    }

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        _line.Stop();
    }

    private async Task<string> EnrollAsync(string channel)
    {
        var id = "s-" + channel;
        var definition = $$"""
            { "schemaVersion": 1, "id": "{{id}}", "version": 1, "name": "{{channel}}", "trigger": { "type": "anyOrder" },
              "steps": [ { "type": "send", "id": "step", "channels": ["{{channel}}"], "template": "{{Template(channel)}}" } ] }
            """;
        using (var content = new StringContent(definition, Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.Created, (await _h.Operator.PostAsync(new Uri("/api/scenarios", UriKind.Relative), content, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PostAsync(new Uri($"/api/scenarios/{id}/activate", UriKind.Relative), null, Ct)).StatusCode);
        var enrollment = $"{id}.{_customerId}";
        var report = await _h.App.Services.GetRequiredService<ScenarioEngine>()
            .ProcessAsync([new EngineWork(_customerId, enrollment, null, new EnrollmentStart(id, 1, _h.App.Time.GetUtcNow(), null))], Ct);
        Assert.Equal(1, report.SendsQueued);
        return SendCommand.Key(enrollment, "step", 1);
    }

    /// <summary>A shipped template with a part for the channel: thanks on LINE, the winback postcard, the dormant-customer call script.</summary>
    private static string Template(string channel) => channel switch
    {
        "postal" => "winback-dm-postcard",
        "phone" => "call-script-dormant-vip",
        _ => "first-order-thanks",
    };

    /// <summary>Each visible message once, as the host delivers it; a failed one is visible again at once.</summary>
    private async Task<int> DeliverOnceAsync(string queueName, string function)
    {
        var queue = _h.Storage.Clients.Queue(queueName);
        var failures = 0;
        foreach (var m in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), Ct)).Value)
        {
            if (await _h.App.Functions.TryQueueAsync(function, m.MessageText, m.MessageId, m.DequeueCount, Ct))
            {
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, Ct);
            }
            else
            {
                failures++;
                await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: Ct);
            }
        }

        return failures;
    }

    private async Task<LedgerEntry> LedgerAsync(string key) => (await _h.App.Services.GetRequiredService<SendLedger>().GetAsync(key, Ct))!;

    [Fact]
    public async Task A_line_send_pushes_the_rendered_text_and_a_500_is_retried_with_the_same_retry_key()
    {
        _line.Given(Request.Create().WithPath(PushPath).UsingPost()).InScenario("outage").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(500));
        _line.Given(Request.Create().WithPath(PushPath).UsingPost()).InScenario("outage").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { sentMessages = new[] { new { id = "m1" } } }));
        var key = await EnrollAsync("line");

        Assert.Equal(1, await DeliverOnceAsync(StorageCatalog.Queues.SendLine, SendLineFunction.Name));
        Assert.Equal(0, await DeliverOnceAsync(StorageCatalog.Queues.SendLine, SendLineFunction.Name));

        var pushes = _line.LogEntries.Where(e => e.RequestMessage!.Path == PushPath).ToList();
        Assert.Equal(2, pushes.Count);
        Assert.All(pushes, p => Assert.Equal(IdempotencyKeys.Uuid(key).ToString(), AcsFake.Header(p, "X-Line-Retry-Key")));
        var body = JsonDocument.Parse(pushes[1].RequestMessage!.Body!).RootElement;
        Assert.Equal(LineUser, body.GetProperty("to").GetString());
        Assert.StartsWith("佐藤 花子 様、このたびは青汁 30包をお買い上げいただき", body.GetProperty("messages")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(LedgerStatus.Sent, (await LedgerAsync(key)).Status);
    }

    [Fact]
    public async Task A_line_user_id_line_would_refuse_fails_the_send_once_without_a_push()
    {
        var key = await EnrollAsync("line");
        await _h.Customers.UpdateAsync(_customerId, r => r with { LineUserId = "U-not-a-line-user" }, Ct);

        Assert.Equal(0, await DeliverOnceAsync(StorageCatalog.Queues.SendLine, SendLineFunction.Name));

        Assert.Empty(_line.LogEntries);
        Assert.Equal((LedgerStatus.Failed, "address-invalid"), ((await LedgerAsync(key)).Status, (await LedgerAsync(key)).Outcome));
        Assert.Equal(0, (await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendLine).GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_customer_who_blocked_the_line_account_is_suppressed_without_a_push()
    {
        var key = await EnrollAsync("line");
        await _h.Customers.UpdateAsync(_customerId, r => r with { LineFollowing = false }, Ct);

        Assert.Equal(0, await DeliverOnceAsync(StorageCatalog.Queues.SendLine, SendLineFunction.Name));

        Assert.Empty(_line.LogEntries);
        Assert.Equal((LedgerStatus.Suppressed, "line-not-following"), ((await LedgerAsync(key)).Status, (await LedgerAsync(key)).Outcome));
    }

    [Theory]
    [InlineData("postal", StorageCatalog.Queues.SendDm, SendDmFunction.Name)]
    [InlineData("phone", StorageCatalog.Queues.SendCall, SendCallFunction.Name)]
    public async Task A_dm_or_call_send_adds_the_customer_once_to_the_days_list(string channel, string queue, string function)
    {
        var key = await EnrollAsync(channel);
        var message = Assert.Single((await _h.Storage.Clients.Queue(queue).PeekMessagesAsync(1, Ct)).Value).MessageText;

        Assert.Equal(0, await DeliverOnceAsync(queue, function));
        await _h.Storage.Clients.Queue(queue).SendMessageAsync(message, Ct);
        Assert.Equal(0, await DeliverOnceAsync(queue, function));

        var list = $"{channel}:2026-11-01";
        var entry = Assert.Single(await _h.App.Services.GetRequiredService<SendLists>().ReadAsync(list, Ct).ToListAsync(Ct));
        Assert.Equal((key, _customerId, "s-" + channel), (entry.Key, entry.CustomerId, entry.ScenarioId));
        Assert.Equal((LedgerStatus.Sent, list), ((await LedgerAsync(key)).Status, (await LedgerAsync(key)).Outcome));

        // The day's list becomes the vendor's file.
        using var content = new StringContent("""{"campaign":"winback","day":"2026-11-01"}""", Encoding.UTF8, "application/json");
        var export = await _h.Operator.PostAsync(new Uri(channel == "postal" ? "/api/exports/dm" : "/api/exports/calls", UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var written = JsonDocument.Parse(await export.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(1, written.GetProperty(channel == "postal" ? "pieces" : "written").GetInt32());
    }

    [Fact]
    public async Task A_do_not_call_customer_is_left_off_the_call_list()
    {
        var key = await EnrollAsync("phone");
        await _h.Customers.UpdateAsync(_customerId, r => r with { DoNotCall = true }, Ct);

        Assert.Equal(0, await DeliverOnceAsync(StorageCatalog.Queues.SendCall, SendCallFunction.Name));

        Assert.Empty(await _h.App.Services.GetRequiredService<SendLists>().ReadAsync("phone:2026-11-01", Ct).ToListAsync(Ct));
        Assert.Equal(LedgerStatus.Suppressed, (await LedgerAsync(key)).Status);
    }
}
