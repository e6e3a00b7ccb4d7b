using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Customers;

/// <summary>
/// Queue messages one instance receives at once, decided together (<see cref="IngestGroups"/>). The first message's
/// group is held between its decision and its writes (the probe), so the messages sent meanwhile are all waiting when it
/// is released: which messages share a group does not depend on timing.
/// </summary>
public sealed class IngestGroupsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    private StorageScope _storage = null!;
    private CustomerStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _store = new CustomerStore(_storage.Clients);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IncomingOrder Incoming(string id, string email, int day, decimal total = 1000m) =>
        new(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Name = "山田 太郎" },
            Lines = [new OrderLine { Sku = "SKU-" + day, ProductName = "商品" + day, UnitPrice = total }],
            Total = total,
        }, "raw/test/" + id);

    /// <summary>Holds the first decided attempt until released; counts every decided attempt.</summary>
    private sealed class GateProbe : IIngestProbe
    {
        private int _calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask DecidedAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.SetResult();
                await Gate.Task.WaitAsync(cancellationToken);
            }
        }
    }

    private (IngestGroups Groups, GateProbe Probe) NewGroups()
    {
        var probe = new GateProbe();
        var ingestor = new OrderIngestor(_store, new ProfileSnapshots(_storage.Clients, _store), Time, NullLogger<OrderIngestor>.Instance, null, probe);
        return (new IngestGroups(ingestor), probe);
    }

    [Fact]
    public async Task Messages_arriving_while_a_group_is_decided_are_decided_together_without_racing_for_their_customer()
    {
        var (groups, probe) = NewGroups();
        var first = groups.IngestAsync([Incoming("1", "same@example.jp", day: 1)], Ct);
        await probe.Entered.Task.WaitAsync(Ct);

        // Three messages for the same customer arrive while the first is between its decision and its writes.
        var waiting = Enumerable.Range(2, 3).Select(i => groups.IngestAsync([Incoming(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "same@example.jp", day: i, total: 100m * i)], Ct)).ToList();
        probe.Gate.SetResult();
        var results = await Task.WhenAll([first, .. waiting]);

        Assert.Equal((2, 2), (groups.Groups, probe.Calls));
        Assert.All(results, r => Assert.Equal(1, r.Attempts));
        Assert.Equal(new[] { "1", "2", "3", "4" }, results.Select(r => Assert.Single(r.Orders).Order.Key.OrderId));
        Assert.True(Assert.Single(results[0].Orders).IsFirstOrder);
        Assert.All(results.Skip(1), r => Assert.Equal((ApplyOutcome.Created, false), (r.Orders[0].Outcome, r.Orders[0].IsFirstOrder)));
        var customer = Assert.Single(await _store.ScanProfilesAsync(Ct).ToListAsync(Ct));
        Assert.Equal((4, 1900m), (customer.Frequency, customer.Monetary));
    }

    [Fact]
    public async Task A_message_that_cannot_be_ingested_fails_alone_and_its_group_mates_are_stored()
    {
        // A customer row no version of Kozuchi can read, and the identifier that leads to it.
        var broken = new IdentityKey(IdentityKind.Email, "broken@example.jp");
        await _store.CustomersTable.AddEntityAsync(new TableEntity(CustomerEntities.CustomerPartition("broken"), "broken") { ["State"] = "Active", ["DataChunks"] = 1, ["Data0"] = "null" }, Ct);
        await _store.IdentitiesTable.AddEntityAsync(CustomerEntities.ToEntity(broken, "broken"), Ct);
        var (groups, probe) = NewGroups();
        var first = groups.IngestAsync([Incoming("1", "first@example.jp", day: 1)], Ct);
        await probe.Entered.Task.WaitAsync(Ct);

        var bad = groups.IngestAsync([Incoming("2", "broken@example.jp", day: 2)], Ct);
        var good = groups.IngestAsync([Incoming("3", "good@example.jp", day: 3), Incoming("4", "first@example.jp", day: 3)], Ct);
        probe.Gate.SetResult();

        await first;
        await Assert.ThrowsAsync<InvalidDataException>(() => bad);
        Assert.Equal(2, (await good).Orders.Count);
        Assert.Equal(2, groups.Groups);
        var profiles = (await _store.ScanProfilesAsync(Ct).ToListAsync(Ct)).Where(p => p.CustomerId != "broken").ToList();
        Assert.Equal(new[] { 1, 2 }, profiles.Select(p => p.Frequency).Order());
        Assert.Null(await _store.GetOrderAsync(new OrderKey("test", "2"), Ct));
    }

    [Fact]
    public async Task A_message_carrying_an_order_already_in_the_group_waits_for_the_next_one()
    {
        var (groups, probe) = NewGroups();
        var first = groups.IngestAsync([Incoming("1", "a@example.jp", day: 1)], Ct);
        await probe.Entered.Task.WaitAsync(Ct);

        // The same order twice (a redelivery beside its first delivery) and one other message.
        var a = groups.IngestAsync([Incoming("2", "b@example.jp", day: 2)], Ct);
        var again = groups.IngestAsync([Incoming("2", "b@example.jp", day: 2)], Ct);
        var other = groups.IngestAsync([Incoming("3", "c@example.jp", day: 3)], Ct);
        probe.Gate.SetResult();
        await first;

        Assert.Equal(ApplyOutcome.Created, Assert.Single((await a).Orders).Outcome);
        Assert.Equal(ApplyOutcome.Unchanged, Assert.Single((await again).Orders).Outcome);
        Assert.Equal(ApplyOutcome.Created, Assert.Single((await other).Orders).Outcome);
        Assert.Equal(3, groups.Groups);
    }
}
