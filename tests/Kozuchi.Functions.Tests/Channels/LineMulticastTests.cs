using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Channels;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>
/// The send-line consumer with many recipients: equal texts go as multicast of ≤500 ids, a retried group presents
/// the same X-Line-Retry-Key (the fake, like LINE, answers 409 to a key it has seen), the monthly quota stops the batch.
/// </summary>
public sealed class LineMulticastTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string MulticastPath = "/v2/bot/message/multicast";
    private const string PushPath = "/v2/bot/message/push";
    private readonly WireMockServer _line = WireMockServer.Start();
    private readonly KillAfterProvider _kill = new();
    private readonly HashSet<string> _seenKeys = [];
    private ChannelsHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _h = await ChannelsHarness.StartAsync(azurite,
            app => app
                .WithSetting("Kozuchi:Line:BaseUrl", _line.Url)
                .WithSetting("Kozuchi:Line:ChannelAccessToken", "line-token-placeholder"),
            services =>
            {
                services.RemoveAll<ISendProbe>();
                services.AddSingleton<ISendProbe>(_kill);
            });
        _h.App.Time.Advance(TimeSpan.FromHours(1));
    }

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        _line.Stop();
    }

    /// <summary>LINE's retry-key behaviour: the first request with a key is accepted, a repeat answers 409.</summary>
    private void AcceptOncePerRetryKey(string path)
    {
        _line.Given(Request.Create().WithPath(path).UsingPost()).RespondWith(Response.Create().WithCallback(request =>
        {
            var key = request.Headers!["X-Line-Retry-Key"][0];
            lock (_seenKeys)
            {
                return _seenKeys.Add(key)
                    ? new WireMock.ResponseMessage { StatusCode = 200, BodyData = new WireMock.Util.BodyData { BodyAsString = "{}", DetectedBodyType = WireMock.Types.BodyType.String } }
                    : new WireMock.ResponseMessage { StatusCode = 409, BodyData = new WireMock.Util.BodyData { BodyAsString = """{"message":"The retry key is already accepted"}""", DetectedBodyType = WireMock.Types.BodyType.String } };
            }
        }));
    }

    /// <summary>Customers linked to LINE and ledger entries queued for them, written straight to storage; returns the batch.</summary>
    private async Task<SendBatchMessage> QueuedBatchAsync(int count, Func<int, string?>? name = null)
    {
        var table = _h.Storage.Clients.Table(StorageCatalog.Tables.Customers);
        var records = Enumerable.Range(0, count).Select(i => new CustomerRecord
        {
            CustomerId = $"c{i:D5}",
            Contact = new CustomerContact { Name = name?.Invoke(i) },
            LineUserId = $"U{i:D32}",
            LineFollowing = true,
        });
        foreach (var group in records.Select(CustomerEntities.ToEntity).GroupBy(e => e.PartitionKey))
        {
            foreach (var chunk in group.Chunk(100))
            {
                await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), Ct);
            }
        }

        var ledger = _h.App.Services.GetRequiredService<SendLedger>();
        var now = _h.App.Time.GetUtcNow();
        var sends = Enumerable.Range(0, count)
            .Select(i => new SendCommand($"mc.c{i:D5}", "mc", 1, $"c{i:D5}", "step", 1, Channel.Line, [], "first-order-thanks", null, SendCommand.Key($"mc.c{i:D5}", "step", 1)))
            .ToList();
        await Parallel.ForEachAsync(sends, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (s, ct) =>
        {
            await ledger.ClaimAsync(s, now, ct);
            await ledger.MarkQueuedAsync(s, "b", now, ct);
        });
        return new SendBatchMessage
        {
            BatchId = SendBatchMessage.BatchIdOf(sends.Select(s => s.IdempotencyKey)),
            Channel = Channel.Line,
            ScenarioId = "mc",
            DefinitionVersion = 1,
            Template = "first-order-thanks",
            CreatedAt = now,
            Recipients = [.. sends.Select(s => new SendRecipient(s.IdempotencyKey, s.CustomerId, s.EnrollmentId, s.StepId, s.Attempt, s.Arm))],
        };
    }

    private Task<bool> InvokeAsync(SendBatchMessage batch, string messageId, int dequeueCount) =>
        _h.App.Functions.TryQueueAsync(SendLineFunction.Name, batch.ToJson(), messageId, dequeueCount, Ct);

    private async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(SendBatchMessage batch)
    {
        var ledger = _h.App.Services.GetRequiredService<SendLedger>();
        var entries = new LedgerEntry[batch.Recipients.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, entries.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
            entries[i] = (await ledger.GetAsync(batch.Recipients[i].Key, ct))!);
        return entries;
    }

    private List<(string Key, int Status, string[] To)> Calls(string path) =>
        [.. _line.LogEntries.Where(e => e.RequestMessage!.Path == path).Select(e => (
            e.RequestMessage!.Headers!["X-Line-Retry-Key"][0],
            e.ResponseMessage!.StatusCode is int s ? s : 0,
            path == MulticastPath
                ? JsonDocument.Parse(e.RequestMessage.Body!).RootElement.GetProperty("to").EnumerateArray().Select(u => u.GetString()!).ToArray()
                : [JsonDocument.Parse(e.RequestMessage.Body!).RootElement.GetProperty("to").GetString()!]))];

    [Fact]
    public async Task On_the_sandbox_a_multicast_is_rendered_per_recipient_with_the_retry_key_line_would_have_got_and_nothing_reaches_line()
    {
        var batch = await QueuedBatchAsync(4, i => i == 3 ? "佐藤 花子" : null);
        await using var sandbox = new KozuchiAppFactory(_h.Storage, _h.App.Time)
            .WithSetting("Kozuchi:Auth:OperatorKey", ChannelsHarness.OperatorKey)
            .WithSetting("Kozuchi:Channels:Line:Provider", "Sandbox");

        Assert.True(await sandbox.Functions.TryQueueAsync(SendLineFunction.Name, batch.ToJson(), "m1", 1, Ct));

        Assert.Empty(_line.LogEntries);
        var outbox = sandbox.Services.GetRequiredService<OutboxStore>();
        var messages = new List<OutboxMessage>();
        foreach (var entry in await outbox.ForScenarioAsync("mc", Ct))
        {
            messages.Add((await outbox.GetAsync(entry.Name, Ct))!);
        }

        Assert.Equal(4, messages.Count);
        var group = batch.Recipients.Take(3).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
        var multicastKey = LineMessagingClient.ChunkKey("group:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', group)))), 0).ToString();
        Assert.All(messages.Where(m => m.CustomerId != "c00003"), m => Assert.Equal((3, multicastKey), (m.Line!.MulticastRecipients!.Value, m.IdempotencyKey)));
        var push = Assert.Single(messages, m => m.CustomerId == "c00003");
        Assert.Equal((null, IdempotencyKeys.Uuid(batch.Recipients[3].Key).ToString()), (push.Line!.MulticastRecipients, push.IdempotencyKey));
        Assert.StartsWith("佐藤 花子 様、", push.Line.Messages[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.All(await LedgerAsync(batch), e => Assert.Equal((LedgerStatus.Sent, "sandbox"), (e.Status, e.Provider)));
    }

    [Fact]
    public async Task Twelve_hundred_recipients_of_one_text_go_as_three_multicasts_and_a_retry_after_a_crash_repeats_the_same_retry_key()
    {
        AcceptOncePerRetryKey(MulticastPath);
        AcceptOncePerRetryKey(PushPath);
        // Customer 1200 has a name: the text is personalised and goes by push.
        var batch = await QueuedBatchAsync(1_201, i => i == 1_200 ? "佐藤 花子" : null);

        _kill.Once();
        Assert.False(await InvokeAsync(batch, "m1", 1));
        Assert.True(await InvokeAsync(batch, "m1", 2));
        // The message delivered again once everything is done: nothing more goes to LINE.
        Assert.True(await InvokeAsync(batch, "m2", 1));

        var multicasts = Calls(MulticastPath);
        var accepted = multicasts.Where(c => c.Status == 200).ToList();
        Assert.Equal(3, accepted.Count);
        Assert.All(accepted, c => Assert.InRange(c.To.Length, 1, 500));
        Assert.Equal(1_200, accepted.SelectMany(c => c.To).Distinct().Count());
        Assert.Equal(3, accepted.Select(c => c.Key).Distinct().Count());

        // The crash came after the first request was accepted: the retry sent it again with the same key and LINE said 409.
        var repeated = Assert.Single(multicasts, c => c.Status == 409);
        Assert.Equal(accepted[0].Key, repeated.Key);
        Assert.Equal(accepted[0].To, repeated.To);
        Assert.Equal(4, multicasts.Count);

        var push = Assert.Single(Calls(PushPath), c => c.Status == 200);
        Assert.Equal($"U{1_200:D32}", Assert.Single(push.To));

        Assert.All(await LedgerAsync(batch), e => Assert.Equal(LedgerStatus.Sent, e.Status));
    }

    [Fact]
    public async Task The_monthly_quota_stops_the_batch_without_further_calls_and_fails_every_recipient_for_fallback()
    {
        _line.Given(Request.Create().WithPath(MulticastPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(429).WithBodyAsJson(new { message = "You have reached your monthly limit." }));
        var batch = await QueuedBatchAsync(700);

        Assert.True(await InvokeAsync(batch, "q1", 1));

        // One request found the quota spent; the second group of 200 was never attempted, and nothing was re-queued.
        Assert.Single(_line.LogEntries);
        Assert.All(await LedgerAsync(batch), e => Assert.Equal((LedgerStatus.Failed, "line-monthly-quota"), (e.Status, e.Outcome)));
        Assert.Equal(0, (await _h.Storage.Clients.Queue(StorageCatalog.Queues.SendLine).GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }
    [Fact]
    public async Task A_batch_of_500_queued_through_a_blob_survives_a_failure_the_poison_queue_and_replay_goes_as_one_multicast_and_its_blob_is_deleted()
    {
        _line.Given(Request.Create().WithPath(MulticastPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(500));
        var batch = await QueuedBatchAsync(500);
        var queue = _h.Storage.Clients.Queue(StorageCatalog.Queues.SendLine);
        var text = await new SendBatches(_h.Storage.Clients).SendAsync(batch, TimeSpan.Zero, Ct);
        Assert.NotNull(SendBatchMessage.Parse(text).RecipientsBlob);
        var blobs = _h.Storage.Clients.Container(StorageCatalog.Containers.SendBatches);

        // LINE fails: the host retries, then parks the pointer; the blob stays for the replay.
        var queued = (await queue.ReceiveMessageAsync(cancellationToken: Ct)).Value;
        Assert.False(await _h.App.Functions.TryQueueAsync(SendLineFunction.Name, queued.MessageText, queued.MessageId, 5, Ct));
        var poison = _h.Storage.Clients.PoisonQueue(StorageCatalog.Queues.SendLine);
        await poison.CreateIfNotExistsAsync(cancellationToken: Ct);
        await poison.SendMessageAsync(queued.MessageText, Ct);
        await queue.DeleteMessageAsync(queued.MessageId, queued.PopReceipt, Ct);
        Assert.Equal(1, await blobs.GetBlobsAsync(cancellationToken: Ct).CountAsync(Ct));
        Assert.All(await LedgerAsync(batch), e => Assert.Equal(LedgerStatus.Queued, e.Status));

        _line.Reset();
        AcceptOncePerRetryKey(MulticastPath);
        var replay = await _h.Operator.PostAsync(new Uri("/api/operations/poison/send-line/replay", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var replayed = (await queue.ReceiveMessageAsync(cancellationToken: Ct)).Value;
        Assert.True(await _h.App.Functions.TryQueueAsync(SendLineFunction.Name, replayed.MessageText, replayed.MessageId, 1, Ct));

        var multicast = Assert.Single(Calls(MulticastPath));
        Assert.Equal((200, 500), (multicast.Status, multicast.To.Distinct().Count()));
        Assert.All(await LedgerAsync(batch), e => Assert.Equal(LedgerStatus.Sent, e.Status));
        Assert.Equal(0, await blobs.GetBlobsAsync(cancellationToken: Ct).CountAsync(Ct));

        // The pointer delivered once more (the host lost the delete): its blob is gone, nothing is sent.
        Assert.True(await _h.App.Functions.TryQueueAsync(SendLineFunction.Name, replayed.MessageText, "again", 1, Ct));
        Assert.Single(Calls(MulticastPath));
    }
    [Fact]
    public async Task A_pointer_that_arrives_before_its_not_before_goes_back_through_a_new_blob_and_the_old_blob_is_deleted()
    {
        AcceptOncePerRetryKey(MulticastPath);
        var batch = await QueuedBatchAsync(500) with { NotBefore = _h.App.Time.GetUtcNow().AddHours(2) };
        var queue = _h.Storage.Clients.Queue(StorageCatalog.Queues.SendLine);
        var blobs = _h.Storage.Clients.Container(StorageCatalog.Containers.SendBatches);
        var first = SendBatchMessage.Parse(await new SendBatches(_h.Storage.Clients).SendAsync(batch, TimeSpan.Zero, Ct));

        var queued = (await queue.ReceiveMessageAsync(cancellationToken: Ct)).Value;
        Assert.True(await _h.App.Functions.TryQueueAsync(SendLineFunction.Name, queued.MessageText, queued.MessageId, 1, Ct));
        await queue.DeleteMessageAsync(queued.MessageId, queued.PopReceipt, Ct);

        Assert.Empty(_line.LogEntries);
        var names = await blobs.GetBlobsAsync(cancellationToken: Ct).Select(b => b.Name).ToListAsync(Ct);
        var next = Assert.Single(names);
        Assert.NotEqual(first.RecipientsBlob, next);
        Assert.Equal(1, (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
        Assert.All(await LedgerAsync(batch), e => Assert.Equal(LedgerStatus.Queued, e.Status));
    }
}
