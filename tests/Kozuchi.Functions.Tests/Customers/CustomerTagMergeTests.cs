using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Customers;

/// <summary>
/// Operator tags through the API when identity resolution merges two customers: the survivor shows both customers'
/// tags, the merged id answers with the survivor, a segment on a tag counts the person once, a redelivered order
/// changes nothing, and undoing the merge gives each customer its own tags back.
/// </summary>
public sealed class CustomerTagMergeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Mother = """{"source":"own","order_id":"1","ordered_at":"2026-09-01T10:00:00+09:00","total":1000,"customer":{"email":"hanako@example.jp","phone":"03-1234-5678"}}""";
    private const string Son = """{"source":"own","order_id":"2","ordered_at":"2026-09-05T10:00:00+09:00","total":2000,"customer":{"email":"taro@example.jp"}}""";
    private const string SonFromHome = """{"source":"own","order_id":"3","ordered_at":"2026-09-09T10:00:00+09:00","total":300,"customer":{"email":"taro@example.jp","phone":"0312345678"}}""";
    private const string Segment = """{"schemaVersion":1,"id":"family","name":"家族","rule":{"type":"tag","tags":["家族","母","息子"]}}""";
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task After_a_merge_the_survivor_carries_both_customers_tags_once_and_an_undone_merge_gives_them_back()
    {
        await DeliverAsync(Mother, Son);
        var mother = await OwnerOfAsync("own:1");
        var son = await OwnerOfAsync("own:2");
        Assert.NotEqual(mother, son);
        await PutTagAsync(mother, "母");
        await PutTagAsync(mother, "家族");
        await PutTagAsync(son, "息子");
        await PutTagAsync(son, "家族");
        Assert.Equal(2, await SegmentMembersAsync());

        await DeliverAsync(SonFromHome);

        var survivor = await GetAsync(mother);
        Assert.Equal(son, Assert.Single(survivor.GetProperty("merges").EnumerateArray()).GetProperty("mergedCustomerId").GetString());
        Assert.Equal(["家族", "息子", "母"], Tags(survivor));
        var bySonsId = await GetAsync(son);
        Assert.Equal(mother, bySonsId.GetProperty("customerId").GetString());
        Assert.Equal(["家族", "息子", "母"], Tags(bySonsId));
        using (var onMerged = await _h.Operator.PutAsync(TagUri(son, "VIP"), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, onMerged.StatusCode);
        }

        Assert.Equal(1, await SegmentMembersAsync());

        // The merging order delivered again, and the whole history once more: nothing lost, nothing twice.
        await DeliverAsync(SonFromHome);
        await DeliverAsync(Mother, Son, SonFromHome);
        Assert.Equal(["家族", "息子", "母"], Tags(await GetAsync(mother)));
        Assert.Equal(1, await SegmentMembersAsync());

        using (var removed = await _h.Operator.DeleteAsync(TagUri(mother, "家族"), Ct))
        {
            Assert.Equal(["息子", "母"], (await removed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }

        await PutTagAsync(mother, "要フォロー");
        using (var undo = await _h.Operator.PostAsync(new Uri($"/api/customers/{mother}/merges/{son}/undo", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, undo.StatusCode);
        }

        Assert.Equal(["母", "要フォロー"], Tags(await GetAsync(mother)));
        Assert.Equal(["息子"], Tags(await GetAsync(son)));
        Assert.Equal(2, await SegmentMembersAsync());
    }

    private static Uri TagUri(string id, string tag) => new($"/api/customers/{id}/tags/{Uri.EscapeDataString(tag)}", UriKind.Relative);

    private static List<string?> Tags(JsonElement view) => [.. view.GetProperty("tags").EnumerateArray().Select(t => t.GetString())];

    private async Task PutTagAsync(string id, string tag)
    {
        using var response = await _h.Operator.PutAsync(TagUri(id, tag), null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<int> SegmentMembersAsync()
    {
        using var response = await _h.Operator.PostAsync(new Uri("/api/segments", UriKind.Relative), new StringContent(Segment, Encoding.UTF8, "application/json"), Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("evaluation").GetProperty("members").GetInt32();
    }

    private async Task<JsonElement> GetAsync(string id) =>
        await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{id}", UriKind.Relative), Ct);

    private async Task<string> OwnerOfAsync(string order)
    {
        var row = await _h.Storage.Clients.Table(Kozuchi.Storage.Infrastructure.StorageCatalog.Tables.Orders)
            .QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == order.Replace(':', '|'), cancellationToken: Ct)
            .SingleAsync(Ct);
        return row.GetString("CustomerId");
    }

    private async Task DeliverAsync(params string[] orders)
    {
        foreach (var order in orders)
        {
            using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(order), _h.App.Time.GetUtcNow().ToUnixTimeSeconds(), IngestHarness.OrderSecret);
            using var response = await _h.Client.SendAsync(request, Ct);
            Assert.True(response.IsSuccessStatusCode);
        }

        await _h.DrainAsync(Ct);
    }
}
