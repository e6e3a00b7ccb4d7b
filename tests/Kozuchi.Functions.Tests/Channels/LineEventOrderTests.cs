using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Kozuchi.Core.Identity;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>LINE follow/unfollow through the webhook: an event older than the newest already applied for the user changes nothing.</summary>
public sealed class LineEventOrderTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string LineUser = "U4af4980629a0f5c0e2e0b5c1c6d2e7f2";
    private const long T1 = 1761955200000;
    private const long T2 = T1 + 3_600_000;
    private const long T3 = T2 + 3_600_000;

    private ChannelsHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await ChannelsHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<JsonElement> LineAsync(string type, long timestamp, string extra = "")
    {
        var bytes = Encoding.UTF8.GetBytes($$"""{"destination":"U00000000000000000000000000000000","events":[{"type":"{{type}}","mode":"active","timestamp":{{timestamp}},"source":{"type":"user","userId":"{{LineUser}}"},"webhookEventId":"01J{{type}}{{timestamp}}","deliveryContext":{"isRedelivery":false}{{extra}}}]}""");
        using var content = new ByteArrayContent(bytes);
        content.Headers.Add("x-line-signature", LineSignature.Sign(bytes, ChannelsHarness.LineSecret));
        var response = await _h.Client.PostAsync(new Uri("/api/webhooks/line", UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<bool> CanLineAsync(string id) => (await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanReach(Channel.Line);

    [Fact]
    public async Task A_replayed_old_follow_after_an_unfollow_does_not_resubscribe_and_a_newer_one_does()
    {
        var id = await _h.CustomerAsync("1", "hanako@example.jp");
        var issued = await _h.Operator.PostAsJsonAsync(new Uri("/api/channels/line/link", UriKind.Relative), new { customerId = id, linkToken = "link-token" }, Ct);
        var nonce = (await issued.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("nonce").GetString();
        await LineAsync("accountLink", T1, $$""","replyToken":"r","link":{"result":"ok","nonce":"{{nonce}}"}""");
        Assert.Equal(id, (await _h.Customers.FindByIdentityAsync(new IdentityKey(IdentityKind.LineUser, LineUser), Ct))!.CustomerId);

        await LineAsync("unfollow", T2);
        var replayed = await LineAsync("follow", T1, ""","replyToken":"r","follow":{"isUnblocked":false}""");

        Assert.Equal((0, 1), (replayed.GetProperty("reachability").GetInt32(), replayed.GetProperty("ignored").GetInt32()));
        Assert.False(await CanLineAsync(id));

        await LineAsync("follow", T3, ""","replyToken":"r","follow":{"isUnblocked":true}""");
        Assert.True(await CanLineAsync(id));
    }
}
