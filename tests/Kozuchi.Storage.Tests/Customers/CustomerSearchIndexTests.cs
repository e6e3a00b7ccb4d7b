using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Storage.Tests.Customers;

/// <summary>
/// Customer search's name index on the webhook path: a batch of new customers with names of every first character
/// adds at most 16 entity-group transactions to the batch's requests (one per bucket), and a prefix is still found by
/// one range query; the earlier layout (a partition per first character) is found by erasure and removed by reindex.
/// </summary>
public sealed class CustomerSearchIndexTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string[] Families =
    [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水",
        "山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本",
    ];

    private static readonly string[] Givens = ["太郎", "花子", "健", "美咲", "翔太", "陽菜", "大輔", "さくら", "誠", "結衣"];

    private static readonly string[] Kanas = ["サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト", "ナカムラ", "コバヤシ", "カトウ"];

    private StorageScope _withIndex = null!;
    private StorageScope _withoutIndex = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _withIndex = await azurite.CreateScopeAsync();
        _withoutIndex = await azurite.CreateScopeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _withIndex.DisposeAsync();
        await _withoutIndex.DisposeAsync();
    }

    [Fact]
    public async Task A_batch_of_100_new_customers_writes_its_names_in_at_most_16_transactions_and_each_is_found_by_prefix()
    {
        IncomingOrder[] batch = [.. Enumerable.Range(0, 100).Select(Order)];
        var tokens = batch.SelectMany(o => CustomerSearch.NameTokens(new CustomerContact { Name = o.Order.Contact.Name, NameKana = o.Order.Contact.NameKana })).ToList();
        Assert.True(tokens.Select(t => t.Token[..1]).Distinct(StringComparer.Ordinal).Count() > 30, "the batch's names start with dozens of characters");

        // The same batch ingested into two empty stores, with and without the index: the difference is the index's.
        var search = new CustomerSearchIndex(_withIndex.Clients);
        var with = await CountAsync(Ingestor(_withIndex, search), batch);
        var without = await CountAsync(Ingestor(_withoutIndex, null), batch);

        Assert.InRange(with.Count - without.Count, 1, CustomerSearchIndex.Buckets + 1);
        Assert.InRange(with.Batches - without.Batches, 1, CustomerSearchIndex.Buckets);

        var rows = await _withIndex.Clients.Table(StorageCatalog.Tables.CustomerSearch).QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct);
        var nameRows = rows.Where(r => r.PartitionKey != CustomerSearchIndex.SourcesPartition).ToList();
        Assert.Equal(batch.Sum(o => CustomerSearch.NameTokens(new CustomerContact { Name = o.Order.Contact.Name, NameKana = o.Order.Contact.NameKana }).Select(t => t.Token).Distinct(StringComparer.Ordinal).Count()), nameRows.Count);
        Assert.InRange(nameRows.Select(r => r.PartitionKey).Distinct(StringComparer.Ordinal).Count(), 2, CustomerSearchIndex.Buckets);

        var store = new CustomerStore(_withIndex.Clients);
        foreach (var (prefix, expected) in new[] { ("佐藤", 3), ("佐", 6), ("さくら", 10), ("タカハシ", 10), ("ﾀｶ", 10) })
        {
            var normalised = CustomerSearch.Parse(prefix).NamePrefix!;
            var ids = await search.NamePrefixAsync(normalised, 100, Ct).Distinct().ToListAsync(Ct);
            var named = 0;
            foreach (var id in ids)
            {
                named += CustomerSearch.MatchName((await store.GetAsync(id, Ct))!.Contact, normalised) is null ? 0 : 1;
            }

            Assert.Equal((prefix, expected), (prefix, named));
        }
    }

    [Fact]
    public async Task Rows_of_the_earlier_layout_are_found_for_erasure_and_removed_by_reindexing()
    {
        var search = new CustomerSearchIndex(_withIndex.Clients);
        var table = _withIndex.Clients.Table(StorageCatalog.Tables.CustomerSearch);
        var record = new CustomerRecord { CustomerId = "c0123456789abcdef0123", CreatedAt = DateTimeOffset.UnixEpoch, Contact = new CustomerContact { Name = "山田 太郎" } };
        var tokens = CustomerSearch.NameTokens(record.Contact);
        foreach (var (_, token) in tokens)
        {
            await table.UpsertEntityAsync(new TableEntity("n" + TableKeys.Escape(token[..1]), TableKeys.Escape(token) + "|" + record.CustomerId) { ["CustomerId"] = record.CustomerId }, cancellationToken: Ct);
        }

        var legacy = await search.RowsOfAsync(tokens, new HashSet<string> { record.CustomerId }, Ct);
        Assert.Equal(tokens.Count, legacy.Count);
        Assert.All(legacy, r => Assert.StartsWith("n", r.Partition, StringComparison.Ordinal));

        await search.IndexAsync([record], Ct);
        Assert.Equal(tokens.Count * 2, (await search.RowsOfAsync(tokens, new HashSet<string> { record.CustomerId }, Ct)).Count);
        Assert.Equal(tokens.Count, await search.DeleteLegacyRowsAsync(Ct));

        var left = await search.RowsOfAsync(tokens, new HashSet<string> { record.CustomerId }, Ct);
        Assert.Equal(tokens.Count, left.Count);
        Assert.All(left, r => Assert.Equal(CustomerSearchIndex.Partition(r.Token), r.Partition));
        Assert.Equal([record.CustomerId], await search.NamePrefixAsync(CustomerSearch.Parse("山田").NamePrefix!, 10, Ct).Distinct().ToListAsync(Ct));
    }

    private static IncomingOrder Order(int i) =>
        new(new Order
        {
            Key = new OrderKey("test", i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            OrderedAt = new DateTimeOffset(2026, 9, 1, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 9, 1, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = $"person{i}@example.jp", Name = $"{Families[i % Families.Length]} {Givens[i % Givens.Length]}", NameKana = $"{Kanas[i % Kanas.Length]} {(i % 2 == 0 ? "タロウ" : "ハナコ")}" },
            Lines = [new OrderLine { Sku = "KZ-1", ProductName = "ローション", UnitPrice = 1000m }],
            Total = 1000m,
            Status = OrderStatus.Paid,
        }, null);

    private static OrderIngestor Ingestor(StorageScope scope, CustomerSearchIndex? search)
    {
        var store = new CustomerStore(scope.Clients);
        return new OrderIngestor(store, new ProfileSnapshots(scope.Clients, store), new FakeTimeProvider(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<OrderIngestor>.Instance, search: search);
    }

    private static async Task<(int Count, int Batches)> CountAsync(OrderIngestor ingestor, IncomingOrder[] batch)
    {
        using var log = new StorageRequestLog();
        await log.RecordAsync(() => ingestor.IngestAsync(batch, null, Ct));
        return (log.Requests.Count, log.Batches);
    }
}
