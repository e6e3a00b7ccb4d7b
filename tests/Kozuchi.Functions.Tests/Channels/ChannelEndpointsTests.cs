using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Kozuchi.Core.Identity;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Channels;

public sealed class ChannelEndpointsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ChannelsHarness _h = null!;
    private readonly UnsubscribeLinks _links = new(new UnsubscribeOptions { SigningKey = ChannelsHarness.UnsubscribeKey, BaseUrl = new Uri("https://kozuchi.example.jp") });

    public async ValueTask InitializeAsync() => _h = await ChannelsHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> OneClickAsync(string token)
    {
        using var content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
        return await _h.Client.PostAsync(new Uri("/api/unsubscribe?token=" + Uri.EscapeDataString(token), UriKind.Relative), content, Ct);
    }

    [Fact]
    public async Task A_one_click_unsubscribe_turns_email_consent_off()
    {
        var id = await _h.CustomerAsync("1", "hanako@example.jp");
        Assert.True((await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanEmail);

        var response = await OneClickAsync(_links.CreateToken(id, Channel.Email, _h.App.Time.GetUtcNow()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanEmail);
    }

    [Fact]
    public async Task Opening_the_link_only_asks_so_mail_scanners_unsubscribe_nobody()
    {
        var id = await _h.CustomerAsync("1", "hanako@example.jp");
        var token = _links.CreateToken(id, Channel.Email, _h.App.Time.GetUtcNow());

        var page = await _h.Client.GetStringAsync(new Uri("/api/unsubscribe?token=" + Uri.EscapeDataString(token), UriKind.Relative), Ct);

        Assert.Contains("<form method=\"post\">", page, StringComparison.Ordinal);
        Assert.True((await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanEmail);

        // The page's button posts the token as a form field.
        using var form = new FormUrlEncodedContent([new("token", token)]);
        Assert.Equal(HttpStatusCode.OK, (await _h.Client.PostAsync(new Uri("/api/unsubscribe", UriKind.Relative), form, Ct)).StatusCode);
        Assert.False((await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanEmail);
    }

    [Fact]
    public async Task A_forged_or_expired_link_unsubscribes_nobody()
    {
        var victim = await _h.CustomerAsync("1", "hanako@example.jp");
        var other = await _h.CustomerAsync("2", "taro@example.jp");
        var now = _h.App.Time.GetUtcNow();
        var parts = _links.CreateToken(other, Channel.Email, now).Split('.');
        parts[1] = Convert.ToBase64String(Encoding.UTF8.GetBytes(victim)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var forged = string.Join('.', parts);
        var foreign = new UnsubscribeLinks(new UnsubscribeOptions { SigningKey = "someone-elses-key" }).CreateToken(victim, Channel.Email, now);
        var expired = new UnsubscribeLinks(new UnsubscribeOptions { SigningKey = ChannelsHarness.UnsubscribeKey, Lifetime = TimeSpan.FromDays(1) }).CreateToken(victim, Channel.Email, now.AddDays(-2));

        foreach (var token in new[] { forged, foreign, expired, "garbage" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await OneClickAsync(token)).StatusCode);
        }

        Assert.True((await _h.Customers.GetAsync(victim, Ct))!.ToProfile().Reachability.CanEmail);
        Assert.True((await _h.Customers.GetAsync(other, Ct))!.ToProfile().Reachability.CanEmail);
    }

    private async Task<HttpResponseMessage> EventGridAsync(string body, string? key = ChannelsHarness.EventGridKey)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.Add("aeg-event-type", "Notification");
        var query = key is null ? string.Empty : "?key=" + Uri.EscapeDataString(key);
        return await _h.Client.PostAsync(new Uri("/api/webhooks/acs-email" + query, UriKind.Relative), content, Ct);
    }

    private static string DeliveryReport(string eventId, string recipient, string status) => $$"""
        [{"id":"{{eventId}}","topic":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/acs","subject":"sender/DoNotReply@mail.example.jp/message/op-1",
          "data":{"sender":"DoNotReply@mail.example.jp","recipient":"{{recipient}}","messageId":"op-1","status":"{{status}}","deliveryStatusDetails":{"statusMessage":"550 5.1.1 mailbox unavailable"},"deliveryAttemptTimeStamp":"2026-11-01T00:00:05Z"},
          "eventType":"Microsoft.Communication.EmailDeliveryReportReceived","dataVersion":"1.0","metadataVersion":"1","eventTime":"2026-11-01T00:00:06Z"}]
        """;

    [Fact]
    public async Task Event_grid_subscription_validation_is_answered_with_the_code()
    {
        var response = await EventGridAsync("""
            [{"id":"v1","topic":"t","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-11-01T00:00:00Z","metadataVersion":"1","dataVersion":"2"}]
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", json.GetProperty("validationResponse").GetString());
    }

    [Fact]
    public async Task Event_grid_calls_without_the_key_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await EventGridAsync(DeliveryReport("e1", "hanako@example.jp", "Bounced"), key: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await EventGridAsync(DeliveryReport("e1", "hanako@example.jp", "Bounced"), key: "wrong")).StatusCode);
    }

    [Fact]
    public async Task A_hard_bounce_suppresses_the_customers_email_and_a_delivery_does_not()
    {
        var bounced = await _h.CustomerAsync("1", "hanako@example.jp");
        var delivered = await _h.CustomerAsync("2", "taro@example.jp");

        Assert.Equal(HttpStatusCode.OK, (await EventGridAsync(DeliveryReport("e1", "Hanako@Example.jp", "Bounced"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await EventGridAsync(DeliveryReport("e2", "taro@example.jp", "Delivered"))).StatusCode);

        Assert.True((await _h.Customers.GetAsync(bounced, Ct))!.EmailSuppressed);
        Assert.False((await _h.Customers.GetAsync(bounced, Ct))!.ToProfile().Reachability.CanEmail);
        Assert.False((await _h.Customers.GetAsync(delivered, Ct))!.EmailSuppressed);
        var records = await _h.Events.DeliveriesAsync("op-1", Ct);
        Assert.Equal(["Bounced", "Delivered"], records.OrderBy(r => r.Status, StringComparer.Ordinal).Select(r => r.Status));
        Assert.Equal(bounced, records.Single(r => r.Status == "Bounced").CustomerId);
        Assert.DoesNotContain(records, r => r.RecipientHash.Contains('@', StringComparison.Ordinal));
        Assert.Equal(2, await RawCountAsync("webhooks/acs-email/"));
    }

    private async Task<int> RawCountAsync(string prefix)
    {
        var n = 0;
        await foreach (var _ in _h.Storage.Clients.Container(Kozuchi.Storage.Infrastructure.StorageCatalog.Containers.Raw).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, Ct))
        {
            n++;
        }

        return n;
    }

    [Fact]
    public async Task Cloud_events_abuse_protection_is_answered()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, new Uri("/api/webhooks/acs-email?key=" + ChannelsHarness.EventGridKey, UriKind.Relative));
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        var response = await _h.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", response.Headers.GetValues("WebHook-Allowed-Origin").Single());
    }

    private async Task<HttpResponseMessage> LineAsync(string body, string? secret = ChannelsHarness.LineSecret)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        if (secret is not null)
        {
            content.Headers.Add("x-line-signature", LineSignature.Sign(bytes, secret));
        }

        return await _h.Client.PostAsync(new Uri("/api/webhooks/line", UriKind.Relative), content, Ct);
    }

    private static string LineEvent(string type, string userId, string extra = "") =>
        $$"""{"destination":"U00000000000000000000000000000000","events":[{"type":"{{type}}","mode":"active","timestamp":1761955200000,"source":{"type":"user","userId":"{{userId}}"},"webhookEventId":"01J{{type}}","deliveryContext":{"isRedelivery":false}{{extra}}}]}""";

    [Fact]
    public async Task A_line_webhook_with_a_bad_signature_is_refused_and_an_empty_one_is_acknowledged()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await LineAsync("""{"destination":"U0","events":[]}""", secret: "wrong-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LineAsync("""{"destination":"U0","events":[]}""", secret: null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LineAsync("""{"destination":"U0","events":[]}""")).StatusCode);
    }

    [Fact]
    public async Task Account_linking_attaches_the_line_user_and_follow_events_keep_reachability()
    {
        const string lineUser = "U4af4980629a0f5c0e2e0b5c1c6d2e7f1";
        var id = await _h.CustomerAsync("1", "hanako@example.jp");

        var issued = await _h.Operator.PostAsJsonAsync(new Uri("/api/channels/line/link", UriKind.Relative), new { customerId = id, linkToken = "link-token-from-line" }, Ct);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var link = await issued.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var nonce = link.GetProperty("nonce").GetString()!;
        Assert.StartsWith("https://access.line.me/dialog/bot/accountLink?linkToken=link-token-from-line&nonce=", link.GetProperty("redirectUrl").GetString(), StringComparison.Ordinal);

        var linked = await LineAsync(LineEvent("accountLink", lineUser, $$""","replyToken":"r","link":{"result":"ok","nonce":"{{nonce}}"}"""));
        Assert.Equal(1, (await linked.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("linked").GetInt32());
        var customer = (await _h.Customers.FindByIdentityAsync(new IdentityKey(IdentityKind.LineUser, lineUser), Ct))!;
        Assert.Equal(id, customer.CustomerId);
        Assert.True(customer.ToProfile().Reachability.CanReach(Channel.Line));

        await LineAsync(LineEvent("unfollow", lineUser));
        Assert.False((await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanReach(Channel.Line));
        await LineAsync(LineEvent("follow", lineUser, ""","replyToken":"r","follow":{"isUnblocked":true}"""));
        Assert.True((await _h.Customers.GetAsync(id, Ct))!.ToProfile().Reachability.CanReach(Channel.Line));

        // The nonce is spent: replaying the event, or someone else presenting it, links nothing.
        var replay = await LineAsync(LineEvent("accountLink", "U99999999999999999999999999999999", $$""","replyToken":"r","link":{"result":"ok","nonce":"{{nonce}}"}"""));
        Assert.Equal(0, (await replay.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("linked").GetInt32());
        Assert.Null(await _h.Customers.FindByIdentityAsync(new IdentityKey(IdentityKind.LineUser, "U99999999999999999999999999999999"), Ct));
        Assert.Equal(4, await RawCountAsync("webhooks/line/"));
    }

    [Fact]
    public async Task Issuing_a_link_nonce_needs_the_operator()
    {
        var response = await _h.Client.PostAsJsonAsync(new Uri("/api/channels/line/link", UriKind.Relative), new { customerId = "c1", linkToken = "t" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_app_builds_its_provider_clients_from_settings_and_shares_one_send_budget_in_storage()
    {
        var services = _h.App.Services;
        var email = services.GetRequiredService<AcsEmailClient>();
        Assert.NotNull(services.GetRequiredService<LineMessagingClient>());
        Assert.Equal("acs-email:kozuchi-test.communication.azure.com", email.RateResource);
        Assert.IsType<Kozuchi.Storage.Channels.StorageSendRateLimiter>(services.GetRequiredService<Kozuchi.Core.Channels.ISendRateLimiter>());
        Assert.Same(services.GetRequiredService<AcsAuthentication>(), services.GetRequiredService<AcsAuthentication>());

        // SendsPerMinute = 12 from settings: the 13th send in the window is held without calling ACS.
        var limiter = services.GetRequiredService<Kozuchi.Core.Channels.ISendRateLimiter>();
        var limit = new Kozuchi.Core.Channels.RateLimit(12, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 12; i++)
        {
            Assert.True((await limiter.TryAcquireAsync(email.RateResource, limit, Ct)).Granted);
        }

        var held = await email.SendAsync(new EmailMessage("hanako@example.jp", null, "s", "<p>h</p>", "t"), new SendAttempt("k", _h.App.Time.GetUtcNow()), Ct);
        Assert.Equal(EmailSendStatus.Throttled, held.Status);
    }

    [Fact]
    public async Task A_dm_list_is_written_to_exports_in_shift_jis_with_its_cost_and_downloads()
    {
        var a = await _h.CustomerAsync("1", "hanako@example.jp");
        var noAddress = await _h.CustomerAsync("2", "taro@example.jp", address: null);

        var response = await _h.Operator.PostAsJsonAsync(new Uri("/api/exports/dm", UriKind.Relative), new
        {
            campaign = "dormant-2026-11",
            encoding = "shift_jis",
            template = "winback-dm-postcard",
            recipients = new[] { new { customerId = a, variant = "A" }, new { customerId = noAddress, variant = "B" }, new { customerId = "c-unknown", variant = "A" } },
        }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((1, 2, 84m, 84m), (summary.GetProperty("pieces").GetInt32(), summary.GetProperty("skipped").GetInt32(), summary.GetProperty("costPerPiece").GetDecimal(), summary.GetProperty("totalCost").GetDecimal()));

        var download = await _h.Operator.GetAsync(new Uri(summary.GetProperty("download").GetString()!, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var text = Encoding.GetEncoding(932).GetString(await download.Content.ReadAsByteArrayAsync(Ct));
        Assert.Contains($"{a},〒150-0001,東京都,渋谷区,神宮前1丁目2-3,,コーポ青山 101号室,佐藤 花子 様,A,青汁 30包,\"佐藤 花子 様\n\nご無沙汰しております。", text, StringComparison.Ordinal);
        Assert.Contains("以前ご愛用いただいた青汁 30包はいかがでしたでしょうか。", text, StringComparison.Ordinal);
        Assert.Contains("クーポンコード：DM500", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AOJIRU-30", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Client.GetAsync(new Uri(summary.GetProperty("download").GetString()!, UriKind.Relative), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/exports/nothing-here.csv", UriKind.Relative), Ct)).StatusCode);
    }

    [Fact]
    public async Task Call_results_make_refusers_do_not_call_and_the_next_call_list_leaves_them_out()
    {
        var keeps = await _h.CustomerAsync("1", "hanako@example.jp", phone: "090-1111-2222");
        var refuses = await _h.CustomerAsync("2", "taro@example.jp", phone: "090-3333-4444");
        var csv = $"顧客ID,結果,拒否理由,架電日時,担当者\r\n{keeps},購入,,2026/11/01 10:15,山田\r\n{refuses},拒否,架電拒否,2026/11/01 10:20,山田\r\nc-unknown,不在,,,\r\n";

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        var imported = await (await _h.Operator.PostAsync(new Uri("/api/channels/calls/results?batch=calls-2026-11-01", UriKind.Relative), content, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((2, 1, 1), (imported.GetProperty("imported").GetInt32(), imported.GetProperty("doNotCall").GetInt32(), imported.GetProperty("unknownCustomers").GetInt32()));
        Assert.Equal("Purchased", Assert.Single(await _h.Events.CallsAsync(keeps, Ct)).Outcome);

        var list = await (await _h.Operator.PostAsJsonAsync(new Uri("/api/exports/calls", UriKind.Relative), new
        {
            campaign = "休眠優良への架電 dormant-call",
            template = "call-script-dormant-vip",
            recipients = new[] { new { customerId = keeps, scriptVariant = "A" }, new { customerId = refuses, scriptVariant = "A" } },
        }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((1, 1), (list.GetProperty("written").GetInt32(), list.GetProperty("doNotCall").GetInt32()));
        // The file keeps the campaign's ASCII words, one '-' where the Japanese was (the list page shows the campaign).
        Assert.Matches(@"^calls-dormant-call-[0-9]{14}\.csv$", list.GetProperty("name").GetString());
        var text = await _h.Operator.GetStringAsync(new Uri(list.GetProperty("download").GetString()!, UriKind.Relative), Ct);
        // What the operator reads: the number as dialled, the name with 様, the last product by its name, the script for this customer.
        Assert.Contains($"{keeps},090-1111-2222,佐藤 花子 様,青汁 30包,", text, StringComparison.Ordinal);
        Assert.Contains("佐藤 花子 様のお電話でお間違いないでしょうか", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AOJIRU-30", text, StringComparison.Ordinal);
        Assert.DoesNotContain("090-3333-4444", text, StringComparison.Ordinal);
    }
}
