using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Functions.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Customers;

/// <summary>
/// A family name many customers share (佐藤, 2 % of a shop): the list's first page is read, not every 佐藤 — about the
/// list's size in point reads, one index query — and every customer listed still has that name now.
/// </summary>
public sealed class CustomerNameSearchTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Satos = 40;

    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CustomerFinder Finder => _app.Services.GetRequiredService<CustomerFinder>();

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage).WithStartSettings();
        await IngestAsync(Enumerable.Range(0, Satos).Select(i => Order(i, "佐藤 " + Given(i), day: 1))
            .Concat(Enumerable.Range(Satos, 10).Select(i => Order(i, "鈴木 " + Given(i), day: 1))));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task A_shared_family_name_reads_one_index_page_and_about_the_list_size_in_customers()
    {
        using var log = new StorageRequestLog();

        var answer = await log.RecordAsync(() => Finder.SearchAsync("佐藤", 10, Ct));

        Assert.Equal(10, answer.Customers.Count);
        Assert.All(answer.Customers, h => Assert.StartsWith("佐藤 ", h.Name, StringComparison.Ordinal));
        Assert.Equal(10, answer.Customers.Select(h => h.CustomerId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(1, log.Queries(_storage.Names.Table(StorageCatalog.Tables.CustomerSearch)));
        var reads = log.PointReads(_storage.Names.Table(StorageCatalog.Tables.Customers));
        Assert.InRange(reads, 10, 12);
    }

    [Fact]
    public async Task Index_rows_left_by_renames_are_read_past_until_the_list_is_full_of_customers_still_so_named()
    {
        // 30 of the 40 佐藤 marry and become 高橋: their 佐藤 rows stay in the index, behind or among the others'.
        await IngestAsync(Enumerable.Range(0, 30).Select(i => Order(i, "高橋 " + Given(i), day: 2)));
        using var log = new StorageRequestLog();

        var answer = await log.RecordAsync(() => Finder.SearchAsync("佐藤", 10, Ct));

        var stillSato = Enumerable.Range(30, 10).Select(i => "佐藤 " + Given(i)).Order(StringComparer.Ordinal);
        Assert.Equal(stillSato, answer.Customers.Select(h => h.Name!).Order(StringComparer.Ordinal));
        // Each candidate is read once at most, however many of its tokens the prefix matches (佐藤, 佐藤名07).
        Assert.InRange(log.PointReads(_storage.Names.Table(StorageCatalog.Tables.Customers)), 10, Satos);
        Assert.Equal(30, (await Finder.SearchAsync("高橋", 100, Ct)).Customers.Count);
    }

    [Fact]
    public async Task A_page_larger_than_the_matches_lists_them_all_once()
    {
        var answer = await Finder.SearchAsync("佐藤", 100, Ct);

        Assert.Equal(Satos, answer.Customers.Count);
        Assert.Equal(Satos, answer.Customers.Select(h => h.CustomerId).Distinct(StringComparer.Ordinal).Count());
        Assert.All(answer.Customers, h => Assert.Equal(SearchMatch.Name, h.MatchedBy));
    }

    private static string Given(int i) => "名" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    private static IncomingOrder Order(int i, string name, int day) =>
        new(new Order
        {
            Key = new OrderKey("test", $"{i}-{day}"),
            OrderedAt = new DateTimeOffset(2026, 9, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 9, day, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = $"person{i}@example.jp", Name = name },
            Lines = [new OrderLine { Sku = "KZ-1", ProductName = "ローション", UnitPrice = 1000m }],
            Total = 1000m,
            Status = OrderStatus.Paid,
        }, null);

    private Task IngestAsync(IEnumerable<IncomingOrder> orders) =>
        _app.Services.GetRequiredService<OrderIngestor>().IngestAsync([.. orders], null, Ct);
}
