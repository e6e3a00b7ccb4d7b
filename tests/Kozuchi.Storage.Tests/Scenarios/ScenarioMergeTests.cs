using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// Enrollments stay in the partition of the customer they started under; after that customer is merged into another,
/// the survivor's events reach them, and the two never run the same scenario side by side.
/// </summary>
public sealed class ScenarioMergeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero);

    private const string Definition = """
        {
          "schemaVersion": 1, "id": "winback", "version": 1, "trigger": { "type": "anyOrder" },
          "policies": { "quietHours": null },
          "steps": [
            { "type": "send", "id": "hello", "channels": ["email"], "template": "winback-hello", "next": "goal" },
            { "type": "goal", "id": "goal", "window": { "days": 30 } }
          ]
        }
        """;

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start, o => o.SweepGrace = TimeSpan.Zero);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ScenarioEventItem Enroll(string customerId, string key) =>
        new() { Kind = ScenarioEventKind.Enroll, CustomerId = customerId, ScenarioId = "winback", TriggerKey = key };

    private static Order WithPhone(Order order, string phone) => order with { Contact = order.Contact with { Phone = phone } };

    /// <summary>A (first buyer, the survivor to be) and B (a later buyer with a phone), ingested without scenario events.</summary>
    private async Task<(string A, string B)> TwoCustomersAsync()
    {
        var a = await _h.Ingestor.IngestAsync([new IncomingOrder(EngineHarness.NewOrder("1", "a@example.jp", Start.AddDays(-20)), null)], null, Ct);
        var b = await _h.Ingestor.IngestAsync([new IncomingOrder(WithPhone(EngineHarness.NewOrder("2", "b@example.jp", Start.AddDays(-10)), "03-1234-5678"), null)], null, Ct);
        return (a.Orders.Single().CustomerId, b.Orders.Single().CustomerId);
    }

    /// <summary>An order with A's e-mail and B's phone: ingest merges B into A and publishes the order for A.</summary>
    private async Task MergeByOrderAsync(string survivor, string mergedId, decimal amount)
    {
        _h.Time.Advance(TimeSpan.FromHours(2));
        var result = await _h.IngestAsync(WithPhone(EngineHarness.NewOrder("3", "a@example.jp", _h.Time.GetUtcNow(), amount), "0312345678"));
        Assert.Equal(survivor, result.Orders.Single().CustomerId);
        var merged = await _h.Customers.GetAsync(mergedId, Ct);
        Assert.Equal((CustomerState.Merged, survivor), (merged!.State, merged.MergedInto));
        await _h.RouteEventsAsync();
    }

    private async Task<EnrollmentState> StateAsync(string customerId) =>
        (await _h.Enrollments.GetAsync(customerId, (await _h.Enrollments.ForCustomerAsync(customerId, Ct)).Single().EnrollmentId, Ct))!.State;

    [Fact]
    public async Task An_order_of_the_survivor_converts_the_enrollment_of_the_customer_merged_into_it()
    {
        await _h.InstallAsync(Definition);
        var (a, b) = await TwoCustomersAsync();
        await _h.Router.RouteAsync([Enroll(b, "b-1")], Ct);
        Assert.Single(await _h.DrainSendsAsync());

        await MergeByOrderAsync(a, b, 4200m);

        var state = await StateAsync(b);
        Assert.Equal((ScenarioOutcome.Converted, 4200m), (state.Outcome, state.ConversionAmount));
        Assert.Empty(await _h.Enrollments.ForCustomerAsync(a, Ct)); // B's running enrollment kept the order from starting another for A
        Assert.Empty(await _h.DrainSendsAsync());
    }

    [Fact]
    public async Task Two_running_enrollments_of_one_scenario_meeting_in_a_merge_keep_the_older_and_stop_the_newer_as_merged()
    {
        await _h.InstallAsync(Definition);
        var (a, b) = await TwoCustomersAsync();
        await _h.Router.RouteAsync([Enroll(b, "b-1")], Ct);
        _h.Time.Advance(TimeSpan.FromHours(1));
        await _h.Router.RouteAsync([Enroll(a, "a-1")], Ct);
        Assert.Equal(2, (await _h.DrainSendsAsync()).Count);

        await MergeByOrderAsync(a, b, 5000m);

        var older = await StateAsync(b);
        var newer = await StateAsync(a);
        Assert.Equal((ScenarioOutcome.Converted, 5000m), (older.Outcome, older.ConversionAmount));
        Assert.Equal((ScenarioOutcome.Stopped, ScenarioRouter.MergedReason), (newer.Outcome, newer.StopReason));
        Assert.Null(newer.ConversionAmount);
        Assert.Empty(await _h.DrainSendsAsync());
    }
}
