using Kozuchi.Core.Channels;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Channels;

public sealed class ChannelStorageTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 30, 10, TimeSpan.Zero));
    private StorageScope _storage = null!;
    private CustomerStore _store = null!;
    private ChannelEvents _events = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _store = new CustomerStore(_storage.Clients);
        _events = new ChannelEvents(_storage.Clients, _store, new ProfileSnapshots(_storage.Clients, _store), _time);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private async Task<string> CustomerAsync(string id, string email, int day)
    {
        var ingestor = new OrderIngestor(_store, new ProfileSnapshots(_storage.Clients, _store), _time, NullLogger<OrderIngestor>.Instance);
        await ingestor.IngestAsync([new IncomingOrder(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Name = "山田 太郎", EmailOptIn = true },
            Lines = [new OrderLine { Sku = "A", ProductName = "A", UnitPrice = 1000m }],
            Total = 1000m,
            Status = OrderStatus.Paid,
        }, "raw/" + id)], null, TestContext.Current.CancellationToken);
        return (await _store.FindByIdentityAsync(new IdentityKey(IdentityKind.Email, email), TestContext.Current.CancellationToken))!.CustomerId;
    }

    [Fact]
    public async Task Instances_racing_for_the_send_budget_never_overspend_it()
    {
        var limit = new RateLimit(30, TimeSpan.FromMinutes(1));
        var instances = Enumerable.Range(0, 4).Select(_ => new StorageSendRateLimiter(_storage.Clients, _time)).ToList();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 48).Select(i => instances[i % 4].TryAcquireAsync("acs-email:test", limit, TestContext.Current.CancellationToken).AsTask()));

        Assert.Equal(30, decisions.Count(d => d.Granted));
        Assert.All(decisions.Where(d => !d.Granted), d => Assert.Equal(TimeSpan.FromSeconds(50), d.RetryAfter));
    }

    [Fact]
    public async Task The_budget_refills_in_the_next_window_and_is_kept_per_resource()
    {
        var limiter = new StorageSendRateLimiter(_storage.Clients, _time);
        var limit = new RateLimit(2, TimeSpan.FromMinutes(1));
        var ct = TestContext.Current.CancellationToken;

        Assert.True((await limiter.TryAcquireAsync("a", limit, ct)).Granted);
        Assert.True((await limiter.TryAcquireAsync("a", limit, ct)).Granted);
        Assert.False((await limiter.TryAcquireAsync("a", limit, ct)).Granted);
        Assert.True((await limiter.TryAcquireAsync("b/other", limit, ct)).Granted);

        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.True((await limiter.TryAcquireAsync("a", limit, ct)).Granted);
    }

    [Fact]
    public async Task A_link_nonce_redeems_once_for_its_customer_and_not_after_expiry()
    {
        var ct = TestContext.Current.CancellationToken;
        var nonce = await _events.IssueLinkNonceAsync("c1", TimeSpan.FromMinutes(10), ct);
        var stale = await _events.IssueLinkNonceAsync("c2", TimeSpan.FromMinutes(1), ct);

        Assert.InRange(nonce.Length, 10, 255);
        Assert.Equal("c1", await _events.RedeemLinkNonceAsync(nonce, ct));
        Assert.Null(await _events.RedeemLinkNonceAsync(nonce, ct));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await _events.RedeemLinkNonceAsync(stale, ct));
        Assert.Null(await _events.RedeemLinkNonceAsync("never-issued-nonce", ct));
    }

    [Fact]
    public async Task Attaching_a_line_user_is_stored_and_found_by_it_and_merges_a_second_holder()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await CustomerAsync("1", "a@example.jp", 1);
        var second = await CustomerAsync("2", "b@example.jp", 5);
        var line = new IdentityKey(IdentityKind.LineUser, "U0123456789abcdef0123456789abcdef");

        Assert.Equal(second, await _events.AttachIdentityAsync(second, line, ct));
        Assert.Equal(second, (await _store.FindByIdentityAsync(line, ct))!.CustomerId);
        Assert.True((await _store.GetAsync(second, ct))!.LineFollowing);

        Assert.Equal(first, await _events.AttachIdentityAsync(first, line, ct));
        var survivor = (await _store.FindByIdentityAsync(line, ct))!;
        Assert.Equal(first, survivor.CustomerId);
        Assert.Equal(2, survivor.ToProfile().Frequency);
        Assert.Equal(first, (await _store.GetActiveAsync(second, ct))!.CustomerId);
    }

    [Fact]
    public async Task A_customer_update_applies_to_the_survivor_and_skips_when_nothing_changes()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync("1", "a@example.jp", 1);

        var updated = await _store.UpdateAsync(id, r => ChannelConsent.Unsubscribe(r, Core.Common.Channel.Email), ct);
        var again = await _store.UpdateAsync(id, r => ChannelConsent.Unsubscribe(r, Core.Common.Channel.Email), ct);

        Assert.False(updated!.EmailOptIn);
        Assert.False((await _store.GetAsync(id, ct))!.ToProfile().Reachability.CanEmail);
        Assert.False(again!.EmailOptIn);
        Assert.Null(await _store.UpdateAsync("c-missing", r => r, ct));
    }

    [Fact]
    public async Task Delivery_reports_and_call_results_overwrite_themselves_when_delivered_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var report = new DeliveryRecord("op-1", ChannelEvents.Hash("a@example.jp"), "Bounced", "c1", _time.GetUtcNow(), true);
        await _events.RecordDeliveryAsync(report, ct);
        await _events.RecordDeliveryAsync(report, ct);
        var call = new CallRecord("c1", "Purchased", null, _time.GetUtcNow(), "calls-1.csv");
        await _events.RecordCallAsync(call, ct);
        await _events.RecordCallAsync(call, ct);

        Assert.Equal(report, Assert.Single(await _events.DeliveriesAsync("op-1", ct)));
        Assert.Equal(call, Assert.Single(await _events.CallsAsync("c1", ct)));
    }
}

public sealed class SendRateTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await azurite.CreateScopeAsync();

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task A_sender_asking_twice_a_second_for_five_minutes_gets_exactly_the_configured_rate()
    {
        // Simulated time: the senders ask at 2/s (4× the budget); each minute must grant 30, no more, no fewer.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
        var instances = new[] { new StorageSendRateLimiter(_storage.Clients, time), new StorageSendRateLimiter(_storage.Clients, time) };
        var limit = RateLimit.AcsEmailDefault;
        var perMinute = new int[5];
        for (var second = 0; second < 300; second++)
        {
            var decisions = await Task.WhenAll(instances.Select(i => i.TryAcquireAsync("acs-email:rate", limit, TestContext.Current.CancellationToken).AsTask()));
            perMinute[second / 60] += decisions.Count(d => d.Granted);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.All(perMinute, n => Assert.Equal(30, n));
    }
}
