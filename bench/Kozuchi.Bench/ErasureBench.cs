using System.Diagnostics;
using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Bench;

/// <summary>
/// One customer's erasure with few and with many stored blobs: generic webhook bodies (one customer each) are landed
/// through the webhook receiver and ingested, then one customer is erased. Beside it, the reference: reading every blob
/// of <c>raw</c> once (what erasure did before the blob index, before any parsing), in the same run.
/// </summary>
internal static class ErasureBench
{
    private const string Secret = "bench-secret-placeholder";

    public static async Task RunAsync(IReadOnlyList<int> sizes)
    {
        Console.WriteLine($"# erasure: one customer erased among {string.Join(" / ", sizes)} stored webhook bodies");
        foreach (var blobs in sizes)
        {
            await using var storage = await BenchStorage.StartAsync(settings: new Dictionary<string, string?> { ["Kozuchi:Webhooks:OrderSecret"] = Secret });
            var services = storage.Services;
            var receiver = services.GetRequiredService<WebhookReceiver>();
            var pipeline = services.GetRequiredService<IngestPipeline>();
            var clients = services.GetRequiredService<StorageClients>();
            var time = TimeProvider.System;
            for (var i = 0; i < blobs; i++)
            {
                var body = System.Text.Encoding.UTF8.GetBytes($$$"""{"source":"own","order_id":"b-{{{i}}}","ordered_at":"2026-09-01T10:00:00+09:00","total":1200,"lines":[{"sku":"A","name":"青汁","quantity":1,"unit_price":1200}],"customer":{"email":"bench{{{i}}}@example.jp","phone":"090-{{{1000 + (i / 10000):D4}}}-{{{i % 10000:D4}}}","name":"顧客 {{{i}}}","postal_code":"150-0001","address":"東京都渋谷区神宮前{{{i}}}","email_opt_in":true}}""");
                var now = time.GetUtcNow().ToUnixTimeSeconds();
                var landed = await receiver.OrdersAsync(body, now.ToString(System.Globalization.CultureInfo.InvariantCulture), WebhookSignatures.SignKozuchi(body, now, Secret), CancellationToken.None);
                if (landed.Value?.Blob is not { } name)
                {
                    throw new InvalidOperationException("A bench webhook was not accepted: " + landed.Problem);
                }

                await pipeline.ProcessAsync(new IngestMessage { Kind = PayloadKind.Kozuchi, Blob = name }, null, CancellationToken.None);
            }

            await clients.Queue(StorageCatalog.Queues.OrdersIncoming).ClearMessagesAsync();
            var raw = clients.Container(StorageCatalog.Containers.Raw);
            var reference = Stopwatch.StartNew();
            var read = 0;
            await foreach (var item in raw.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, null, CancellationToken.None))
            {
                await raw.GetBlobClient(item.Name).DownloadContentAsync();
                read++;
            }

            Report.Line($"reference: read every blob of raw once ({read} blobs)", reference.Elapsed.TotalSeconds, "s");
            var subject = await services.GetRequiredService<Kozuchi.Storage.Customers.CustomerStore>().GetOrderRowCustomerAsync(new Kozuchi.Core.Orders.OrderKey("own", "b-" + (blobs / 2)), CancellationToken.None)
                ?? throw new InvalidOperationException("No such order.");
            var clock = Stopwatch.StartNew();
            var result = await services.GetRequiredService<ErasureService>().EraseAsync(subject, "bench", "bench", CancellationToken.None)
                ?? throw new InvalidOperationException("The bench customer was not found.");
            Report.Line($"erasure of one customer among {blobs} blobs ({result.Counts["blobs-read"]} blobs read)", clock.Elapsed.TotalSeconds, "s");
        }
    }
}
