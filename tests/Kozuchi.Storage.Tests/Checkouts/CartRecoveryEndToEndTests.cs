using Kozuchi.Core.Checkouts;
using Kozuchi.Core.Common;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Storage.Tests.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Storage.Tests.Checkouts;

/// <summary>
/// The cart-recovery preset, as shipped, on Azurite with a fake clock: checkouts stored and scheduled by the
/// processor, the abandonment checks fired by the checkout sweep (queue visibility runs on the real clock, so the
/// sweep is what fires them here, as for scenario wake-ups), scenario events routed, sends read by the recording
/// channel that claims ledger keys.
/// </summary>
public sealed class CartRecoveryEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    // 10:00 in Tokyo: no quiet hours in play for the first message or the reminder a day later.
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    private EngineHarness _h = null!;
    private CheckoutStore _store = null!;
    private CheckoutProcessor _checkouts = null!;
    private CheckoutCarts _carts = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await EngineHarness.StartAsync(azurite, T0, o => o.SweepGrace = TimeSpan.Zero);
        _store = new CheckoutStore(_h.Storage.Clients);
        _checkouts = new CheckoutProcessor(new RawPayloads(_h.Storage.Clients), _store, _h.Customers, _h.Scenarios, _h.Publisher, _h.Storage.Clients, ShopTime.Tokyo, _h.Time, NullLogger<CheckoutProcessor>.Instance);
        _carts = new CheckoutCarts(_h.Enrollments, _store);
        await _h.InstallAsync(EngineHarness.Preset("cart-recovery.json"));
    }

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static string Email(int n) => $"cart{n}@example.jp";

    /// <summary>A known customer (an order two months ago, e-mail consent), as identity resolution will find them.</summary>
    private async Task<string> CustomerAsync(int n)
    {
        var result = await _h.IngestAsync(EngineHarness.NewOrder($"old-{n}", Email(n), T0.AddDays(-60)));
        await _h.RouteEventsAsync();
        return result.Orders[0].CustomerId;
    }

    private static Checkout Cart(int n, DateTimeOffset at, string? email = null, DateTimeOffset? updated = null) => new()
    {
        Key = new CheckoutKey("shopify", $"tok-{n}"),
        CreatedAt = at,
        UpdatedAt = updated ?? at,
        Contact = new OrderContact { Email = email ?? Email(n) },
        Lines =
        [
            new OrderLine { Sku = $"SERUM-{n}", ProductName = "美容液 30ml", Quantity = 2, UnitPrice = 3300m },
            new OrderLine { Sku = "MASK", ProductName = "シートマスク", Quantity = 1, UnitPrice = 1100m + n },
        ],
        Total = 7700m + n,
        RecoveryUrl = $"https://shop.example.jp/checkouts/tok-{n}/recover?key=k{n}",
    };

    /// <summary>Moves the clock and lets every path run: checkout checks, routing (twice: at-least-once), wake-ups, the channel.</summary>
    private async Task<IReadOnlyList<RecordedSend>> AtAsync(DateTimeOffset at)
    {
        var ct = TestContext.Current.CancellationToken;
        _h.Time.SetUtcNow(at);
        await _checkouts.SweepAsync(TimeSpan.Zero, ct);
        await _h.RouteEventsAsync(times: 2);
        await _h.Wakeups.SweepAsync(ct);
        await _h.RouteEventsAsync();
        return await _h.DrainSendsAsync();
    }

    private async Task<IReadOnlyList<EnrollmentSummary>> EnrollmentsAsync(string customerId) =>
        [.. (await _h.Service.EnrollmentsOfAsync(customerId, TestContext.Current.CancellationToken)).Where(e => e.ScenarioId == "cart-recovery")];

    [Fact]
    public async Task An_abandoned_checkout_gets_its_cart_at_the_delay_and_the_arms_reminder_a_day_later()
    {
        var ct = TestContext.Current.CancellationToken;
        var customers = new List<(int N, string Id)>();
        for (var n = 1; n <= 12; n++)
        {
            customers.Add((n, await CustomerAsync(n)));
            await _checkouts.IngestAsync(Cart(n, T0), ct);
        }

        Assert.Empty(await AtAsync(T0.AddMinutes(59)));
        foreach (var (_, id) in customers)
        {
            Assert.Empty(await EnrollmentsAsync(id));
        }

        var first = await AtAsync(T0.AddHours(1));
        var armOf = new Dictionary<string, EnrollmentSummary>(StringComparer.Ordinal);
        foreach (var (n, id) in customers)
        {
            var enrollment = Assert.Single(await EnrollmentsAsync(id));
            armOf[id] = enrollment;
            var sent = first.Where(s => s.CustomerId == id).ToList();
            if (enrollment.HeldOut)
            {
                Assert.Empty(sent);
                continue;
            }

            var send = Assert.Single(sent);
            Assert.Equal(("cart-recovery", Channel.Email, T0.AddHours(1)), (send.Template, send.Channel, send.At));

            // What the consumer renders the cart with: this checkout's items and recovery link, read at delivery.
            var cart = await _carts.ForEnrollmentAsync(id, enrollment.EnrollmentId, ct);
            Assert.NotNull(cart);
            Assert.Equal([$"SERUM-{n}", "MASK"], cart.Lines.Select(l => l.Sku));
            Assert.Equal(1100m + n, cart.Lines[1].UnitPrice);
            Assert.Equal(7700m + n, cart.Total);
            Assert.Equal($"https://shop.example.jp/checkouts/tok-{n}/recover?key=k{n}", cart.RecoveryUrl);
        }

        Assert.Contains(armOf.Values, e => e.Arm == "reminder");
        Assert.Contains(armOf.Values, e => e.Arm == "reminder-coupon");
        Assert.Empty(await AtAsync(T0.AddHours(23)));

        var reminders = await AtAsync(T0.AddHours(24));
        foreach (var (_, id) in customers)
        {
            var e = armOf[id];
            var sent = reminders.Where(s => s.CustomerId == id).ToList();
            if (e.HeldOut)
            {
                Assert.Empty(sent);
            }
            else
            {
                var send = Assert.Single(sent);
                Assert.Equal(e.Arm == "reminder-coupon" ? "cart-reminder-coupon" : "cart-reminder", send.Template);
                Assert.Equal(e.Arm, send.Arm);
                Assert.Equal(T0.AddHours(24), send.At);
            }
        }

        Assert.Empty(await AtAsync(T0.AddDays(6)));
    }

    [Fact]
    public async Task An_order_within_the_delay_means_nothing_is_sent()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync(1);
        await _checkouts.IngestAsync(Cart(1, T0), ct);

        _h.Time.SetUtcNow(T0.AddMinutes(30));
        await _h.IngestAsync(EngineHarness.NewOrder("bought-1", Email(1), T0.AddMinutes(30), total: 7701m));
        await _h.RouteEventsAsync();

        Assert.Empty(await AtAsync(T0.AddHours(1)));
        Assert.Empty(await AtAsync(T0.AddDays(2)));
        Assert.Empty(await EnrollmentsAsync(id));
        Assert.Equal(0, _h.RecipientsSeen);
    }

    [Fact]
    public async Task An_order_naming_the_cart_token_starts_nothing_even_from_another_address()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync(1);
        await _checkouts.IngestAsync(Cart(1, T0), ct);

        // The shopper completes the cart as a guest with another address: identity resolution makes a new customer.
        _h.Time.SetUtcNow(T0.AddMinutes(40));
        var order = EngineHarness.NewOrder("guest-1", "other@example.jp", T0.AddMinutes(40)) with { Key = new OrderKey("shopify", "guest-1"), CheckoutToken = "tok-1" };
        Assert.Equal(1, await _checkouts.MarkOrderedAsync(await _h.IngestAsync(order), ct));
        await _h.RouteEventsAsync();

        Assert.Empty(await AtAsync(T0.AddHours(2)));
        Assert.Empty(await EnrollmentsAsync(id));
    }

    [Fact]
    public async Task A_checkout_the_cart_reports_completed_starts_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync(1);
        await _checkouts.IngestAsync(Cart(1, T0), ct);
        await _checkouts.IngestAsync(Cart(1, T0, updated: T0.AddMinutes(20)) with { CompletedAt = T0.AddMinutes(20) }, ct);

        Assert.Empty(await AtAsync(T0.AddHours(2)));
        Assert.Empty(await EnrollmentsAsync(id));
    }

    [Fact]
    public async Task An_order_after_the_message_exits_converted_with_the_revenue_on_its_arm()
    {
        var ct = TestContext.Current.CancellationToken;
        var ids = new Dictionary<int, string>();
        for (var n = 1; n <= 12; n++)
        {
            ids[n] = await CustomerAsync(n);
            await _checkouts.IngestAsync(Cart(n, T0), ct);
        }

        await AtAsync(T0.AddHours(1));

        // Every customer orders three hours after leaving the cart, for the cart's value.
        _h.Time.SetUtcNow(T0.AddHours(3));
        foreach (var (n, _) in ids)
        {
            await _h.IngestAsync(EngineHarness.NewOrder($"recovered-{n}", Email(n), T0.AddHours(3), total: 7700m + n));
        }

        await _h.RouteEventsAsync(times: 2);
        var expectedByArm = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (n, id) in ids)
        {
            var e = Assert.Single(await EnrollmentsAsync(id));
            Assert.Equal(EnrollmentStatus.Completed, e.Status);
            Assert.Equal(ScenarioOutcome.Converted, e.Outcome);
            Assert.Equal(7700m + n, e.ConversionAmount);
            var arm = e.HeldOut ? SplitStep.HoldoutArm : e.Arm!;
            expectedByArm[arm] = expectedByArm.GetValueOrDefault(arm) + 7700m + n;
        }

        var results = (await _h.Service.ResultsAsync("cart-recovery", ct))!.Results;
        Assert.Equal(expectedByArm.Values.Sum(), results.Revenue);
        foreach (var arm in results.Arms)
        {
            Assert.Equal(expectedByArm.GetValueOrDefault(arm.Holdout ? SplitStep.HoldoutArm : arm.Arm), arm.Revenue);
        }

        // Converted: the reminder never goes out.
        Assert.Empty(await AtAsync(T0.AddHours(25)));
    }

    [Fact]
    public async Task A_checkout_delivered_twice_and_updated_many_times_starts_one_enrollment()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync(1);
        await _checkouts.IngestAsync(Cart(1, T0), ct);
        await _checkouts.IngestAsync(Cart(1, T0), ct);
        for (var m = 10; m <= 50; m += 10)
        {
            await _checkouts.IngestAsync(Cart(1, T0, updated: T0.AddMinutes(m)), ct);
            await _checkouts.IngestAsync(Cart(1, T0, updated: T0.AddMinutes(m)), ct);
        }

        // The first checks come due while the cart was still being edited: they start nothing.
        Assert.Empty(await AtAsync(T0.AddMinutes(65)));
        Assert.Empty(await EnrollmentsAsync(id));

        var sends = await AtAsync(T0.AddMinutes(110));
        var enrollment = Assert.Single(await EnrollmentsAsync(id));
        Assert.Equal(enrollment.HeldOut ? 0 : 1, sends.Count);

        // Every timer and delivery again, late and twice: still the one enrollment and no second send.
        for (var m = 0; m <= 50; m += 10)
        {
            await _checkouts.IngestAsync(Cart(1, T0, updated: T0.AddMinutes(Math.Max(m, 50))), ct);
        }

        await _checkouts.HandleTimerAsync(new CheckoutTimerMessage { CheckoutId = "shopify:tok-1", ScenarioId = "cart-recovery", DueAt = T0.AddMinutes(110) }, ct);
        Assert.Empty(await AtAsync(T0.AddMinutes(120)));
        Assert.Single(await EnrollmentsAsync(id));
    }

    [Fact]
    public async Task An_anonymous_checkout_is_kept_and_enrolled_once_an_update_names_a_known_customer()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync(1);
        var anonymous = Cart(1, T0) with { Contact = new OrderContact() };
        var stored = await _checkouts.IngestAsync(anonymous, ct);
        Assert.Null(stored.CustomerId);

        // Guest checkout: the shopper types the e-mail address on the next page.
        var named = await _checkouts.IngestAsync(Cart(1, T0, updated: T0.AddMinutes(5)), ct);
        Assert.Equal(id, named.CustomerId);
        Assert.Equal(["shopify:tok-1"], await _store.ForCustomerAsync(id, ct));

        await AtAsync(T0.AddMinutes(65));
        Assert.Single(await EnrollmentsAsync(id));
    }

    [Fact]
    public async Task Erasing_a_customer_deletes_their_checkouts_and_the_cart_is_no_longer_rendered()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CustomerAsync(1);
        await _checkouts.IngestAsync(Cart(1, T0), ct);
        await _checkouts.IngestAsync(Cart(2, T0, email: Email(1)), ct);
        await AtAsync(T0.AddHours(1));
        var enrollment = Assert.Single(await EnrollmentsAsync(id));

        Assert.Equal(2, await _store.EraseCustomerAsync(id, ct));

        Assert.Null(await _store.GetAsync("shopify:tok-1", ct));
        Assert.Null(await _store.GetAsync("shopify:tok-2", ct));
        Assert.Empty(await _store.ForCustomerAsync(id, ct));
        Assert.Null(await _carts.ForEnrollmentAsync(id, enrollment.EnrollmentId, ct));
        Assert.Equal(0, await _store.EraseCustomerAsync(id, ct));
    }

    [Fact]
    public async Task Checkouts_past_retention_are_purged_anonymous_ones_included()
    {
        var ct = TestContext.Current.CancellationToken;
        await _checkouts.IngestAsync(Cart(1, T0) with { Contact = new OrderContact() }, ct);
        await _checkouts.IngestAsync(Cart(2, T0.AddDays(20)), ct);

        Assert.Equal(1, await _store.PurgeAsync(T0.AddDays(10), ct));

        Assert.Null(await _store.GetAsync("shopify:tok-1", ct));
        Assert.NotNull(await _store.GetAsync("shopify:tok-2", ct));
    }
}
