using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

public enum LedgerStatus
{
    /// <summary>Decided and recorded; not on a send queue yet (and never will be if the state that decided it was not saved).</summary>
    Recorded,

    /// <summary>Claimed by one engine run that is putting it on the queue now; a claim older than the lease may be retaken.</summary>
    Queuing,

    /// <summary>On the channel's queue.</summary>
    Queued,

    /// <summary>Taken by the channel consumer for delivery: a second copy of the message is dropped.</summary>
    Sent,
}

public enum ClaimResult
{
    /// <summary>This run queues the send.</summary>
    Claimed,

    /// <summary>It is on the queue already: nothing to do.</summary>
    AlreadyQueued,

    /// <summary>Another run is queuing it right now (or died doing so less than a lease ago).</summary>
    Busy,
}

/// <summary>One ledger row. The row key is the idempotency key, so a send exists at most once whatever happens around it.</summary>
public sealed record LedgerEntry(string IdempotencyKey, string CustomerId, string ScenarioId, string StepId, int Attempt, Channel Channel, string Template, string? Arm, LedgerStatus Status, DateTimeOffset RecordedAt, DateTimeOffset? QueuedAt, ETag ETag);

/// <summary>
/// The send ledger: PK = enrollment id, RK = step:attempt (together the idempotency key). Rows are inserted before
/// the state that decided them is saved, claimed before their message is queued, and marked queued after. See
/// docs/SCENARIOS.md, "The engine", for why each transition happens where it does.
/// </summary>
public sealed class SendLedger(StorageClients clients)
{
    /// <summary>A claim this old was left by a run that died between claiming and marking: another run may retake it.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.SendLedger);

    public TableClient Table => _table;

    private static (string Pk, string Rk) Keys(SendCommand send) => (TableKeys.Escape(send.EnrollmentId), TableKeys.Escape($"{send.StepId}:{send.Attempt}"));

    private static (string Pk, string Rk) Keys(string idempotencyKey)
    {
        // enrollment:step:attempt — the enrollment id contains no ':'; the step id may.
        var first = idempotencyKey.IndexOf(':', StringComparison.Ordinal);
        return (TableKeys.Escape(idempotencyKey[..first]), TableKeys.Escape(idempotencyKey[(first + 1)..]));
    }

    /// <summary>Insert-if-absent. False when the key was already recorded (a re-run, or a concurrent decision of the same step).</summary>
    public async Task<bool> RecordAsync(SendCommand send, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        var (pk, rk) = Keys(send);
        var entity = new TableEntity(pk, rk)
        {
            ["Key"] = send.IdempotencyKey,
            ["CustomerId"] = send.CustomerId,
            ["ScenarioId"] = send.ScenarioId,
            ["Version"] = send.DefinitionVersion,
            ["StepId"] = send.StepId,
            ["Attempt"] = send.Attempt,
            ["Channel"] = send.Channel.Code(),
            ["Template"] = send.Template,
            ["Arm"] = send.Arm,
            ["Status"] = nameof(LedgerStatus.Recorded),
            ["RecordedAt"] = now,
        };
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<LedgerEntry?> GetAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        var (pk, rk) = Keys(idempotencyKey);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>
    /// Takes the right to queue the send: Recorded (or a Queuing claim past its lease) → Queuing, If-Match. A missing
    /// row (never recorded) is recorded first. <see cref="ClaimResult.Busy"/>: another run holds a fresh claim, and
    /// whoever finishes the outbox must come back after the lease rather than assume the send went out.
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(SendCommand send, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var entry = await GetAsync(send.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                await RecordAsync(send, now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (entry.Status is LedgerStatus.Queued or LedgerStatus.Sent)
            {
                return ClaimResult.AlreadyQueued;
            }

            if (entry.Status == LedgerStatus.Queuing && entry.QueuedAt is { } claimed && now - claimed < ClaimLease)
            {
                return ClaimResult.Busy;
            }

            var (pk, rk) = Keys(send);
            try
            {
                await _table.UpdateEntityAsync(new TableEntity(pk, rk) { ["Status"] = nameof(LedgerStatus.Queuing), ["QueuedAt"] = now, ["Channel"] = send.Channel.Code() }, entry.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return ClaimResult.Claimed;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
            }
        }

        return ClaimResult.Busy;
    }

    public async Task MarkQueuedAsync(SendCommand send, string batchId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        var (pk, rk) = Keys(send);
        await _table.UpdateEntityAsync(new TableEntity(pk, rk) { ["Status"] = nameof(LedgerStatus.Queued), ["QueuedAt"] = now, ["BatchId"] = batchId }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For channel consumers: Queued (or Queuing — the mark may have been lost) → Sent, If-Match. True exactly once per
    /// key, so a send message delivered twice, or queued twice by a run that died before marking, is sent once.
    /// </summary>
    public async Task<bool> ClaimForDeliveryAsync(string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entry = await GetAsync(idempotencyKey, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.Status is LedgerStatus.Sent or LedgerStatus.Recorded)
        {
            return false;
        }

        var (pk, rk) = Keys(idempotencyKey);
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(pk, rk) { ["Status"] = nameof(LedgerStatus.Sent), ["SentAt"] = now }, entry.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    private static LedgerEntry FromEntity(TableEntity e) => new(
        e.GetString("Key"),
        e.GetString("CustomerId"),
        e.GetString("ScenarioId"),
        e.GetString("StepId"),
        e.GetInt32("Attempt") ?? 0,
        ParseChannel(e.GetString("Channel")),
        e.GetString("Template"),
        e.GetString("Arm"),
        Enum.Parse<LedgerStatus>(e.GetString("Status")),
        e.GetDateTimeOffset("RecordedAt") ?? default,
        e.GetDateTimeOffset("QueuedAt"),
        e.ETag);

    internal static Channel ParseChannel(string code) => code switch
    {
        "email" => Channel.Email,
        "line" => Channel.Line,
        "postal" => Channel.Postal,
        "phone" => Channel.Phone,
        _ => throw new FormatException($"Unknown channel '{code}'."),
    };
}
