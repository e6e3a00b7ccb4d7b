using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Customers;

/// <summary>The shop undoes a wrong merge, or splits a family member's orders off, through the API; it sticks.</summary>
public sealed class CustomerCorrectionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Mother = """{"source":"own","order_id":"1","ordered_at":"2026-09-01T10:00:00+09:00","total":1000,"customer":{"email":"hanako@example.jp","phone":"03-1234-5678"}}""";
    private const string SonByEmail = """{"source":"own","order_id":"2","ordered_at":"2026-09-05T10:00:00+09:00","total":2000,"customer":{"email":"taro@example.jp"}}""";
    private const string SonFromHome = """{"source":"own","order_id":"3","ordered_at":"2026-09-09T10:00:00+09:00","total":300,"customer":{"email":"taro@example.jp","phone":"0312345678"}}""";
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
