using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Functions.Tests.Customers;

/// <summary>
/// Customer search through the API, as an operator on the phone with a customer uses it: by name, kana, e-mail, phone,
/// order id or customer id, typed any way the customer spells it; never a scan; never the text in a log.
/// </summary>
public sealed class CustomerSearchApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Taro = """{"source":"own","order_id":"A-1001","ordered_at":"2026-09-01T10:00:00+09:00","total":3980,"customer":{"email":"taro.yamada@example.jp","phone":"090-1234-5678","name":"山田 太郎","name_kana":"ヤマダ タロウ"},"lines":[{"sku":"KZ-1","name":"こづち 薬用ローション","price":3980}]}""";
    private const string TaroAgain = """{"source":"shop2","order_id":"77","ordered_at":"2026-09-20T10:00:00+09:00","total":1200,"customer":{"email":"t.yamada@example.jp","name":"山田 太郎"},"lines":[{"sku":"KZ-2","name":"青汁","price":1200}]}""";

    // The second shop's customer gives the phone number the first one knows: the two become one (a merge by phone).
    private const string TaroLinks = """{"source":"shop2","order_id":"78","ordered_at":"2026-09-25T10:00:00+09:00","total":800,"customer":{"email":"t.yamada@example.jp","phone":"09012345678","name":"山田 太郎"},"lines":[{"sku":"KZ-2","name":"青汁","price":800}]}""";
    private const string Hanako = """{"source":"own","order_id":"A-1002","ordered_at":"2026-09-02T10:00:00+09:00","total":2000,"customer":{"email":"hanako@example.jp","name":"山本 花子","name_kana":"ヤマモト ハナコ"},"lines":[{"sku":"KZ-3","name":"石鹸","price":2000}]}""";

    private readonly ConcurrentQueue<string> _logs = new();
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private HttpClient _client = null!;
    private HttpClient _operator = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage, configureServices: s => s.AddSingleton<ILoggerProvider>(new ListLogger(_logs)))
            .WithStartSettings()
            .WithSetting("Kozuchi:Webhooks:OrderSecret", IngestHarness.OrderSecret)
            .WithSetting("Kozuchi:Auth:OperatorKey", IngestHarness.OperatorKey)
            .WithSetting("Logging:LogLevel:Default", "Trace");
        _client = _app.CreateClient();
        _operator = _app.CreateClient();
        _operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", IngestHarness.OperatorKey);
        await DeliverAsync(Taro, Hanako, TaroAgain, TaroLinks);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _operator.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Theory]
    [InlineData("ＴＡＲＯ．ＹＡＭＡＤＡ＠Example.JP", "email")]
    [InlineData("t.yamada@example.jp", "email")]
    [InlineData("０９０ー１２３４ー５６７８", "phone")]
    [InlineData("+81 90-1234-5678", "phone")]
    [InlineData("A-1001", "order")]
    [InlineData("#77", "order")]
    [InlineData("shop2:77", "order")]
    public async Task An_identifier_typed_any_way_finds_the_one_customer_exactly(string text, string matchedBy)
    {
        var answer = await SearchAsync(text);

        Assert.True(answer.GetProperty("exact").GetBoolean());
        var hit = Assert.Single(answer.GetProperty("customers").EnumerateArray());
        Assert.Equal(matchedBy, hit.GetProperty("matchedBy").GetString());
        Assert.Equal("山田 太郎", hit.GetProperty("name").GetString());
        Assert.Equal(3, hit.GetProperty("frequency").GetInt32());
        Assert.Equal(5980m, hit.GetProperty("monetary").GetDecimal());
    }

    [Theory]
    [InlineData("山田", "name")]
    [InlineData("太郎", "name")]
    [InlineData("ヤマダタ", "kana")]
    [InlineData("やまだ　たろう", "kana")]
    [InlineData("ﾀﾛｳ", "kana")]
    public async Task A_name_or_kana_prefix_finds_the_customer_by_family_or_given_name(string text, string matchedBy)
    {
        var hits = (await SearchAsync(text)).GetProperty("customers").EnumerateArray().ToList();

        var taro = Assert.Single(hits, h => h.GetProperty("name").GetString() == "山田 太郎");
        Assert.Equal(matchedBy, taro.GetProperty("matchedBy").GetString());
        Assert.Equal("ヤマダ タロウ", taro.GetProperty("nameKana").GetString());
    }

    [Fact]
    public async Task A_shared_prefix_lists_every_customer_it_starts_and_a_customer_id_or_merged_id_finds_the_survivor()
    {
        var both = (await SearchAsync("ヤマ")).GetProperty("customers").EnumerateArray().Select(h => h.GetProperty("name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["山本 花子", "山田 太郎"], both);

        var taro = Assert.Single((await SearchAsync("山田太郎")).GetProperty("customers").EnumerateArray());
        var id = taro.GetProperty("customerId").GetString()!;
        var view = await _operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{id}", UriKind.Relative), Ct);
        var merged = Assert.Single(view.GetProperty("merges").EnumerateArray()).GetProperty("mergedCustomerId").GetString()!;
        foreach (var anyId in new[] { id.ToUpperInvariant(), merged })
        {
            var hit = Assert.Single((await SearchAsync(anyId)).GetProperty("customers").EnumerateArray());
            Assert.Equal((id, "id"), (hit.GetProperty("customerId").GetString(), hit.GetProperty("matchedBy").GetString()));
        }

        Assert.Empty((await SearchAsync("佐藤")).GetProperty("customers").EnumerateArray());
        Assert.Empty((await SearchAsync("nobody@example.jp")).GetProperty("customers").EnumerateArray());
    }

    [Fact]
    public async Task A_renamed_customer_is_found_by_the_new_name_and_no_longer_by_the_old_one()
    {
        await DeliverAsync("""{"source":"own","order_id":"A-1003","ordered_at":"2026-10-02T10:00:00+09:00","total":500,"customer":{"email":"hanako@example.jp","name":"鈴木 花子","name_kana":"スズキ ハナコ"}}""");

        Assert.Equal("鈴木 花子", Assert.Single((await SearchAsync("すずき")).GetProperty("customers").EnumerateArray()).GetProperty("name").GetString());
        Assert.Empty((await SearchAsync("山本")).GetProperty("customers").EnumerateArray());
    }

    [Fact]
    public async Task The_search_text_is_in_no_url_and_no_log_line()
    {
        _logs.Clear();
        foreach (var text in new[] { "taro.yamada@example.jp", "090-1234-5678", "山田", "ヤマダ" })
        {
            Assert.NotEmpty((await SearchAsync(text)).GetProperty("customers").EnumerateArray());
        }

        var logged = string.Join("\n", _logs);
        Assert.Contains("Customer search by", logged, StringComparison.Ordinal);
        foreach (var needle in new[] { "taro", "yamada", "1234", "山田", "ヤマダ", "やまだ" })
        {
            Assert.DoesNotContain(needle, logged, StringComparison.OrdinalIgnoreCase);
        }

        var get = await _operator.GetAsync(new Uri("/api/customers/search?q=taro", UriKind.Relative), Ct);
        Assert.NotEqual(HttpStatusCode.OK, get.StatusCode);
        var anonymous = await _client.PostAsJsonAsync(new Uri("/api/customers/search", UriKind.Relative), new { q = "山田" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var empty = await _operator.PostAsJsonAsync(new Uri("/api/customers/search", UriKind.Relative), new { q = " " }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task Erasing_a_customer_takes_their_names_out_of_the_index()
    {
        var id = Assert.Single((await SearchAsync("山田")).GetProperty("customers").EnumerateArray()).GetProperty("customerId").GetString()!;
        Assert.Contains(await IndexKeysAsync(), k => k.Contains(id, StringComparison.Ordinal));

        (await _operator.DeleteAsync(new Uri($"/api/customers/{id}", UriKind.Relative), Ct)).EnsureSuccessStatusCode();

        var keys = await IndexKeysAsync();
        Assert.DoesNotContain(keys, k => k.Contains(id, StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.Contains("やまだ", StringComparison.Ordinal) || k.Contains("山田", StringComparison.Ordinal) || k.Contains("たろう", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.Contains("やまもと", StringComparison.Ordinal));
        Assert.Empty((await SearchAsync("山田")).GetProperty("customers").EnumerateArray());
    }

    [Fact]
    public async Task Reindexing_customers_stored_before_the_index_makes_them_searchable()
    {
        var table = _storage.Clients.Table(StorageCatalog.Tables.CustomerSearch);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey != CustomerSearchIndex.SourcesPartition, cancellationToken: Ct))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, cancellationToken: Ct);
        }

        Assert.Empty((await SearchAsync("山本")).GetProperty("customers").EnumerateArray());
        var records = await _app.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(Ct).ToListAsync(Ct);
        await _app.Services.GetRequiredService<CustomerSearchIndex>().IndexAsync(records, Ct);

        Assert.Single((await SearchAsync("山本")).GetProperty("customers").EnumerateArray());
        Assert.Single((await SearchAsync("タロウ")).GetProperty("customers").EnumerateArray());
    }

    private async Task<List<string>> IndexKeysAsync() =>
        await _storage.Clients.Table(StorageCatalog.Tables.CustomerSearch).QueryAsync<TableEntity>(cancellationToken: Ct)
            .Select(e => Uri.UnescapeDataString(e.PartitionKey + "/" + e.RowKey)).ToListAsync(Ct);

    private async Task<JsonElement> SearchAsync(string q)
    {
        var response = await _operator.PostAsJsonAsync(new Uri("/api/customers/search", UriKind.Relative), new { q }, Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task DeliverAsync(params string[] orders)
    {
        foreach (var order in orders)
        {
            using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(order), _app.Time.GetUtcNow().ToUnixTimeSeconds(), IngestHarness.OrderSecret);
            Assert.True((await _client.SendAsync(request, Ct)).IsSuccessStatusCode);
            await _app.Functions.DrainAsync(StorageCatalog.Queues.OrdersIncoming, "ProcessOrders", Ct);
        }
    }

    /// <summary>Every log line the app writes, for the test to search.</summary>
    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            lines.Enqueue(formatter(state, exception));
        }

        public void Dispose()
        {
        }
    }
}
