using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Customers;

/// <summary>
/// Operator tags through identity resolution: a merged customer's tags go to the survivor (once each, however deep the
/// merges), a replayed merge neither loses nor duplicates them, and an undone merge gives each customer its own back.
/// </summary>
public sealed class CustomerTagStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private CustomerStore _store = null!;
    private OrderIngestor _ingestor = null!;
    private CustomerCorrections _corrections = null!;
    private CustomerTagStore _tags = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _store = new CustomerStore(_storage.Clients);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        var snapshots = new ProfileSnapshots(_storage.Clients, _store);
        _ingestor = new OrderIngestor(_store, snapshots, time, NullLogger<OrderIngestor>.Instance);
        _corrections = new CustomerCorrections(_store, snapshots, time, NullLogger<CustomerCorrections>.Instance);
        _tags = new CustomerTagStore(_storage.Clients, _store);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private static IncomingOrder Incoming(string id, int day, string? email = null, string? phone = null) =>
        new(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Phone = phone, Name = "山田 太郎" },
            Lines = [new OrderLine { Sku = "SKU-" + day, ProductName = "商品" + day, UnitPrice = 1000m }],
            Total = 1000m,
            Status = OrderStatus.Paid,
        }, "raw/test/" + id);

    /// <summary>The active customer holding the order now.</summary>
    private async Task<CustomerRecord> CustomerOfAsync(string orderId) =>
        (await _store.GetActiveAsync((await _store.GetOrderRowCustomerAsync(new OrderKey("test", orderId), Ct))!, Ct))!;

    private async Task TagAsync(CustomerRecord customer, params string[] tags)
    {
        foreach (var tag in tags)
        {
            Assert.Equal(TagOutcome.Added, await _tags.AddAsync(customer, tag, Ct));
        }
    }

    private async Task<List<CustomerProfile>> ProfilesAsync() => await _store.ScanProfilesAsync(Ct).ToListAsync(Ct);

    private async Task<Dictionary<string, string[]>> AttachedAsync() =>
        (await _tags.AttachAsync(await ProfilesAsync(), Ct)).Where(p => p.Tags.Count > 0)
            .ToDictionary(p => p.CustomerId, p => p.Tags.Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);

    [Fact]
    public async Task A_merged_customers_tags_go_to_the_survivor_once_and_a_replayed_merge_changes_nothing()
    {
        IncomingOrder[] first = [Incoming("1", 1, email: "hanako@example.jp"), Incoming("2", 2, phone: "03-1234-5678")];
        await _ingestor.IngestAsync(first, null, Ct);
        var a = await CustomerOfAsync("1");
        var b = await CustomerOfAsync("2");
        await TagAsync(a, "VIP", "共通");
        await TagAsync(b, "卸", "共通");

        IncomingOrder[] joining = [Incoming("3", 5, email: "hanako@example.jp", phone: "0312345678")];
        await _ingestor.IngestAsync(joining, null, Ct);

        var survivor = await CustomerOfAsync("3");
        Assert.Equal(a.CustomerId, survivor.CustomerId);
        Assert.Equal(["VIP", "共通", "卸"], await _tags.OfAsync(survivor, Ct));
        Assert.Equal(survivor.CustomerId, (await _store.GetActiveAsync(b.CustomerId, Ct))!.CustomerId);
        var attached = await AttachedAsync();
        Assert.Equal([survivor.CustomerId], attached.Keys);
        Assert.Equal(["VIP", "共通", "卸"], attached[survivor.CustomerId]);

        // The whole history again (a queue redelivery, a re-run import): the same tags, none twice, none lost.
        await _ingestor.IngestAsync([.. first, .. joining], null, Ct);
        await _ingestor.IngestAsync(joining, null, Ct);
        Assert.Equal(["VIP", "共通", "卸"], await _tags.OfAsync(await CustomerOfAsync("3"), Ct));
        Assert.Equal(["VIP", "共通", "卸"], (await AttachedAsync())[survivor.CustomerId]);
    }

    [Fact]
    public async Task A_tag_taken_off_the_survivor_goes_wherever_it_was_put_and_the_limit_counts_the_whole_group()
    {
        await _ingestor.IngestAsync([Incoming("1", 1, email: "hanako@example.jp"), Incoming("2", 2, phone: "03-1234-5678")], null, Ct);
        var b = await CustomerOfAsync("2");
        await TagAsync(b, [.. Enumerable.Range(0, CustomerTags.MaxPerCustomer).Select(i => $"t{i:D2}")]);
        await _ingestor.IngestAsync([Incoming("3", 5, email: "hanako@example.jp", phone: "0312345678")], null, Ct);
        var survivor = await CustomerOfAsync("3");
        Assert.NotEqual(b.CustomerId, survivor.CustomerId);

        Assert.Equal(TagOutcome.TooMany, await _tags.AddAsync(survivor, "one-more", Ct));
        Assert.Equal(TagOutcome.AlreadyThere, await _tags.AddAsync(survivor, "t00", Ct));
        Assert.True(await _tags.RemoveAsync(survivor, "t00", Ct));
        Assert.False(await _tags.RemoveAsync(survivor, "t00", Ct));

        Assert.DoesNotContain("t00", await _tags.OfAsync(survivor, Ct));
        Assert.Empty(await _tags.ForCustomerAsync(survivor.CustomerId, Ct));
        Assert.Equal(CustomerTags.MaxPerCustomer - 1, (await _tags.ForCustomerAsync(b.CustomerId, Ct)).Count);
        Assert.Equal(TagOutcome.Added, await _tags.AddAsync(survivor, "one-more", Ct));
    }

    [Fact]
    public async Task Tags_follow_merges_of_merges_to_the_last_survivor()
    {
        await _ingestor.IngestAsync([Incoming("1", 1, email: "hanako@example.jp"), Incoming("2", 2, phone: "03-1234-5678"), Incoming("3", 3, email: "taro@example.jp")], null, Ct);
        await TagAsync(await CustomerOfAsync("1"), "a");
        await TagAsync(await CustomerOfAsync("2"), "b");
        await TagAsync(await CustomerOfAsync("3"), "c");

        // The son's e-mail joins him to the landline's customer; then the mother's order from home joins that to her.
        await _ingestor.IngestAsync([Incoming("4", 4, email: "taro@example.jp", phone: "0312345678")], null, Ct);
        await _ingestor.IngestAsync([Incoming("5", 5, email: "hanako@example.jp", phone: "0312345678")], null, Ct);

        var survivor = await CustomerOfAsync("5");
        Assert.Single(await ProfilesAsync());
        Assert.Equal(["a", "b", "c"], await _tags.OfAsync(survivor, Ct));
        Assert.Equal(["a", "b", "c"], (await AttachedAsync())[survivor.CustomerId]);
    }

    [Fact]
    public async Task An_undone_merge_gives_each_customer_the_tags_put_on_it_and_the_survivor_keeps_those_put_after()
    {
        await _ingestor.IngestAsync([Incoming("1", 1, email: "hanako@example.jp", phone: "03-1234-5678"), Incoming("2", 2, email: "taro@example.jp")], null, Ct);
        var mother = await CustomerOfAsync("1");
        var son = await CustomerOfAsync("2");
        await TagAsync(mother, "母");
        await TagAsync(son, "息子");
        await _ingestor.IngestAsync([Incoming("3", 3, email: "taro@example.jp", phone: "0312345678")], null, Ct);
        var survivor = await CustomerOfAsync("3");
        Assert.Equal(mother.CustomerId, survivor.CustomerId);
        await TagAsync(survivor, "要フォロー");
        Assert.Equal(["息子", "母", "要フォロー"], await _tags.OfAsync(survivor, Ct));

        Assert.True((await _corrections.UnmergeAsync(mother.CustomerId, son.CustomerId, Ct)).Done);

        Assert.Equal(["母", "要フォロー"], await _tags.OfAsync((await _store.GetAsync(mother.CustomerId, Ct))!, Ct));
        Assert.Equal(["息子"], await _tags.OfAsync((await _store.GetAsync(son.CustomerId, Ct))!, Ct));
        var attached = await AttachedAsync();
        Assert.Equal(["母", "要フォロー"], attached[mother.CustomerId]);
        Assert.Equal(["息子"], attached[son.CustomerId]);
    }
}
