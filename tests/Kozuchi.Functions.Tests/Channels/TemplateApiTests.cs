using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary><c>GET/PUT /api/templates/{id}</c>: templates as data, checked before they are stored.</summary>
public sealed class TemplateApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ChannelsHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await ChannelsHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<HttpResponseMessage> PutAsync(string id, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _h.Operator.PutAsync(new Uri("/api/templates/" + id, UriKind.Relative), content, Ct);
    }

    private async Task<JsonElement> GetAsync(string id) => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/templates/" + id, UriKind.Relative), Ct);

    [Fact]
    public async Task A_japanese_default_is_served_until_the_shop_saves_its_own_revision()
    {
        var builtIn = await GetAsync("first-order-thanks");
        Assert.True(builtIn.GetProperty("isDefault").GetBoolean());
        Assert.Contains("ご購入ありがとうございます", builtIn.GetProperty("template").GetProperty("email").GetProperty("subject").GetString(), StringComparison.Ordinal);

        var saved = await PutAsync("first-order-thanks", """{"email":{"subject":"{{ name }} 様、ありがとうございます","html":"<p>{{ name }} 様</p>","text":"{{ name }} 様"},"line":"{{ name }} 様"}""");

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var stored = await GetAsync("first-order-thanks");
        Assert.False(stored.GetProperty("isDefault").GetBoolean());
        Assert.Equal((1, 1), (stored.GetProperty("template").GetProperty("v").GetInt32(), stored.GetProperty("template").GetProperty("revision").GetInt32()));
        Assert.Equal("{{ name }} 様、ありがとうございます", stored.GetProperty("template").GetProperty("email").GetProperty("subject").GetString());
    }

    [Fact]
    public async Task A_template_that_does_not_parse_or_has_no_part_is_refused()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync("broken", """{"email":{"subject":"{{ name ","html":"x","text":"x"}}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync("empty", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync("bad%20id", """{"line":"x"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/templates/broken", UriKind.Relative), Ct)).StatusCode);
    }

    [Fact]
    public async Task An_edit_from_a_stale_revision_is_a_conflict_not_a_silent_overwrite()
    {
        Assert.Equal(HttpStatusCode.OK, (await PutAsync("tip", """{"line":"ひとつめ"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync("tip", """{"line":"ふたつめ","expectedRevision":1}""")).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await PutAsync("tip", """{"line":"みっつめ","expectedRevision":1}""")).StatusCode);
        Assert.Equal("ふたつめ", (await GetAsync("tip")).GetProperty("template").GetProperty("line").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Client.GetAsync(new Uri("/api/templates/tip", UriKind.Relative), Ct)).StatusCode);
    }
}
