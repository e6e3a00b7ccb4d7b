using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Operations;
using Kozuchi.Testing;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Operations;

/// <summary>What 取込・エラー reads: imports of every path with their counts, webhooks by day, and why a message failed.</summary>
public sealed class OperationsPageApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> GetAsync(string path) => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/" + path, UriKind.Relative), Ct);

    [Fact]
    public async Task A_demo_load_from_the_cli_is_in_the_import_history_with_its_counts()
    {
        var loaded = await _h.App.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(30, 4, null, Ct);

        var run = Assert.Single((await GetAsync("operations/imports")).EnumerateArray());
        Assert.Equal(ImportPaths.Cli, run.GetProperty("path").GetString());
        Assert.Equal("demo", run.GetProperty("source").GetString());
        Assert.Equal(loaded, run.GetProperty("report").GetProperty("summary").GetProperty("rowsRead").GetInt32());
        Assert.Equal(loaded, run.GetProperty("report").GetProperty("created").GetInt32());
        Assert.Equal("ok", run.GetProperty("status").GetString());

        // Applied in process, no chunks: the API says all of it is stored and nothing pending (the page shows that as is).
        var progress = run.GetProperty("progress");
        Assert.Equal((loaded, loaded, 0), (progress.GetProperty("accepted").GetInt32(), progress.GetProperty("stored").GetInt32(), progress.GetProperty("pending").GetInt32()));
        Assert.Empty(progress.GetProperty("chunks").EnumerateArray());
    }

    [Fact]
    public async Task A_cli_run_that_failed_without_chunks_reports_no_progress_and_a_pull_none_either()
    {
        var log = _h.App.Services.GetRequiredService<ImportLog>();
        var at = _h.App.Time.GetUtcNow();
        await log.RecordAsync(new ImportRun { Id = log.NewRunId(), Path = ImportPaths.Cli, Source = "kozuchi", Name = "broken.csv", At = at, RowsRead = 10, OrdersAccepted = 10, Status = "failed", Error = "disk full" }, Ct);
        await log.RecordAsync(new ImportRun { Id = log.NewRunId(), Path = ImportPaths.Pull, Source = "shopify", Name = "pull-1", At = at, RowsRead = 3, OrdersAccepted = 3 }, Ct);

        var runs = (await GetAsync("operations/imports")).EnumerateArray().ToDictionary(r => r.GetProperty("file").GetString()!, StringComparer.Ordinal);
        Assert.Equal(JsonValueKind.Null, runs["broken.csv"].GetProperty("progress").ValueKind);
        Assert.Equal(JsonValueKind.Null, runs["pull-1"].GetProperty("progress").ValueKind);
    }

    [Fact]
    public async Task Webhook_deliveries_are_counted_by_shop_day_and_an_unreadable_one_says_why()
    {
        var good = Encoding.UTF8.GetBytes("""{"id":1001,"created_at":"2026-10-31T10:00:00+09:00","currency":"JPY","total_price":"1200","customer":{"id":5,"email":"a@example.com"},"line_items":[{"sku":"A","title":"A","quantity":1,"price":"1200"}]}""");
        Assert.True((await _h.PostShopifyOrderAsync(good, "w-1", Ct)).IsSuccessStatusCode);
        Assert.False((await _h.PostShopifyOrderAsync("not json"u8.ToArray(), "w-2", Ct)).IsSuccessStatusCode);

        var day = Assert.Single((await GetAsync("operations/webhooks")).EnumerateArray());
        Assert.Equal("2026-11-01", day.GetProperty("day").GetString());
        Assert.Equal(1, day.GetProperty("accepted").GetInt32());
        Assert.Equal(1, day.GetProperty("rejected").GetInt32());
        var rejection = Assert.Single(day.GetProperty("rejections").EnumerateArray());
        Assert.StartsWith("rejected/", rejection.GetProperty("blob").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(rejection.GetProperty("reason").GetString()!);
    }

    [Fact]
    public async Task A_failed_message_is_listed_with_its_reason_in_words_and_replay_forgets_the_reason()
    {
        const string body = """{"v":1,"kind":"kozuchi","blob":"webhooks/orders/missing.json"}""";
        await Assert.ThrowsAsync<FunctionFailedException>(() => _h.App.Functions.QueueAsync("ProcessOrders", body, dequeueCount: 5, cancellationToken: Ct));
        // The host moves the body to the poison queue after the last attempt.
        var poison = _h.Storage.Clients.PoisonQueue(StorageCatalog.Queues.OrdersIncoming);
        await poison.CreateIfNotExistsAsync(cancellationToken: Ct);
        await poison.SendMessageAsync(body, Ct);

        var group = Assert.Single((await GetAsync("operations/poison")).EnumerateArray(), g => g.GetProperty("approximateCount").GetInt32() > 0);
        Assert.Equal("注文の取り込み", group.GetProperty("label").GetProperty("japanese").GetString());
        var message = Assert.Single(group.GetProperty("sample").EnumerateArray());
        Assert.Contains("webhooks/orders/missing.json", message.GetProperty("description").GetProperty("japanese").GetString(), StringComparison.Ordinal);
        var reason = message.GetProperty("reason");
        Assert.Equal(5, reason.GetProperty("attempts").GetInt64());
        Assert.NotEmpty(reason.GetProperty("error").GetString()!);
        Assert.NotEmpty(reason.GetProperty("explanation").GetProperty("japanese").GetString()!);

        using var replay = await _h.Operator.PostAsync(new Uri($"/api/operations/poison/{StorageCatalog.Queues.OrdersIncoming}/replay", UriKind.Relative), null, Ct);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("moved").GetInt32());
        var failures = _h.App.Services.GetRequiredService<QueueFailures>();
        Assert.Empty(await failures.FindAsync(StorageCatalog.Queues.OrdersIncoming, [body], Ct));
    }

    [Fact]
    public void A_failure_message_is_kept_without_addresses_or_phone_numbers()
    {
        var masked = QueueFailures.Mask("customer hanako@example.com (090-1234-5678) could not be reached");
        Assert.DoesNotContain("hanako@example.com", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("1234", masked, StringComparison.Ordinal);
        Assert.Contains("could not be reached", masked, StringComparison.Ordinal);
    }
}
