using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Customers;

/// <summary>
/// The shop undoes a wrong merge, or splits a family member's orders off, through the API; it sticks. Operator tags
/// follow: the survivor shows both customers' tags, the merged id answers with the survivor, a segment on a tag counts
/// the person once, a redelivered order changes nothing, and undoing the merge gives each customer its own tags back.
/// </summary>
public sealed class CustomerCorrectionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Mother = """{"source":"own","order_id":"1","ordered_at":"2026-09-01T10:00:00+09:00","total":1000,"customer":{"email":"hanako@example.jp","phone":"03-1234-5678"}}""";
    private const string SonByEmail = """{"source":"own","order_id":"2","ordered_at":"2026-09-05T10:00:00+09:00","total":2000,"customer":{"email":"taro@example.jp"}}""";
    private const string SonFromHome = """{"source":"own","order_id":"3","ordered_at":"2026-09-09T10:00:00+09:00","total":300,"customer":{"email":"taro@example.jp","phone":"0312345678"}}""";
    private const string FamilySegment = """{"schemaVersion":1,"id":"family","name":"家族","rule":{"type":"tag","tags":["家族","母","息子"]}}""";
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Undoing_a_merge_restores_both_customers_and_later_orders_keep_them_apart()
    {
        var ct = TestContext.Current.CancellationToken;
        await DeliverAsync(Mother, SonByEmail);
        await DeliverAsync(SonFromHome);
        var mother = await CustomerOfAsync("own:1");
        var merge = Assert.Single(mother.GetProperty("merges").EnumerateArray());
        var son = merge.GetProperty("mergedCustomerId").GetString()!;
        var motherId = mother.GetProperty("customerId").GetString()!;

        var undo = await _h.Operator.PostAsync(new Uri($"/api/customers/{motherId}/merges/{son}/undo", UriKind.Relative), null, ct);
        Assert.Equal(HttpStatusCode.OK, undo.StatusCode);

        var m = await GetAsync(motherId);
        var s = await GetAsync(son);
        Assert.Equal(motherId, m.GetProperty("customerId").GetString());
        Assert.Equal(son, s.GetProperty("customerId").GetString());
        Assert.Equal(["own:1"], Orders(m));
        Assert.Equal(["own:2", "own:3"], Orders(s));
        Assert.Empty(m.GetProperty("merges").EnumerateArray());
        Assert.Equal("Phone: +81*****5678", Assert.Single(m.GetProperty("separations").EnumerateArray()).GetProperty("sharedIdentifier").GetString());

        await DeliverAsync("""{"source":"own","order_id":"4","ordered_at":"2026-10-01T10:00:00+09:00","total":500,"customer":{"email":"taro@example.jp","phone":"03-1234-5678"}}""");
        Assert.Equal(["own:2", "own:3", "own:4"], Orders(await GetAsync(son)));
        var summary = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/summary", UriKind.Relative), ct);
        Assert.Equal((2, 3800m), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("revenue").GetDecimal()));

        var again = await _h.Operator.PostAsync(new Uri($"/api/customers/{motherId}/merges/{son}/undo", UriKind.Relative), null, ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Splitting_orders_off_makes_them_a_customer_of_their_own()
    {
        var ct = TestContext.Current.CancellationToken;
        await DeliverAsync(Mother);
        await DeliverAsync(SonFromHome); // attached to the mother by the landline
        var motherId = (await CustomerOfAsync("own:1")).GetProperty("customerId").GetString()!;
        Assert.Equal(["own:1", "own:3"], Orders(await GetAsync(motherId)));

        var split = await _h.Operator.PostAsJsonAsync(new Uri($"/api/customers/{motherId}/split", UriKind.Relative), new { orders = new[] { "own:3" } }, ct);
        Assert.Equal(HttpStatusCode.OK, split.StatusCode);
        var son = (await split.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("otherCustomerId").GetString()!;

        Assert.Equal(["own:1"], Orders(await GetAsync(motherId)));
        Assert.Equal(["own:3"], Orders(await GetAsync(son)));

        var bad = await _h.Operator.PostAsJsonAsync(new Uri($"/api/customers/{motherId}/split", UriKind.Relative), new { orders = new[] { "no-colon" } }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var all = await _h.Operator.PostAsJsonAsync(new Uri($"/api/customers/{motherId}/split", UriKind.Relative), new { orders = new[] { "own:1" } }, ct);
        Assert.Equal(HttpStatusCode.Conflict, all.StatusCode);
        var anonymous = await _h.Client.PostAsJsonAsync(new Uri($"/api/customers/{motherId}/split", UriKind.Relative), new { orders = new[] { "own:1" } }, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task After_a_merge_the_survivor_carries_both_customers_tags_once_and_an_undone_merge_gives_them_back()
    {
        await DeliverAsync(Mother, SonByEmail);
        var mother = (await CustomerOfAsync("own:1")).GetProperty("customerId").GetString()!;
        var son = (await CustomerOfAsync("own:2")).GetProperty("customerId").GetString()!;
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
        using (var onMerged = await _h.Operator.PutAsync(TagUri(son, "VIP"), null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Conflict, onMerged.StatusCode);
        }

        Assert.Equal(1, await SegmentMembersAsync());

        // The merging order delivered again, and the whole history once more: nothing lost, nothing twice.
        await DeliverAsync(SonFromHome);
        await DeliverAsync(Mother, SonByEmail, SonFromHome);
        Assert.Equal(["家族", "息子", "母"], Tags(await GetAsync(mother)));
        Assert.Equal(1, await SegmentMembersAsync());

        using (var removed = await _h.Operator.DeleteAsync(TagUri(mother, "家族"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(["息子", "母"], (await removed.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }

        await PutTagAsync(mother, "要フォロー");
        using (var undo = await _h.Operator.PostAsync(new Uri($"/api/customers/{mother}/merges/{son}/undo", UriKind.Relative), null, TestContext.Current.CancellationToken))
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
        using var response = await _h.Operator.PutAsync(TagUri(id, tag), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<int> SegmentMembersAsync()
    {
        using var response = await _h.Operator.PostAsync(new Uri("/api/segments", UriKind.Relative), new StringContent(FamilySegment, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("evaluation").GetProperty("members").GetInt32();
    }

    private static List<string> Orders(JsonElement view) =>
        [.. view.GetProperty("orders").EnumerateArray().Select(o => $"{o.GetProperty("source").GetString()}:{o.GetProperty("orderId").GetString()}").Order(StringComparer.Ordinal)];

    private async Task<JsonElement> GetAsync(string id) =>
        await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{id}", UriKind.Relative), TestContext.Current.CancellationToken);

    private async Task<JsonElement> CustomerOfAsync(string order)
    {
        var row = await _h.Storage.Clients.Table(Kozuchi.Storage.Infrastructure.StorageCatalog.Tables.Orders)
            .QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == order.Replace(':', '|'), cancellationToken: TestContext.Current.CancellationToken)
            .SingleAsync(TestContext.Current.CancellationToken);
        return await GetAsync(row.GetString("CustomerId"));
    }

    private async Task DeliverAsync(params string[] orders)
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var order in orders)
        {
            using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(order), _h.App.Time.GetUtcNow().ToUnixTimeSeconds(), IngestHarness.OrderSecret);
            Assert.True((await _h.Client.SendAsync(request, ct)).IsSuccessStatusCode);
        }

        await _h.DrainAsync(ct);
    }
}
