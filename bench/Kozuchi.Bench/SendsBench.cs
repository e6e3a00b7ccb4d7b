using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Data.Tables;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
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
/// non-personalised template in batches of <c>--batch</c> (4 in flight, as 4 queue-function instances), counting the
/// multicast requests; beside it Azurite's raw batched write rate. Email: N mails through the send-email queue with
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
        Console.WriteLine($"# sends/line: {count:N0} LINE recipients of one non-personalised template, batches of {batchSize}, 4 in flight");
        Report.Line("reference: Azurite raw batched write (100 rows/transaction, 4 in flight)", await storage.RawBatchedWriteRateAsync(100_000), "rows/s");
        var batches = await SeedAsync(storage, "l", count, batchSize, Channel.Line, i => new CustomerRecord { CustomerId = $"l{i:D7}", LineUserId = $"U{i:D32}", LineFollowing = true });
        var delivery = storage.Services.GetRequiredService<LineDelivery>();
        GC.Collect();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
            Interlocked.Add(ref sent, (await consumer.HandleAsync(batch, delivery, batch.BatchId, ct)).Sent));
        var elapsed = clock.Elapsed.TotalSeconds;
        var (multicasts, pushes) = calls();
        if (sent != count)
        {
            throw new InvalidOperationException($"Expected {count:N0} sent, got {sent:N0}.");
        }

        Report.Line("LINE multicast requests", multicasts, "requests", $"{pushes} push; ≤{Kozuchi.Channels.Line.LineMessagingClient.MaxMulticastRecipients} ids each, batches of {batchSize}");
        Report.Line($"LINE fan-out of {count:N0} (claim, consent check, multicast, ledger → sent)", count / elapsed, "recipients/s", $"{elapsed:N0} s");
    }

    private static async Task EmailAsync(BenchStorage storage, SendConsumer consumer, int count, int rate, ConcurrentQueue<DateTimeOffset> accepted)
    {
        Console.WriteLine($"# sends/email: {count:N0} mails through send-email, ACS budget {rate}/min");
        var batches = await SeedAsync(storage, "e", count, SendBatchMessage.MaxRecipients, Channel.Email, i => new CustomerRecord { CustomerId = $"e{i:D7}", Contact = new CustomerContact { Email = $"e{i}@example.jp" }, EmailOptIn = true });
        var clients = storage.Services.GetRequiredService<StorageClients>();
        var queue = clients.Queue(ScenarioMessageJson.SendQueue(Channel.Email));
        var delivery = storage.Services.GetRequiredService<EmailDelivery>();

        // Start on a budget window's edge, so every window but the last is a whole one.
        var window = new RateLimit(rate, TimeSpan.FromMinutes(1));
        await Task.Delay(window.UntilNextWindow(TimeProvider.System.GetUtcNow()));
        var start = TimeProvider.System.GetUtcNow();
        foreach (var batch in batches)
        {
            await queue.SendMessageAsync(batch.ToJson());
        }

        long sent = 0;
        while (sent < count)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (messages.Length == 0)
            {
                await Task.Delay(100);
                continue;
            }

            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (m, ct) =>
            {
                Interlocked.Add(ref sent, (await consumer.HandleAsync(SendBatchMessage.Parse(m.MessageText), delivery, m.MessageId, ct)).Sent);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
            });
        }

        var perWindow = accepted.GroupBy(window.WindowStart).OrderBy(g => g.Key).Select(g => g.Count()).ToList();
        var whole = perWindow.Count > 1 ? perWindow[..^1] : perWindow;
        var achieved = whole.Average();
        Report.Line("email achieved rate (whole budget windows)", achieved, "mails/min", $"configured {rate}/min ({(achieved / rate) - 1:+0.0%;-0.0%}); per window: {string.Join(", ", perWindow)}; busiest {perWindow.Max()}");
        Report.Line($"email elapsed for {count:N0}", (accepted.Max() - start).TotalSeconds, "s", $"{count * 60.0 / rate:N0} s at the configured rate, minus the last window's burst");
    }

    /// <summary>Customers and their queued ledger entries, written straight to storage; returns the send batches.</summary>
    private static async Task<List<SendBatchMessage>> SeedAsync(BenchStorage storage, string prefix, int count, int batchSize, Channel channel, Func<int, CustomerRecord> customer)
    {
        var clients = storage.Services.GetRequiredService<StorageClients>();
        var customers = clients.Table(StorageCatalog.Tables.Customers);
        var groups = Enumerable.Range(0, count).Select(customer).Select(CustomerEntities.ToEntity).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
            await customers.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));

        var now = TimeProvider.System.GetUtcNow();
        var ledger = clients.Table(StorageCatalog.Tables.SendLedger);
        var recipients = Enumerable.Range(0, count).Select(i => new SendRecipient($"{prefix}.{i:D7}:step:1", $"{prefix}{i:D7}", $"{prefix}.{i:D7}", "step", 1, null)).ToList();
        await Parallel.ForEachAsync(recipients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, ct) =>
            await ledger.UpsertEntityAsync(new TableEntity(TableKeys.Escape(r.EnrollmentId), TableKeys.Escape("step:1"))
            {
                ["Key"] = r.Key,
                ["CustomerId"] = r.CustomerId,
                ["ScenarioId"] = "bench-sends",
                ["Version"] = 1,
                ["StepId"] = "step",
                ["Attempt"] = 1,
                ["Channel"] = channel.Code(),
                ["Template"] = Template,
                ["Status"] = nameof(LedgerStatus.Queued),
                ["RecordedAt"] = now,
                ["QueuedAt"] = now,
            }, TableUpdateMode.Replace, ct));
        return [.. recipients.Chunk(batchSize).Select(chunk => new SendBatchMessage
        {
            BatchId = SendBatchMessage.BatchIdOf(chunk.Select(r => r.Key)),
            Channel = channel,
            ScenarioId = "bench-sends",
            DefinitionVersion = 1,
            Template = Template,
            CreatedAt = now,
            Recipients = chunk,
        })];
    }

    private static ResponseMessage Json(int status, string json)
    {
        var response = new ResponseMessage { StatusCode = status, BodyData = new BodyData { BodyAsString = json, DetectedBodyType = BodyType.String } };
        response.AddHeader("Content-Type", "application/json");
        return response;
    }
}
