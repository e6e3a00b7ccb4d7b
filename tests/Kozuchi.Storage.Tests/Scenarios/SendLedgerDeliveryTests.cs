using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>The ledger's delivery claims on Azurite: who may take a queued send, and what a crash leaves behind.</summary>
public sealed class SendLedgerDeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly SendCommand Send = new("e1", "s", 1, "c1", "mail", 1, Channel.Email, [], "t", null, SendCommand.Key("e1", "mail", 1), null);
    private StorageScope _storage = null!;
    private SendLedger _ledger = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _ledger = new SendLedger(_storage.Clients);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private async Task QueueAsync()
    {
        Assert.Equal(ClaimResult.Claimed, await _ledger.ClaimAsync(Send, Start, Ct));
        await _ledger.MarkQueuedAsync(Send, "b1", Start, Ct);
    }

    [Fact]
    public async Task A_send_not_queued_yet_cannot_be_claimed_for_delivery()
    {
        Assert.Equal(DeliveryClaimResult.NotQueued, (await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start, Ct)).Result);
        await _ledger.RecordAsync(Send, Start, Ct);
        Assert.Equal(DeliveryClaimResult.NotQueued, (await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start, Ct)).Result);
    }

    [Fact]
    public async Task A_claim_left_by_a_crash_is_retaken_by_the_same_message_at_once_and_by_another_only_after_the_lease()
    {
        await QueueAsync();
        var first = await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start, Ct);
        Assert.Equal(DeliveryClaimResult.Claimed, first.Result);

        Assert.Equal(DeliveryClaimResult.Busy, (await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m2", Start.AddMinutes(1), Ct)).Result);
        var retry = await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start.AddMinutes(1), Ct);
        Assert.Equal((DeliveryClaimResult.Claimed, Start), (retry.Result, retry.FirstAttemptAt));

        var other = await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m2", Start.AddMinutes(1) + SendLedger.DeliveryLease, Ct);
        Assert.Equal((DeliveryClaimResult.Claimed, Start), (other.Result, other.FirstAttemptAt));
        Assert.Equal(3, (await _ledger.GetAsync(Send.IdempotencyKey, Ct))!.DeliveryAttempts);
    }

    [Fact]
    public async Task A_released_send_is_claimable_again_and_keeps_its_first_attempt_time()
    {
        await QueueAsync();
        await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start, Ct);
        await _ledger.ReleaseDeliveryAsync(Send.IdempotencyKey, "someone-else", Ct);
        Assert.Equal(LedgerStatus.Delivering, (await _ledger.GetAsync(Send.IdempotencyKey, Ct))!.Status);

        await _ledger.ReleaseDeliveryAsync(Send.IdempotencyKey, "m1", Ct);

        var again = await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m2", Start.AddSeconds(10), Ct);
        Assert.Equal((DeliveryClaimResult.Claimed, Start), (again.Result, again.FirstAttemptAt));
    }

    [Theory]
    [InlineData(LedgerStatus.Sent)]
    [InlineData(LedgerStatus.Failed)]
    [InlineData(LedgerStatus.Suppressed)]
    public async Task A_completed_send_is_never_claimed_again_nor_queued_again(LedgerStatus status)
    {
        await QueueAsync();
        await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start, Ct);
        await _ledger.CompleteDeliveryAsync(Send.IdempotencyKey, status, "why", Start, Ct);

        Assert.Equal(DeliveryClaimResult.Done, (await _ledger.BeginDeliveryAsync(Send.IdempotencyKey, "m1", Start.AddHours(1), Ct)).Result);
        Assert.Equal(ClaimResult.AlreadyQueued, await _ledger.ClaimAsync(Send, Start.AddHours(1), Ct));
        var entry = (await _ledger.GetAsync(Send.IdempotencyKey, Ct))!;
        Assert.Equal((status, "why"), (entry.Status, entry.Outcome));
    }
}
