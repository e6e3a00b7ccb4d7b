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

    /// <summary>A channel consumer holds it and is calling the provider now; a claim older than the delivery lease may be retaken.</summary>
    Delivering,

    /// <summary>Delivered to the provider (accepted by ACS or LINE, or written to the DM / call list): a second copy of the message is dropped.</summary>
    Sent,

    /// <summary>The provider refused it for good (or it could not be rendered): visible, never retried.</summary>
    Failed,

    /// <summary>Not sent: the customer unsubscribed, was suppressed, or cannot be reached on the channel any more.</summary>
    Suppressed,
}

public enum DeliveryClaimResult
{
    /// <summary>This consumer delivers it now.</summary>
    Claimed,

    /// <summary>It has an outcome already (sent, failed or suppressed): nothing to do.</summary>
    Done,

    /// <summary>Another consumer holds a fresh delivery claim: it will finish it (or its claim expires and a retry takes over).</summary>
    Busy,

    /// <summary>No queued entry under this key (never recorded, or not queued yet): nothing to deliver.</summary>
    NotQueued,
}

/// <summary>A delivery claim; <see cref="FirstAttemptAt"/> is kept across attempts for the provider's repeatability window.</summary>
public sealed record DeliveryClaim(DeliveryClaimResult Result, LedgerEntry? Entry, DateTimeOffset FirstAttemptAt);

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
public sealed record LedgerEntry(string IdempotencyKey, string CustomerId, string ScenarioId, string StepId, int Attempt, Channel Channel, string Template, string? Arm, LedgerStatus Status, DateTimeOffset RecordedAt, DateTimeOffset? QueuedAt, ETag ETag)
{
    /// <summary>When a consumer first handed it to the provider (ACS <c>repeatability-first-sent</c>).</summary>
    public DateTimeOffset? FirstAttemptAt { get; init; }

    /// <summary>Delivery claims taken so far: more than one means a retry, which presented the same idempotency key.</summary>
    public int DeliveryAttempts { get; init; }

    /// <summary>The provider's id for the send (ACS operation id, LINE retry key) once sent, or the reason it failed or was suppressed.</summary>
    public string? Outcome { get; init; }

    /// <summary>When it was sent, failed or was suppressed.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Who took it when sent: <c>acs</c>, <c>line</c>, <c>list</c> (DM and call lists) or <c>sandbox</c> (rendered into the outbox, nothing sent).</summary>
    public string? Provider { get; init; }

    /// <summary>What the provider reported later about delivery (ACS: <c>Delivered</c>, <c>Bounced</c> …), when it did.</summary>
    public string? Delivery { get; init; }

    internal string? DeliveryOwner { get; init; }

    internal DateTimeOffset? DeliveringAt { get; init; }

    /// <summary>The row it was read from (the bucket, or format 2 or 1 written before): conditional writes go back to it.</summary>
    internal (string Pk, string Rk)? Row { get; init; }
}

/// <summary>
/// The send ledger, one row per idempotency key (<c>{enrollment}:{step}:{attempt}</c>): PK = <c>~</c> + the hash bucket
/// of the enrollment id, RK = the key, so the sends of an engine batch land in 16 partitions and are recorded, claimed
/// and marked in entity group transactions. Rows written before are in the enrollment's own partition (PK = enrollment
/// id; RK the key, or <c>step:attempt</c> in format 1) and are still found and updated where they are. Rows are inserted
/// before the state that decided them is saved, claimed before their message is queued, and marked queued after. See
/// docs/SCENARIOS.md, "The engine", for why each transition happens where it does.
/// </summary>
public sealed class SendLedger(StorageClients clients)
{
    /// <summary>A claim this old was left by a run that died between claiming and marking: another run may retake it.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A delivery claim this old was left by a consumer that died after claiming: another may retake it. It is ACS's
    /// repeatability window, so a retake usually still falls inside it.
    /// </summary>
    public static readonly TimeSpan DeliveryLease = TimeSpan.FromMinutes(5);

    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.SendLedger);

    public TableClient Table => _table;

    /// <summary>Where a key's row is written now: the bucket of its enrollment.</summary>
    public static (string Pk, string Rk) Where(string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return ("~" + TableKeys.Bucket(EnrollmentOf(idempotencyKey)), TableKeys.Escape(idempotencyKey));
    }

    // enrollment:step:attempt — the enrollment id contains no ':'; the step id may.
    private static string EnrollmentOf(string idempotencyKey) => idempotencyKey[..idempotencyKey.IndexOf(':', StringComparison.Ordinal)];

    /// <summary>
    /// The rows a key may have been written to before the bucket layout: format 2 (PK = enrollment id, RK = the key) and
    /// format 1 (RK <c>step:attempt</c>). One row key shared by every recipient of a step (format 1) made each point
    /// operation a scan of all those rows in the emulator (it looks rows up by row key first), so a 100,000-recipient
    /// fan-out slowed to tens per second.
    /// </summary>
    private static IEnumerable<(string Pk, string Rk)> Older(string idempotencyKey)
    {
        var pk = TableKeys.Escape(EnrollmentOf(idempotencyKey));
        yield return (pk, TableKeys.Escape(idempotencyKey));
        yield return (pk, TableKeys.Escape(idempotencyKey[(idempotencyKey.IndexOf(':', StringComparison.Ordinal) + 1)..]));
    }

    /// <summary>A merge on the key's row: where it was read, else the bucket, else the older rows (the first that exists).</summary>
    private async Task MergeAsync(string idempotencyKey, TableEntity changes, ETag ifMatch, (string Pk, string Rk)? row, CancellationToken cancellationToken)
    {
        var candidates = row is { } known ? [known] : new[] { Where(idempotencyKey) }.Concat(Older(idempotencyKey)).ToList();
        for (var i = 0; ; i++)
        {
            (changes.PartitionKey, changes.RowKey) = candidates[i];
            try
            {
                await _table.UpdateEntityAsync(changes, ifMatch, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.Status == 404 && i + 1 < candidates.Count)
            {
            }
        }
    }

    /// <summary>Insert-if-absent. False when the key was already recorded (a re-run, or a concurrent decision of the same step).</summary>
    public async Task<bool> RecordAsync(SendCommand send, DateTimeOffset now, CancellationToken cancellationToken) =>
        await RecordNewAsync(send, now, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Insert-if-absent: the new row's ETag, or null when the key was already recorded (in the bucket or, before it, in the enrollment's partition).</summary>
    public Task<ETag?> RecordNewAsync(SendCommand send, DateTimeOffset now, CancellationToken cancellationToken) => RecordNewAsync(send, now, true, cancellationToken);

    /// <param name="older">
    /// Whether the key may have been recorded before the bucket layout (an enrollment of a scenario in
    /// <see cref="EnrollmentLayout.CustomerPartitions"/>): then those rows are looked for first. A key of a bucket-layout
    /// scenario can only be in the bucket.
    /// </param>
    public async Task<ETag?> RecordNewAsync(SendCommand send, DateTimeOffset now, bool older, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        if (older)
        {
            foreach (var (pk, rk) in Older(send.IdempotencyKey))
            {
                if ((await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, ["PartitionKey"], cancellationToken).ConfigureAwait(false)).HasValue)
                {
                    return null;
                }
            }
        }

        try
        {
            var response = await _table.AddEntityAsync(Record(send, now).Entity, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    /// <summary>The insert of a send's row (status Recorded) as a transaction writes it.</summary>
    public static TableTransactionAction Record(SendCommand send, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(send);
        var (pk, rk) = Where(send.IdempotencyKey);
        return new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(pk, rk)
        {
            ["Key"] = send.IdempotencyKey,
            ["CustomerId"] = send.CustomerId,
            ["EnrollmentId"] = send.EnrollmentId,
            ["ScenarioId"] = send.ScenarioId,
            ["Version"] = send.DefinitionVersion,
            ["StepId"] = send.StepId,
            ["Attempt"] = send.Attempt,
            ["Channel"] = send.Channel.Code(),
            ["Template"] = send.Template,
            ["Arm"] = send.Arm,
            ["Status"] = nameof(LedgerStatus.Recorded),
            ["RecordedAt"] = now,
        });
    }

    /// <summary>The claim (Recorded → Queuing) of a row this run recorded, If-Match on the ETag of its insert, as a transaction writes it.</summary>
    public static TableTransactionAction Claim(SendCommand send, ETag recorded, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(send);
        var (pk, rk) = Where(send.IdempotencyKey);
        return new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, rk) { ["Status"] = nameof(LedgerStatus.Queuing), ["QueuedAt"] = now, ["Channel"] = send.Channel.Code() }, recorded);
    }

    /// <summary>The mark (→ Queued) of a row in the bucket, as a transaction writes it; a row elsewhere fails it (404) and goes <see cref="MarkQueuedAsync"/>'s way.</summary>
    public static TableTransactionAction MarkQueued(SendCommand send, string batchId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(send);
        var (pk, rk) = Where(send.IdempotencyKey);
        return new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, rk) { ["Status"] = nameof(LedgerStatus.Queued), ["QueuedAt"] = now, ["BatchId"] = batchId }, ETag.All);
    }

    public async Task<LedgerEntry?> GetAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        foreach (var (pk, rk) in new[] { Where(idempotencyKey) }.Concat(Older(idempotencyKey)))
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (row.HasValue)
            {
                return FromEntity(row.Value!);
            }
        }

        return null;
    }

    /// <summary>
    /// Takes the right to queue the send: Recorded (or a Queuing claim past its lease) → Queuing, If-Match. A missing
    /// row (never recorded) is recorded first. <see cref="ClaimResult.Busy"/>: another run holds a fresh claim, and
    /// whoever finishes the outbox must come back after the lease rather than assume the send went out.
    /// </summary>
    public Task<ClaimResult> ClaimAsync(SendCommand send, DateTimeOffset now, CancellationToken cancellationToken) => ClaimAsync(send, now, null, cancellationToken);

    /// <summary>
    /// As above; <paramref name="recorded"/> is the ETag the caller's own <see cref="RecordNewAsync(SendCommand, DateTimeOffset, CancellationToken)"/> returned, so the row
    /// is known to be Recorded as of that ETag and the claim is tried If-Match on it without reading first. Anything
    /// that touched the row since fails the condition and the claim falls back to reading it.
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(SendCommand send, DateTimeOffset now, ETag? recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        if (recorded is { } known && known != ETag.All)
        {
            try
            {
                await _table.UpdateEntityAsync(Claim(send, known, now).Entity, known, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return ClaimResult.Claimed;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
            }
        }

        for (var attempt = 0; attempt < 8; attempt++)
        {
            var entry = await GetAsync(send.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                await RecordAsync(send, now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (entry.Status is LedgerStatus.Queued or LedgerStatus.Delivering or LedgerStatus.Sent or LedgerStatus.Failed or LedgerStatus.Suppressed)
            {
                return ClaimResult.AlreadyQueued;
            }

            if (entry.Status == LedgerStatus.Queuing && entry.QueuedAt is { } claimed && now - claimed < ClaimLease)
            {
                return ClaimResult.Busy;
            }

            try
            {
                await MergeAsync(send.IdempotencyKey, new TableEntity { ["Status"] = nameof(LedgerStatus.Queuing), ["QueuedAt"] = now, ["Channel"] = send.Channel.Code() }, entry.ETag, entry.Row, cancellationToken).ConfigureAwait(false);
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
        await MergeAsync(send.IdempotencyKey, new TableEntity { ["Status"] = nameof(LedgerStatus.Queued), ["QueuedAt"] = now, ["BatchId"] = batchId }, ETag.All, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claim and complete at once, for a consumer with nothing that can fail between the two (the engine tests'
    /// recording channel): Queued (or Queuing — the mark may have been lost) → Sent, If-Match. True exactly once per
    /// key, so a send message delivered twice, or queued twice by a run that died before marking, is sent once.
    /// </summary>
    public async Task<bool> ClaimForDeliveryAsync(string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entry = await GetAsync(idempotencyKey, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.Status is not (LedgerStatus.Queued or LedgerStatus.Queuing))
        {
            return false;
        }

        try
        {
            await MergeAsync(idempotencyKey, new TableEntity { ["Status"] = nameof(LedgerStatus.Sent), ["SentAt"] = now }, entry.ETag, entry.Row, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>
    /// A channel consumer takes a send for delivery: Queued / Queuing → Delivering, If-Match, with <paramref name="owner"/>
    /// (the queue message id). A Delivering entry is retaken by the same owner (the host's retry of the message that
    /// died after calling the provider) or by anyone once its claim is older than <see cref="DeliveryLease"/>; both
    /// present the same idempotency key and first-attempt time, so the provider dedupes the second call.
    /// </summary>
    public async Task<DeliveryClaim> BeginDeliveryAsync(string idempotencyKey, string owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var entry = await GetAsync(idempotencyKey, cancellationToken).ConfigureAwait(false);
            if (entry is null || entry.Status == LedgerStatus.Recorded)
            {
                return new DeliveryClaim(DeliveryClaimResult.NotQueued, entry, now);
            }

            if (entry.Status is LedgerStatus.Sent or LedgerStatus.Failed or LedgerStatus.Suppressed)
            {
                return new DeliveryClaim(DeliveryClaimResult.Done, entry, entry.FirstAttemptAt ?? now);
            }

            if (entry.Status == LedgerStatus.Delivering && entry.DeliveryOwner != owner && entry.DeliveringAt is { } at && now - at < DeliveryLease)
            {
                return new DeliveryClaim(DeliveryClaimResult.Busy, entry, entry.FirstAttemptAt ?? now);
            }

            var first = entry.FirstAttemptAt ?? now;
            try
            {
                await MergeAsync(idempotencyKey, new TableEntity
                {
                    ["Status"] = nameof(LedgerStatus.Delivering),
                    ["DeliveryOwner"] = owner,
                    ["DeliveringAt"] = now,
                    ["FirstAttemptAt"] = first,
                    ["DeliveryAttempts"] = entry.DeliveryAttempts + 1,
                }, entry.ETag, entry.Row, cancellationToken).ConfigureAwait(false);
                return new DeliveryClaim(DeliveryClaimResult.Claimed, entry with { Status = LedgerStatus.Delivering, FirstAttemptAt = first, DeliveryAttempts = entry.DeliveryAttempts + 1 }, first);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
            }
        }

        return new DeliveryClaim(DeliveryClaimResult.Busy, null, now);
    }

    /// <summary>
    /// Records the delivery's outcome (Sent, Failed or Suppressed), what the provider or the check said, and for a send
    /// who took it (<see cref="LedgerEntry.Provider"/>): results count sandbox sends apart from real ones.
    /// </summary>
    public async Task CompleteDeliveryAsync(string idempotencyKey, LedgerStatus status, string? outcome, DateTimeOffset now, CancellationToken cancellationToken, string? provider = null)
    {
        if (status is not (LedgerStatus.Sent or LedgerStatus.Failed or LedgerStatus.Suppressed))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A delivery ends sent, failed or suppressed.");
        }

        var entity = new TableEntity { ["Status"] = status.ToString(), ["Outcome"] = outcome, ["CompletedAt"] = now };
        if (status == LedgerStatus.Sent)
        {
            entity["SentAt"] = now;
        }

        if (provider is not null)
        {
            entity["Provider"] = provider;
        }

        await MergeAsync(idempotencyKey, entity, ETag.All, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A delivery report for a sent send (ACS Event Grid: <c>Delivered</c>, <c>Bounced</c> …): kept beside its outcome.</summary>
    public async Task RecordDeliveryReportAsync(string idempotencyKey, string status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            await MergeAsync(idempotencyKey, new TableEntity { ["Delivery"] = status, ["DeliveryReportedAt"] = at }, ETag.All, null, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The send's enrollment was erased since: nothing to count it against.
        }
    }

    /// <summary>
    /// Every send of a scenario with its fate, for results: a scan of the ledger on its <c>ScenarioId</c> column (as the
    /// scenario's enrollments are read), with only the columns results need.
    /// </summary>
    public async IAsyncEnumerable<LedgerEntry> ForScenarioAsync(string scenarioId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ScenarioId eq {scenarioId}"), select: OutcomeColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return FromEntity(e);
        }
    }

    private static readonly string[] OutcomeColumns =
        ["PartitionKey", "RowKey", "Key", "CustomerId", "ScenarioId", "StepId", "Attempt", "Channel", "Template", "Arm", "Status", "RecordedAt", "QueuedAt", "Outcome", "CompletedAt", "Provider", "Delivery"];

    /// <summary>
    /// Gives a claimed send back (Delivering → Queued) after a throttle or a transient failure, so the next copy of the
    /// message takes it at once. Only the claim's owner releases it; the first-attempt time stays.
    /// </summary>
    public async Task ReleaseDeliveryAsync(string idempotencyKey, string owner, CancellationToken cancellationToken)
    {
        var entry = await GetAsync(idempotencyKey, cancellationToken).ConfigureAwait(false);
        if (entry is not { Status: LedgerStatus.Delivering } || entry.DeliveryOwner != owner)
        {
            return;
        }

        try
        {
            await MergeAsync(idempotencyKey, new TableEntity { ["Status"] = nameof(LedgerStatus.Queued), ["DeliveryOwner"] = "" }, entry.ETag, entry.Row, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            // Someone else moved it on: theirs is the newer word.
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
        e.ETag)
    {
        FirstAttemptAt = e.GetDateTimeOffset("FirstAttemptAt"),
        DeliveryAttempts = e.GetInt32("DeliveryAttempts") ?? 0,
        Outcome = e.GetString("Outcome"),
        CompletedAt = e.GetDateTimeOffset("CompletedAt"),
        Provider = e.GetString("Provider"),
        Delivery = e.GetString("Delivery"),
        DeliveryOwner = e.GetString("DeliveryOwner") is { Length: > 0 } o ? o : null,
        DeliveringAt = e.GetDateTimeOffset("DeliveringAt"),
        Row = (e.PartitionKey, e.RowKey),
    };

    internal static Channel ParseChannel(string code) => code switch
    {
        "email" => Channel.Email,
        "line" => Channel.Line,
        "postal" => Channel.Postal,
        "phone" => Channel.Phone,
        _ => throw new FormatException($"Unknown channel '{code}'."),
    };
}
