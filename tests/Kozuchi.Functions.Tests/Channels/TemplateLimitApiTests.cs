using System.Net;
using System.Text;
using System.Text.Json;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary><c>PUT /api/templates/{id}</c> renders the template for a sample customer first: past the rendering limits it is a 422 and nothing is stored.</summary>
public sealed class TemplateLimitApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ChannelsHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await ChannelsHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<HttpResponseMessage> PutAsync(string id, object template)
    {
        using var content = new StringContent(JsonSerializer.Serialize(template), Encoding.UTF8, "application/json");
        return await _h.Operator.PutAsync(new Uri("/api/templates/" + id, UriKind.Relative), content, Ct);
    }

    [Fact]
    public async Task A_template_looping_millions_of_times_is_refused_with_422_and_not_stored()
    {
        var response = await PutAsync("loop", new { line = "{% for i in (1..9000000) %}x{% endfor %}" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Liquid steps", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/templates/loop", UriKind.Relative), Ct)).StatusCode);
    }

    [Fact]
    public async Task A_template_doubling_a_text_to_megabytes_is_refused_with_422()
    {
        var doubling = "{% assign s = 'abcdefgh' %}{% for i in (1..25) %}{% assign s = s | append: s %}{% endfor %}{{ s }}";

        var response = await PutAsync("doubling", new { email = new { subject = "件名", html = "<p>x</p>", text = doubling } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("email:", body, StringComparison.Ordinal);
        Assert.Contains("262,144 characters", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ordinary_template_with_a_cart_loop_is_stored()
    {
        var response = await PutAsync("cart", new
        {
            email = new
            {
                subject = "{{ name }} 様、カートに商品が残っています",
                html = "<ul>{% for item in cart_items %}<li>{{ item.name }} × {{ item.quantity }}</li>{% endfor %}</ul>",
                text = "{% for item in cart_items %}{{ item.name }} × {{ item.quantity }}\n{% endfor %}",
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
