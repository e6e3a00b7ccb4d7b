using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Data.Tables;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using WireMock;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Kozuchi.Bench;

/// <summary>
/// The send queues' consumer against provider fakes on loopback and Azurite. LINE: N recipients of one
/// non-personalised template, queued through the engine's chunking (<see cref="SendBatches"/>: batches of 500, through a
/// blob) and drained from send-line as the host does (4 in flight), counting the multicast requests; beside it Azurite's
/// raw batched write rate. Email: N mails through the send-email queue with
/// ACS's budget set to <c>--email-rate</c> per minute, counting the mails accepted in each budget window.
/// </summary>
internal static class SendsBench
{
    private const string Template = "first-order-thanks";

    public static async Task RunAsync(int lineRecipients, int batchSize, int emails, int emailRate)
    {
        var line = WireMockServer.Start();
        var acs = WireMockServer.Start();
        var multicasts = 0;
        var pushes = 0;
        line.Given(WireMock.RequestBuilders.Request.Create().UsingPost()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(request =>
        {
            Interlocked.Increment(ref request.Path.EndsWith("multicast", StringComparison.Ordinal) ? ref multicasts : ref pushes);
            return Json(200, "{}");
        }));
        var accepted = new ConcurrentQueue<DateTimeOffset>();
        acs.Given(WireMock.RequestBuilders.Request.Create().UsingPost()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(_ =>
        {
            accepted.Enqueue(TimeProvider.System.GetUtcNow());
            return Json(202, """{"id":"x","status":"Running"}""");
        }));

        await using var storage = await BenchStorage.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Kozuchi:Line:BaseUrl"] = line.Url,
            ["Kozuchi:Line:ChannelAccessToken"] = "line-token-placeholder",
            ["Kozuchi:Email:ConnectionString"] = $"endpoint={acs.Url}/;accesskey=cGxhY2Vob2xkZXI=",
            ["Kozuchi:Email:Sender"] = "DoNotReply@mail.example.jp",
            ["Kozuchi:Email:SendsPerMinute"] = emailRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Kozuchi:Unsubscribe:SigningKey"] = "unsubscribe-key-placeholder",
            ["Kozuchi:Unsubscribe:BaseUrl"] = "https://kozuchi.example.jp",
            ["Kozuchi:Sends:MaxRequeueVisibility"] = "00:01:00",
        });
        var consumer = storage.Services.GetRequiredService<SendConsumer>();
        if (lineRecipients > 0)
        {
            await LineAsync(storage, consumer, lineRecipients, batchSize, () => (multicasts, pushes));
        }

        if (emails > 0)
        {
            await EmailAsync(storage, consumer, emails, emailRate, accepted);
        }

        line.Stop();
        acs.Stop();
    }

    private static async Task LineAsync(BenchStorage storage, SendConsumer consumer, int count, int batchSize, Func<(int Multicasts, int Pushes)> calls)
    {
        Console.WriteLine($"# sends/line: {count:N0} LINE recipients of one non-personalised template, batches of {batchSize} cut by the engine's chunking, 4 in flight");
        Report.Line("reference: Azurite raw batched write (100 rows/transaction, 4 in flight)", await storage.RawBatchedWriteRateAsync(100_000), "rows/s");
        var seeding = Stopwatch.StartNew();
        var queued = await SeedAsync(storage, "l", count, batchSize, Channel.Line, i => new CustomerRecord { CustomerId = $"l{i:D7}", LineUserId = $"U{i:D32}", LineFollowing = true });
        Report.Line($"seeding {count:N0} customers (batched) and queued ledger rows, and queueing the batches", seeding.Elapsed.TotalSeconds, "s", $"{queued.Messages} messages, {queued.Pointers} through a sendbatches blob");
        var delivery = storage.Services.GetRequiredService<LineDelivery>();
        GC.Collect();
        var clock = Stopwatch.StartNew();
        var sent = await DrainAsync(storage, consumer, delivery, Channel.Line, () => false);
        var elapsed = clock.Elapsed.TotalSeconds;
        var (multicasts, pushes) = calls();
        if (sent != count)
        {
            throw new InvalidOperationException($"Expected {count:N0} sent, got {sent:N0}.");
        }

        var left = await storage.Services.GetRequiredService<StorageClients>().Container(StorageCatalog.Containers.SendBatches).GetBlobsAsync().CountAsync();
        Report.Line("LINE multicast requests", multicasts, "requests", $"{pushes} push; ≤{Kozuchi.Channels.Line.LineMessagingClient.MaxMulticastRecipients} ids each, batches of {batchSize}; {left} batch blobs left");
        Report.Line($"LINE fan-out of {count:N0} (pointer → blob, claim, consent check, multicast, ledger → sent)", count / elapsed, "recipients/s", $"{elapsed:N0} s");
        Report.Line("reference after the run: Azurite raw batched write", await storage.RawBatchedWriteRateAsync(100_000), "rows/s");
    }

    /// <summary>Receives, handles and deletes messages of a channel's queue as the host does (32 per receive, 4 in flight) until it is empty and <paramref name="more"/> says nothing more is coming.</summary>
    private static async Task<long> DrainAsync(BenchStorage storage, SendConsumer consumer, IChannelDelivery delivery, Channel channel, Func<bool> more)
    {
        var queue = storage.Services.GetRequiredService<StorageClients>().Queue(ScenarioMessageJson.SendQueue(channel));
        long sent = 0;
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (messages.Length == 0)
            {
                if (!more())
                {
                    return sent;
                }

                await Task.Delay(100);
                continue;
            }

            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (m, ct) =>
            {
                Interlocked.Add(ref sent, (await consumer.HandleMessageAsync(m.MessageText, delivery, m.MessageId, ct)).Report.Sent);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
            });
        }
    }

    private static async Task EmailAsync(BenchStorage storage, SendConsumer consumer, int count, int rate, ConcurrentQueue<DateTimeOffset> accepted)
    {
        Console.WriteLine($"# sends/email: {count:N0} mails through send-email, ACS budget {rate}/min");
        var delivery = storage.Services.GetRequiredService<EmailDelivery>();

        // Start on a budget window's edge, so every window but the last is a whole one.
        var window = new RateLimit(rate, TimeSpan.FromMinutes(1));
        await SeedAsync(storage, "e", count, SendBatchMessage.MaxRecipients, Channel.Email, i => new CustomerRecord { CustomerId = $"e{i:D7}", Contact = new CustomerContact { Email = $"e{i}@example.jp" }, EmailOptIn = true }, queue: false);
        await Task.Delay(window.UntilNextWindow(TimeProvider.System.GetUtcNow()));
        var start = TimeProvider.System.GetUtcNow();
        await QueueAsync(storage, "e", count, SendBatchMessage.MaxRecipients, Channel.Email, start);
        long sent = 0;
        while (sent < count)
        {
            // Re-queued rests wait invisible for the next budget window.
            sent += await DrainAsync(storage, consumer, delivery, Channel.Email, () => false);
            await Task.Delay(100);
        }

        var perWindow = accepted.GroupBy(window.WindowStart).OrderBy(g => g.Key).Select(g => g.Count()).ToList();
        var whole = perWindow.Count > 1 ? perWindow[..^1] : perWindow;
        var achieved = whole.Average();
        Report.Line("email achieved rate (whole budget windows)", achieved, "mails/min", $"configured {rate}/min ({(achieved / rate) - 1:+0.0%;-0.0%}); per window: {string.Join(", ", perWindow)}; busiest {perWindow.Max()}");
        Report.Line($"email elapsed for {count:N0}", (accepted.Max() - start).TotalSeconds, "s", $"{count * 60.0 / rate:N0} s at the configured rate, minus the last window's burst");
    }

    private static SendCommand Send(string prefix, int i, Channel channel) =>
        new($"{prefix}.{i:D7}", "bench-sends", 1, $"{prefix}{i:D7}", "step", 1, channel, [], Template, null, SendCommand.Key($"{prefix}.{i:D7}", "step", 1));

    /// <summary>
    /// Customers (batched transactions) and their ledger rows as the engine leaves them once queued (one row per
    /// enrollment partition: no transaction can hold two), written straight to storage; then the sends go through the
    /// engine's own chunking and queueing (<see cref="SendBatches.Plan"/>, <see cref="SendBatches.SendAsync"/>).
    /// </summary>
    private static async Task<(int Messages, int Pointers)> SeedAsync(BenchStorage storage, string prefix, int count, int batchSize, Channel channel, Func<int, CustomerRecord> customer, bool queue = true)
    {
        var clients = storage.Services.GetRequiredService<StorageClients>();
        var customers = clients.Table(StorageCatalog.Tables.Customers);
        var groups = Enumerable.Range(0, count).Select(customer).Select(CustomerEntities.ToEntity).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
            await customers.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));

        var now = TimeProvider.System.GetUtcNow();
        var ledger = clients.Table(StorageCatalog.Tables.SendLedger);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var s = Send(prefix, i, channel);
            await ledger.AddEntityAsync(new TableEntity(TableKeys.Escape(s.EnrollmentId), TableKeys.Escape(s.IdempotencyKey))
            {
                ["Key"] = s.IdempotencyKey,
                ["CustomerId"] = s.CustomerId,
                ["ScenarioId"] = s.ScenarioId,
                ["Version"] = 1,
                ["StepId"] = s.StepId,
                ["Attempt"] = 1,
                ["Channel"] = channel.Code(),
                ["Template"] = Template,
                ["Status"] = nameof(LedgerStatus.Queued),
                ["RecordedAt"] = now,
                ["QueuedAt"] = now,
            }, ct);
        });
        return queue ? await QueueAsync(storage, prefix, count, batchSize, channel, now) : (0, 0);
    }

    private static async Task<(int Messages, int Pointers)> QueueAsync(BenchStorage storage, string prefix, int count, int batchSize, Channel channel, DateTimeOffset now)
    {
        var batches = storage.Services.GetRequiredService<SendBatches>();
        var plan = SendBatches.Plan(Enumerable.Range(0, count).Select(i => Send(prefix, i, channel)), now);
        if (batchSize < SendBatchMessage.MaxRecipients)
        {
            // A smaller batch (as version 1 had: 100) for comparison: the plan's batches cut again.
            plan = [.. plan.SelectMany(p => p.Message.Recipients.Chunk(batchSize).Select(r => (p.Message with { BatchId = SendBatchMessage.BatchIdOf(r.Select(x => x.Key)), Recipients = r }, p.Sends)))];
        }

        var pointers = 0;
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (p, ct) =>
        {
            if (SendBatchMessage.Parse(await batches.SendAsync(p.Message, TimeSpan.Zero, ct)).RecipientsBlob is not null)
            {
                Interlocked.Increment(ref pointers);
            }
        });
        return (plan.Count, pointers);
    }

    private static ResponseMessage Json(int status, string json)
    {
        var response = new ResponseMessage { StatusCode = status, BodyData = new BodyData { BodyAsString = json, DetectedBodyType = BodyType.String } };
        response.AddHeader("Content-Type", "application/json");
        return response;
    }
}
