using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Customers;

/// <summary>
/// <c>PUT/DELETE /api/customers/{id}/tags/{tag}</c>: operator only, the tag checked and kept in NFKC form, at most 20 per
/// customer, idempotent both ways, shown in the customer view and read by a segment's <c>tag</c> rule.
/// </summary>
public sealed class CustomerTagApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OperatorKey = "operator-key-placeholder";
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private HttpClient _client = null!;
    private HttpClient _operator = null!;
    private List<string> _ids = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage).WithStartSettings().WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey);
        _client = _app.CreateClient();
        _operator = _app.CreateClient();
        _operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        await _app.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(30, 3, null, Ct);
        _ids = await _app.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(Ct)
            .Where(r => r.State == CustomerState.Active).Select(r => r.CustomerId).OrderBy(x => x, StringComparer.Ordinal).ToListAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _operator.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private static Uri Tag(string id, string tag) => new($"/api/customers/{Uri.EscapeDataString(id)}/tags/{Uri.EscapeDataString(tag)}", UriKind.Relative);

    private static async Task<string[]> TagsOf(HttpResponseMessage response) =>
        [.. (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];

    [Fact]
    public async Task A_tag_is_put_in_nfkc_form_once_shown_in_the_view_and_taken_off()
    {
        var id = _ids[0];
        using var first = await _operator.PutAsync(Tag(id, "ＶＩＰ"), null, Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(["VIP"], await TagsOf(first));
        using var again = await _operator.PutAsync(Tag(id, "VIP"), null, Ct);
        Assert.Equal(["VIP"], await TagsOf(again));
        using var second = await _operator.PutAsync(Tag(id, "要フォロー"), null, Ct);
        Assert.Equal(["VIP", "要フォロー"], await TagsOf(second));

        var view = await _operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{id}", UriKind.Relative), Ct);
        Assert.Equal(["VIP", "要フォロー"], view.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        using var removed = await _operator.DeleteAsync(Tag(id, "VIP"), Ct);
        Assert.Equal(["要フォロー"], await TagsOf(removed));
        using var removedAgain = await _operator.DeleteAsync(Tag(id, "VIP"), Ct);
        Assert.Equal(HttpStatusCode.OK, removedAgain.StatusCode);
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("a,b")]
    [InlineData("123456789012345678901234567890123")]
    public async Task A_tag_that_cannot_be_one_is_refused_with_the_reason(string tag)
    {
        using var response = await _operator.PutAsync(Tag(_ids[0], tag), null, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("A tag ", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await _app.Services.GetRequiredService<CustomerTagStore>().ForCustomerAsync(_ids[0], Ct));
    }

    [Fact]
    public async Task A_customer_carries_at_most_twenty_tags_and_only_operators_and_known_customers_are_answered()
    {
        var id = _ids[1];
        for (var i = 0; i < CustomerTags.MaxPerCustomer; i++)
        {
            using var ok = await _operator.PutAsync(Tag(id, $"t{i:D2}"), null, Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var tooMany = await _operator.PutAsync(Tag(id, "one-more"), null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        Assert.Equal(CustomerTags.MaxPerCustomer, (await _app.Services.GetRequiredService<CustomerTagStore>().ForCustomerAsync(id, Ct)).Count);

        using var anonymous = await _client.PutAsync(Tag(id, "vip"), null, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var nobody = await _operator.PutAsync(Tag("c-nobody", "vip"), null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
    }

    [Fact]
    public async Task A_segment_on_a_tag_has_the_tagged_active_customers_as_members()
    {
        foreach (var id in _ids.Take(3))
        {
            (await _operator.PutAsync(Tag(id, "卸"), null, Ct)).EnsureSuccessStatusCode();
        }

        (await _operator.PutAsync(Tag(_ids[3], "VIP"), null, Ct)).EnsureSuccessStatusCode();
        using var segment = await _operator.PostAsync(new Uri("/api/segments", UriKind.Relative),
            new StringContent("""{"schemaVersion":1,"id":"wholesale","name":"卸","rule":{"type":"and","rules":[{"type":"tag","tags":["卸"]},{"type":"not","rule":{"type":"tag","tags":["VIP"]}}]}}""", Encoding.UTF8, "application/json"), Ct);
        segment.EnsureSuccessStatusCode();
        var evaluation = (await segment.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("evaluation");
        Assert.Equal(3, evaluation.GetProperty("members").GetInt32());
        Assert.Equal(_ids.Take(3), evaluation.GetProperty("sample").EnumerateArray().Select(m => m.GetProperty("customerId").GetString()).Order(StringComparer.Ordinal));
    }
}
