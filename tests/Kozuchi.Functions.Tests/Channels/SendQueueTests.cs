using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Common;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Channels;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>Kills the send consumer once, after the provider answered and before the ledger heard (the production seam <see cref="ISendProbe"/>).</summary>
internal sealed class KillAfterProvider : ISendProbe
{
    private int _remaining;

    public void Once() => _remaining = 1;

    public ValueTask ReachedAsync(SendStage stage, string idempotencyKey, CancellationToken cancellationToken) =>
        stage == SendStage.ProviderCalled && Interlocked.Decrement(ref _remaining) >= 0
            ? throw new InvalidOperationException("Simulated crash after the provider call")
            : ValueTask.CompletedTask;
}

/// <summary>
/// An enrollment's email from the engine's queue to the ACS fake and back into the ledger, through the SendEmail
/// function's invocation endpoint on Azurite, the way the host delivers queue messages (a failed invocation leaves the
/// message visible again for the next attempt).
/// </summary>
public sealed class SendQueueTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Scenario = """
        {
          "schemaVersion": 1, "id": "thanks", "version": 1, "name": "お礼", "trigger": { "type": "anyOrder" },
          "steps": [
            { "type": "send", "id": "mail", "channels": ["email"], "template": "first-order-thanks", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1 }
          ]
        }
        """;

    private readonly AcsFake _acs = new();
    private readonly KillAfterProvider _kill = new();
    private ChannelsHarness _h = null!;
    private string _customerId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _h = await ChannelsHarness.StartAsync(azurite,
            app => app
                .WithSetting("Kozuchi:Email:ConnectionString", $"endpoint={_acs.Url};accesskey=cGxhY2Vob2xkZXI=")
                .WithSetting("Kozuchi:Email:Sender", "DoNotReply@mail.example.jp")
                .WithSetting("Kozuchi:Email:SendsPerMinute", "30")
                .WithSetting("Kozuchi:Sends:MaxRequeueVisibility", "00:00:00")
                .WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"),
            services =>
            {
                services.RemoveAll<ISendProbe>();
                services.AddSingleton<ISendProbe>(_kill);
            });
        using (var content = new StringContent(Scenario, Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.Created, (await _h.Operator.PostAsync(new Uri("/api/scenarios", UriKind.Relative), content, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PostAsync(new Uri("/api/scenarios/thanks/activate", UriKind.Relative), null, Ct)).StatusCode);
        _customerId = await _h.CustomerAsync("1001", "hanako@example.jp");
    }

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        _acs.Dispose();
    }

    private string EnrollmentId => "thanks." + _customerId;

    private string LedgerKey => SendCommand.Key(EnrollmentId, "mail", 1);

    /// <summary>The engine enrolls the customer; its first step puts one batch on send-email.</summary>
    private async Task EnrollAsync()
    {
        var engine = _h.App.Services.GetRequiredService<ScenarioEngine>();
        var report = await engine.ProcessAsync([new EngineWork(_customerId, EnrollmentId, null, new EnrollmentStart("thanks", 1, _h.App.Time.GetUtcNow(), null))], Ct);
        Assert.Equal(1, report.SendsQueued);
    }

    /// <summary>
    /// Delivers the messages visible now, once each, to a queue function as the host does: deleted on success, made
    /// visible again on failure (the host's visibilityTimeout 0). Returns how many invocations failed.
    /// </summary>
    private async Task<int> DeliverOnceAsync(string queueName = StorageCatalog.Queues.SendEmail, string function = SendEmailFunction.Name)
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

    private async Task<LedgerEntry> LedgerAsync() => (await _h.App.Services.GetRequiredService<SendLedger>().GetAsync(LedgerKey, Ct))!;

    private async Task<int> QueuedAsync(string queueName = StorageCatalog.Queues.SendEmail) =>
        (await _h.Storage.Clients.Queue(queueName).GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount;

    [Fact]
    public async Task An_enrollment_send_makes_one_acs_call_with_the_rendered_japanese_template_and_the_ledger_key_as_repeatability_id()
    {
        await EnrollAsync();

        Assert.Equal(0, await DeliverOnceAsync());

        var call = Assert.Single(_acs.Sends);
        var body = JsonDocument.Parse(AcsFake.Body(call)).RootElement;
        Assert.Equal("佐藤 花子 様、ご購入ありがとうございます", body.GetProperty("content").GetProperty("subject").GetString());
        Assert.Contains("このたびは", body.GetProperty("content").GetProperty("html").GetString(), StringComparison.Ordinal);
        Assert.Equal("hanako@example.jp", body.GetProperty("recipients").GetProperty("to")[0].GetProperty("address").GetString());
        Assert.StartsWith("<https://kozuchi.example.jp/api/unsubscribe?token=", body.GetProperty("headers").GetProperty("List-Unsubscribe").GetString(), StringComparison.Ordinal);
        var repeatability = IdempotencyKeys.Uuid(LedgerKey).ToString();
        Assert.Equal(repeatability, AcsFake.Header(call, "repeatability-request-id"));
        Assert.Equal(repeatability, AcsFake.Header(call, "Operation-Id"));
        Assert.NotNull(AcsFake.Header(call, "repeatability-first-sent"));
        var entry = await LedgerAsync();
        Assert.Equal((LedgerStatus.Sent, repeatability, 1), (entry.Status, entry.Outcome, entry.DeliveryAttempts));
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task A_crash_after_acs_accepted_is_retried_with_the_same_key_and_body_and_ends_as_one_sent_mail()
    {
        await EnrollAsync();
        _kill.Once();

        Assert.Equal(1, await DeliverOnceAsync());
        Assert.Equal(LedgerStatus.Delivering, (await LedgerAsync()).Status);
        _h.App.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await DeliverOnceAsync());

        var sends = _acs.Sends;
        Assert.Equal(2, sends.Count);
        Assert.Single(sends.Select(s => AcsFake.Header(s, "repeatability-request-id")).Distinct());
        Assert.Single(sends.Select(s => AcsFake.Header(s, "repeatability-first-sent")).Distinct());
        Assert.Single(sends.Select(AcsFake.Body).Distinct());
        Assert.Equal(1, _acs.Delivered);
        var entry = await LedgerAsync();
        Assert.Equal((LedgerStatus.Sent, 2), (entry.Status, entry.DeliveryAttempts));

        // A stray copy of the batch later finds the send done and calls nobody.
        await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail).SendMessageAsync(new SendBatchMessage
        {
            BatchId = "copy", Channel = Channel.Email, ScenarioId = "thanks", DefinitionVersion = 1, Template = "first-order-thanks", CreatedAt = _h.App.Time.GetUtcNow(),
            Recipients = [new SendRecipient(LedgerKey, _customerId, EnrollmentId, "mail", 1, null)],
        }.ToJson(), Ct);
        Assert.Equal(0, await DeliverOnceAsync());
        Assert.Equal(2, _acs.Sends.Count);
    }

    [Fact]
    public async Task An_unsubscribed_customer_is_suppressed_without_any_acs_call()
    {
        await EnrollAsync();
        await _h.Customers.UpdateAsync(_customerId, r => ChannelConsent.Unsubscribe(r, Channel.Email), Ct);

        Assert.Equal(0, await DeliverOnceAsync());

        Assert.Empty(_acs.Sends);
        var entry = await LedgerAsync();
        Assert.Equal((LedgerStatus.Suppressed, "unsubscribed"), (entry.Status, entry.Outcome));
    }

    [Fact]
    public async Task An_acs_429_puts_the_send_back_until_retry_after_and_it_is_sent_once_then()
    {
        await EnrollAsync();
        _acs.ThenAnswer(429, retryAfter: "60");

        Assert.Equal(0, await DeliverOnceAsync());
        Assert.Single(_acs.Sends);
        Assert.Equal(LedgerStatus.Queued, (await LedgerAsync()).Status);
        Assert.Equal(1, await QueuedAsync());

        // Seen again before its time, the batch goes back untouched.
        Assert.Equal(0, await DeliverOnceAsync());
        Assert.Single(_acs.Sends);
        Assert.Equal(1, await QueuedAsync());

        _h.App.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(0, await DeliverOnceAsync());

        Assert.Equal(2, _acs.Sends.Count);
        Assert.Single(_acs.Sends.Select(s => AcsFake.Header(s, "repeatability-request-id")).Distinct());
        Assert.Equal(1, _acs.Delivered);
        Assert.Equal(LedgerStatus.Sent, (await LedgerAsync()).Status);
        Assert.Equal(0, await QueuedAsync());
    }

    [Fact]
    public async Task A_permanent_400_marks_the_send_failed_with_the_acs_code_and_the_enrollment_counts_no_send()
    {
        await EnrollAsync();
        _acs.ThenAnswer(400, code: "InvalidRecipient");

        Assert.Equal(0, await DeliverOnceAsync());

        Assert.Single(_acs.Sends);
        var entry = await LedgerAsync();
        Assert.Equal((LedgerStatus.Failed, "InvalidRecipient"), (entry.Status, entry.Outcome));
        var enrollment = (await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{_customerId}/enrollments", UriKind.Relative), Ct))[0];
        Assert.Equal(0, enrollment.GetProperty("sends").GetInt32());
        Assert.Equal(0, await QueuedAsync());
    }

    private async Task<JsonElement> ResultsAsync() =>
        (await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/scenarios/thanks/results", UriKind.Relative), Ct)).GetProperty("results");

    [Fact]
    public async Task A_failing_provider_is_counted_failed_never_sent_and_enters_no_cost_while_an_accepted_send_does()
    {
        await EnrollAsync();
        _acs.ThenAnswer(400, code: "InvalidRecipient");
        Assert.Equal(0, await DeliverOnceAsync());

        var failed = await ResultsAsync();
        Assert.Equal((0, 1, 0, 0), (failed.GetProperty("sent").GetInt32(), failed.GetProperty("tally").GetProperty("failed").GetInt32(),
            failed.GetProperty("tally").GetProperty("sandbox").GetInt32(), failed.GetProperty("tally").GetProperty("pending").GetInt32()));
        Assert.Equal(1, failed.GetProperty("tally").GetProperty("failedReasons").GetProperty("InvalidRecipient").GetInt32());
        Assert.Equal(0m, failed.GetProperty("cost").GetDecimal());
        var arm = failed.GetProperty("arms")[0];
        Assert.Equal((0, 0, 0m), (arm.GetProperty("recipients").GetInt32(), arm.GetProperty("sent").GetInt32(), arm.GetProperty("cost").GetDecimal()));

        // A second customer's send that ACS accepts is sent and costs the unit price; its delivery report counts it delivered.
        var other = await _h.CustomerAsync("1002", "taro@example.jp");
        var engine = _h.App.Services.GetRequiredService<ScenarioEngine>();
        Assert.Equal(1, (await engine.ProcessAsync([new EngineWork(other, "thanks." + other, null, new EnrollmentStart("thanks", 1, _h.App.Time.GetUtcNow(), null))], Ct)).SendsQueued);
        Assert.Equal(0, await DeliverOnceAsync());
        var operation = IdempotencyKeys.Uuid(SendCommand.Key("thanks." + other, "mail", 1)).ToString();
        using (var report = new StringContent($$"""
            [{"id":"ev-1","topic":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/acs","subject":"sender/DoNotReply@mail.example.jp/message/{{operation}}",
              "data":{"sender":"DoNotReply@mail.example.jp","recipient":"taro@example.jp","messageId":"{{operation}}","status":"Delivered","deliveryAttemptTimeStamp":"2026-11-01T00:00:05Z"},
              "eventType":"Microsoft.Communication.EmailDeliveryReportReceived","dataVersion":"1.0","metadataVersion":"1","eventTime":"2026-11-01T00:00:06Z"}]
            """, Encoding.UTF8, "application/json"))
        {
            Assert.Equal(HttpStatusCode.OK, (await _h.Client.PostAsync(new Uri($"/api/webhooks/acs-email?key={ChannelsHarness.EventGridKey}", UriKind.Relative), report, Ct)).StatusCode);
        }

        var results = await ResultsAsync();
        Assert.Equal((1, 1, 1), (results.GetProperty("sent").GetInt32(), results.GetProperty("tally").GetProperty("delivered").GetInt32(), results.GetProperty("tally").GetProperty("failed").GetInt32()));
        Assert.Equal(0.1m, results.GetProperty("cost").GetDecimal());
        Assert.Equal(1, results.GetProperty("arms")[0].GetProperty("recipients").GetInt32());
    }

    [Fact]
    public async Task A_send_whose_provider_is_not_configured_fails_once_with_the_reason_and_is_not_retried()
    {
        await EnrollAsync();

        // The same storage, served by an app whose email provider is gone (the setting removed after activation).
        await using var unconfigured = new KozuchiAppFactory(_h.Storage, _h.App.Time)
            .WithSetting("Kozuchi:Auth:OperatorKey", ChannelsHarness.OperatorKey)
            .WithSetting("Kozuchi:Unsubscribe:SigningKey", ChannelsHarness.UnsubscribeKey)
            .WithSetting("Kozuchi:Unsubscribe:BaseUrl", "https://kozuchi.example.jp");
        var queue = _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail);
        var message = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1), Ct)).Value);

        var handled = await unconfigured.Functions.TryQueueAsync(SendEmailFunction.Name, message.MessageText, message.MessageId, message.DequeueCount, Ct);

        Assert.True(handled, "The invocation succeeds: nothing would come of retrying it.");
        Assert.Empty(_acs.Sends);
        var entry = await LedgerAsync();
        Assert.Equal((LedgerStatus.Failed, "email-provider-not-configured", 1), (entry.Status, entry.Outcome, entry.DeliveryAttempts));
        var results = await ResultsAsync();
        Assert.Equal((0, 1), (results.GetProperty("sent").GetInt32(), results.GetProperty("tally").GetProperty("failedReasons").GetProperty("email-provider-not-configured").GetInt32()));
    }

    [Fact]
    public async Task A_5xx_keeps_the_send_claimable_and_the_message_is_retried_until_it_goes_through()
    {
        await EnrollAsync();
        _acs.ThenAnswer(503);

        Assert.Equal(1, await DeliverOnceAsync());
        Assert.Equal(LedgerStatus.Queued, (await LedgerAsync()).Status);

        Assert.Equal(0, await DeliverOnceAsync());
        Assert.Equal(2, _acs.Sends.Count);
        Assert.Equal(1, _acs.Delivered);
        Assert.Equal(LedgerStatus.Sent, (await LedgerAsync()).Status);
    }

    [Fact]
    public async Task A_batch_parked_in_send_email_poison_is_replayed_by_the_operations_endpoint_and_then_sent()
    {
        await EnrollAsync();
        var queue = _h.Storage.Clients.Queue(StorageCatalog.Queues.SendEmail);
        var parked = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1), Ct)).Value);
        var poison = _h.Storage.Clients.PoisonQueue(StorageCatalog.Queues.SendEmail);
        await poison.CreateIfNotExistsAsync(cancellationToken: Ct);
        await poison.SendMessageAsync(parked.MessageText, Ct);
        await queue.DeleteMessageAsync(parked.MessageId, parked.PopReceipt, Ct);

        var replay = await _h.Operator.PostAsync(new Uri("/api/operations/poison/send-email/replay", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("moved").GetInt32());
        Assert.Equal(0, await DeliverOnceAsync());
        Assert.Single(_acs.Sends);
        Assert.Equal(LedgerStatus.Sent, (await LedgerAsync()).Status);
    }
}
