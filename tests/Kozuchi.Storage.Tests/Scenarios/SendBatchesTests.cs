using System.Text;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>Send batches of up to 500 on Azurite: the engine's chunking, the blob a full batch travels in, version 1 messages, and format-1 ledger rows.</summary>
public sealed class SendBatchesTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private StorageScope _storage = null!;
    private SendBatches _batches = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _batches = new SendBatches(_storage.Clients);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private static SendCommand Send(int i, string template = "first-order-thanks", Channel channel = Channel.Line) =>
        new($"broadcast-s.c{i:D6}", "s", 1, $"c{i:D6}", "step", 1, channel, [], template, null, SendCommand.Key($"broadcast-s.c{i:D6}", "step", 1));

    private async Task<int> BlobCountAsync() =>
        await _storage.Clients.Container(StorageCatalog.Containers.SendBatches).GetBlobsAsync(cancellationToken: Ct).CountAsync(Ct);

    [Fact]
    public void Sends_of_one_template_are_cut_into_batches_of_500_and_a_rerun_in_another_order_builds_the_same_batches()
    {
        var sends = Enumerable.Range(0, 1_200).Select(i => Send(i)).Append(Send(5_000, "other")).Append(Send(6_000, channel: Channel.Email)).ToList();

        var plan = SendBatches.Plan(sends, Now);
        var again = SendBatches.Plan(Enumerable.Reverse(sends), Now);

        Assert.Equal([500, 500, 200, 1, 1], plan.Select(b => b.Message.Recipients.Count).Order().Reverse());
        Assert.Equal(plan.Select(b => b.Message.BatchId), again.Select(b => b.Message.BatchId));
        Assert.All(plan, b => Assert.Equal(b.Sends.Select(s => s.IdempotencyKey), b.Message.Recipients.Select(r => r.Key)));
        Assert.Equal(1_202, plan.SelectMany(b => b.Message.Recipients).Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public async Task A_full_batch_travels_in_a_blob_behind_a_small_pointer_and_the_blob_is_deleted_once_the_batch_has_ended()
    {
        var batch = SendBatches.Plan(Enumerable.Range(0, 500).Select(i => Send(i)), Now).Single().Message;
        Assert.True(Encoding.UTF8.GetByteCount(batch.ToJson()) > SendBatchMessage.MaxInlineBytes);

        var text = await _batches.SendAsync(batch, TimeSpan.Zero, Ct);

        var queued = (await _storage.Clients.Queue(StorageCatalog.Queues.SendLine).ReceiveMessageAsync(cancellationToken: Ct)).Value;
        Assert.Equal(text, queued.MessageText);
        Assert.InRange(Encoding.UTF8.GetByteCount(text), 1, 1_024);
        var pointer = SendBatchMessage.Parse(text);
        Assert.Equal((SendBatchMessage.CurrentVersion, 0, 500, batch.BatchId), (pointer.Version, pointer.Recipients.Count, pointer.RecipientCount, pointer.BatchId));
        Assert.NotNull(pointer.RecipientsBlob);

        var resolved = await _batches.ResolveAsync(pointer, Ct);
        Assert.NotNull(resolved);
        Assert.Equal(batch.Recipients, resolved.Recipients);
        Assert.Equal(1, await BlobCountAsync());

        await _batches.CompleteAsync(resolved, Ct);
        Assert.Equal(0, await BlobCountAsync());
        // The same pointer delivered again finds nothing left to do.
        Assert.Null(await _batches.ResolveAsync(pointer, Ct));
    }

    [Fact]
    public async Task A_small_batch_stays_inline_and_writes_no_blob()
    {
        var batch = SendBatches.Plan(Enumerable.Range(0, 20).Select(i => Send(i)), Now).Single().Message;

        var text = await _batches.SendAsync(batch, TimeSpan.Zero, Ct);

        var parsed = SendBatchMessage.Parse(text);
        Assert.Null(parsed.RecipientsBlob);
        Assert.Equal(batch.Recipients, parsed.Recipients);
        Assert.Same(parsed, await _batches.ResolveAsync(parsed, Ct));
        Assert.Equal(0, await BlobCountAsync());
    }

    [Fact]
    public void A_version_1_message_queued_by_an_earlier_build_is_still_read_and_an_unknown_version_is_refused()
    {
        const string v1 = """{"v":1,"batchId":"b1","channel":"line","scenarioId":"s","definitionVersion":1,"template":"t","createdAt":"2026-11-02T00:00:00+00:00","recipients":[{"key":"e1:step:1","customerId":"c1","enrollmentId":"e1","stepId":"step","attempt":1}]}""";

        var parsed = SendBatchMessage.Parse(v1);

        Assert.Equal((1, Channel.Line, "e1:step:1", (string?)null), (parsed.Version, parsed.Channel, Assert.Single(parsed.Recipients).Key, parsed.RecipientsBlob));
        Assert.Throws<System.Text.Json.JsonException>(() => SendBatchMessage.Parse(v1.Replace("\"v\":1", "\"v\":3", StringComparison.Ordinal)));
    }

    /// <summary>A ledger row as builds before the buckets wrote it: in the enrollment's own partition, under <paramref name="rowKey"/>.</summary>
    private static TableEntity OlderRow(SendCommand send, string rowKey, LedgerStatus status) => new(send.EnrollmentId, rowKey)
    {
        ["Key"] = send.IdempotencyKey,
        ["CustomerId"] = send.CustomerId,
        ["ScenarioId"] = send.ScenarioId,
        ["Version"] = 1,
        ["StepId"] = send.StepId,
        ["Attempt"] = 1,
        ["Channel"] = "line",
        ["Template"] = send.Template,
        ["Status"] = status.ToString(),
        ["RecordedAt"] = Now,
        ["QueuedAt"] = status == LedgerStatus.Queued ? Now : null,
    };

    [Fact]
    public async Task A_ledger_row_written_in_format_1_is_found_claimed_and_completed_in_place_and_never_recorded_twice()
    {
        var ledger = new SendLedger(_storage.Clients);
        var send = Send(1);
        var table = _storage.Clients.Table(StorageCatalog.Tables.SendLedger);
        await table.AddEntityAsync(OlderRow(send, "step:1", LedgerStatus.Queued), Ct);

        Assert.False(await ledger.RecordAsync(send, Now, Ct));
        Assert.Equal(ClaimResult.AlreadyQueued, await ledger.ClaimAsync(send, Now, Ct));
        Assert.Equal(DeliveryClaimResult.Claimed, (await ledger.BeginDeliveryAsync(send.IdempotencyKey, "m1", Now, Ct)).Result);
        await ledger.CompleteDeliveryAsync(send.IdempotencyKey, LedgerStatus.Sent, "ok", Now, Ct);

        Assert.Equal(DeliveryClaimResult.Done, (await ledger.BeginDeliveryAsync(send.IdempotencyKey, "m2", Now, Ct)).Result);
        var row = Assert.Single(await table.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct));
        Assert.Equal(("step:1", nameof(LedgerStatus.Sent)), (row.RowKey, row.GetString("Status")));
    }

    [Fact]
    public async Task A_new_ledger_row_has_the_whole_key_as_row_key_in_the_hash_bucket_of_its_enrollment()
    {
        var ledger = new SendLedger(_storage.Clients);
        var send = Send(2);

        Assert.True(await ledger.RecordAsync(send, Now, Ct));
        Assert.False(await ledger.RecordAsync(send, Now, Ct));

        var row = Assert.Single(await _storage.Clients.Table(StorageCatalog.Tables.SendLedger).QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct));
        Assert.Equal(("~" + TableKeys.Bucket(send.EnrollmentId), send.IdempotencyKey), (row.PartitionKey, row.RowKey));
    }

    [Fact]
    public async Task A_ledger_row_written_in_format_2_is_found_claimed_and_completed_in_place_and_never_recorded_twice()
    {
        var ledger = new SendLedger(_storage.Clients);
        var send = Send(3);
        var table = _storage.Clients.Table(StorageCatalog.Tables.SendLedger);
        await table.AddEntityAsync(OlderRow(send, send.IdempotencyKey, LedgerStatus.Recorded), Ct);

        Assert.False(await ledger.RecordAsync(send, Now, Ct));
        Assert.Equal(ClaimResult.Claimed, await ledger.ClaimAsync(send, Now, Ct));
        await ledger.MarkQueuedAsync(send, "b1", Now, Ct);
        Assert.Equal(DeliveryClaimResult.Claimed, (await ledger.BeginDeliveryAsync(send.IdempotencyKey, "m1", Now, Ct)).Result);
        await ledger.CompleteDeliveryAsync(send.IdempotencyKey, LedgerStatus.Sent, "ok", Now, Ct);

        var row = Assert.Single(await table.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct));
        Assert.Equal((send.EnrollmentId, nameof(LedgerStatus.Sent), "b1"), (row.PartitionKey, row.GetString("Status"), row.GetString("BatchId")));
    }
}
