using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Common;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>
/// A shop trying Kozuchi as <c>scripts/start</c> sets it up (local.settings.sample.json: email and LINE on the
/// sandbox): a preset activated, customers entering from cart webhooks, every message rendered into the outbox as it
/// would be sent, and results that count exactly those as sent (sandbox). The same shop in Azure with no provider
/// configured is refused at activation, with the reason.
/// </summary>
public sealed class SandboxEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Preset = "first-order-steps";
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"));

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static string PresetJson() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "presets", Preset + ".json"));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? json = null)
    {
        using var content = new StringContent(json ?? "", Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri("/api/" + path, UriKind.Relative), content, Ct);
    }

    private async Task<JsonElement> GetAsync(string path) => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/" + path, UriKind.Relative), Ct);

    private static byte[] Order(int n, string email, string name, string sku, string title, int price) => Encoding.UTF8.GetBytes($$"""
        {"id":{{9100 + n}},"name":"#{{9100 + n}}","email":"{{email}}","phone":null,"created_at":"2026-10-31T20:0{{n}}:00+09:00","updated_at":"2026-10-31T20:0{{n}}:00+09:00",
         "processed_at":"2026-10-31T20:0{{n}}:00+09:00","currency":"JPY","total_price":"{{price}}.00","financial_status":"paid","cancelled_at":null,
         "buyer_accepts_marketing":true,"test":false,"customer":{"id":{{7100 + n}},"email":"{{email}}","first_name":"{{name[3..]}}","last_name":"{{name[..2]}}","phone":null},
         "billing_address":{"name":"{{name}}","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-{{n}}","address2":"","phone":null},
         "line_items":[{"id":{{n}},"sku":"{{sku}}","title":"{{title}}","variant_title":null,"quantity":1,"price":"{{price}}.00"}],"refunds":[]}
        """);

    [Fact]
    public async Task A_preset_on_the_sandbox_renders_every_message_into_the_outbox_and_results_count_exactly_those_as_sent_sandbox()
    {
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(_h.Operator, "scenarios", PresetJson())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_h.Operator, $"scenarios/{Preset}/activate")).StatusCode);

        // Three first orders from the cart; one of the customers is a LINE friend by the time the thanks goes out.
        var customers = new[]
        {
            (Email: "hanako@example.jp", Name: "佐藤 花子", Sku: "KZ-SK-TRIAL", Title: "こづち 薬用ローション お試し7日間セット", Price: 1980),
            (Email: "taro@example.jp", Name: "鈴木 太郎", Sku: "KZ-AO-TRIAL", Title: "国産大麦若葉の青汁 お試し7包", Price: 980),
            (Email: "yumi@example.jp", Name: "髙橋 由美", Sku: "KZ-SK-LOT-1", Title: "こづち 薬用ローション 150mL", Price: 3980),
        };
        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            Assert.True((await _h.PostShopifyOrderAsync(Order(i + 1, c.Email, c.Name, c.Sku, c.Title, c.Price), $"wh-{i}", Ct)).IsSuccessStatusCode);
        }

        await _h.DrainAsync(Ct);
        await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);
        var store = _h.App.Services.GetRequiredService<CustomerStore>();
        var profiles = await store.ScanProfilesAsync(Ct).ToListAsync(Ct);
        Assert.Equal(3, profiles.Count);
        var ids = new List<string>();
        foreach (var c in customers)
        {
            ids.Add((await store.FindByIdentityAsync(new Kozuchi.Core.Identity.IdentityKey(Kozuchi.Core.Identity.IdentityKind.Email, c.Email), Ct))!.CustomerId);
        }

        await store.UpdateAsync(ids[2], r => r with { LineUserId = "U" + new string('a', 32), LineFollowing = true }, Ct);

        // Day 3, 10:00 in Tokyo: the sweep fires the thanks, and the send queues carry it out on the sandbox.
        _h.App.Time.SetUtcNow(new DateTimeOffset(2026, 11, 4, 1, 10, 0, TimeSpan.Zero));
        await _h.App.Functions.TimerAsync("ScenarioSweep", Ct);

        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.SendEmail, SendEmailFunction.Name, Ct));
        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.SendLine, SendLineFunction.Name, Ct));

        var outbox = await GetAsync($"outbox?scenario={Preset}");
        Assert.Equal(3, outbox.GetProperty("total").GetInt32());
        var messages = outbox.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["email", "email", "line"], messages.Select(m => m.GetProperty("channel").GetString()).Order());

        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            var entry = Assert.Single(messages, m => m.GetProperty("customerId").GetString() == ids[i]);
            var name = entry.GetProperty("name").GetString()!;
            var message = await GetAsync($"outbox/message?name={Uri.EscapeDataString(name)}");
            var ledgerKey = message.GetProperty("ledgerKey").GetString()!;
            Assert.StartsWith($"{Preset}.", ledgerKey, StringComparison.Ordinal);
            Assert.EndsWith(":thanks:1", ledgerKey, StringComparison.Ordinal);
            Assert.Equal(IdempotencyKeys.Uuid(ledgerKey).ToString(), message.GetProperty("idempotencyKey").GetString());
            var everything = message.GetRawText();
            Assert.DoesNotContain(c.Sku, everything, StringComparison.Ordinal);

            if (i < 2)
            {
                var email = message.GetProperty("email");
                Assert.Equal($"{c.Name} 様、ご購入ありがとうございます", email.GetProperty("subject").GetString());
                Assert.Equal(c.Email, email.GetProperty("to").GetString());
                Assert.Contains(c.Title, email.GetProperty("preheader").GetString(), StringComparison.Ordinal);
                Assert.Contains($"このたびはこづちストア（デモ）で{c.Title}をお買い上げいただき", email.GetProperty("text").GetString(), StringComparison.Ordinal);
                var unsubscribe = email.GetProperty("headers").GetProperty("List-Unsubscribe").GetString()!;
                Assert.StartsWith("<http://127.0.0.1:7071/api/unsubscribe?token=", unsubscribe, StringComparison.Ordinal);
                var link = unsubscribe[1..^1];
                Assert.Contains("配信停止: " + link, email.GetProperty("text").GetString(), StringComparison.Ordinal);
                Assert.Contains(System.Net.WebUtility.HtmlEncode(link), email.GetProperty("html").GetString(), StringComparison.Ordinal);
                Assert.Equal("List-Unsubscribe=One-Click", email.GetProperty("headers").GetProperty("List-Unsubscribe-Post").GetString());

                // The HTML is served as a sandboxed document of its own, as the customer's mail app would show it.
                var html = await _h.Operator.GetAsync(new Uri($"/api/outbox/html?name={Uri.EscapeDataString(name)}", UriKind.Relative), Ct);
                Assert.Equal(HttpStatusCode.OK, html.StatusCode);
                Assert.StartsWith("sandbox;", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
                Assert.Contains($"{c.Name} 様", await html.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

                // The link in the sandboxed mail is a real one: it unsubscribes the customer.
                var unsubscribed = await _h.Client.PostAsync(new Uri(new Uri(link).PathAndQuery, UriKind.Relative), null, Ct);
                Assert.True(unsubscribed.IsSuccessStatusCode);
                Assert.False((await store.GetAsync(ids[i], Ct))!.EmailOptIn);
            }
            else
            {
                var line = message.GetProperty("line");
                Assert.Equal("U" + new string('a', 32), line.GetProperty("to").GetString());
                Assert.StartsWith($"{c.Name} 様、このたびは{c.Title}をお買い上げいただき", line.GetProperty("messages")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(1, (await GetAsync($"outbox?customer={ids[i]}")).GetProperty("total").GetInt32());
        }

        var results = (await GetAsync($"scenarios/{Preset}/results")).GetProperty("results");
        var tally = results.GetProperty("tally");
        Assert.Equal(outbox.GetProperty("total").GetInt32(), tally.GetProperty("sandbox").GetInt32());
        Assert.Equal((0, 0, 0, 0), (tally.GetProperty("failed").GetInt32(), tally.GetProperty("pending").GetInt32(), results.GetProperty("sent").GetInt32(), tally.GetProperty("suppressedTotal").GetInt32()));
        Assert.Equal((3, 0m), (results.GetProperty("arms")[0].GetProperty("recipients").GetInt32(), results.GetProperty("cost").GetDecimal()));
    }

    [Fact]
    public async Task Without_a_provider_the_same_preset_is_refused_at_activation_with_the_missing_channels_and_stays_a_draft()
    {
        // As in Azure before ACS or LINE is configured: no provider setting, no ACS or LINE credentials.
        await using var production = await IngestHarness.StartAsync(azurite, app => app
            .WithSetting("Kozuchi:Channels:Email:Provider", null)
            .WithSetting("Kozuchi:Channels:Line:Provider", null));
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(production.Operator, "scenarios", PresetJson())).StatusCode);

        var refused = await PostAsync(production.Operator, $"scenarios/{Preset}/activate");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var channels = body.GetProperty("missing").GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!, c => c);
        Assert.Equal(["email", "line"], channels.Keys.Order());
        Assert.Contains("Kozuchi__Channels__Email__Provider", channels["email"].GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Equal(["thanks", "usage-tip", "f2-offer"], channels["email"].GetProperty("steps").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains("Kozuchi__Channels__Line__Provider", channels["line"].GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Empty(body.GetProperty("missing").GetProperty("templates").EnumerateArray());
        Assert.Contains(body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("message").GetString()!.StartsWith("Channel 'email' (steps thanks, usage-tip, f2-offer): no email provider is configured", StringComparison.Ordinal));

        var scenario = (await production.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/scenarios", UriKind.Relative), Ct))[0];
        Assert.Equal("Draft", scenario.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_scenario_naming_a_missing_template_or_part_is_not_stored_and_the_answer_lists_them()
    {
        var json = PresetJson().Replace("\"template\": \"usage-tip\"", "\"template\": \"usage-tip-v2\"", StringComparison.Ordinal)
            .Replace("\"channels\": [\"email\"], \"template\": \"f2-offer\"", "\"channels\": [\"email\", \"phone\"], \"template\": \"f2-offer\"", StringComparison.Ordinal);

        var response = await PostAsync(_h.Operator, "scenarios", json);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var missing = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("missing").GetProperty("templates").EnumerateArray()
            .ToDictionary(t => t.GetProperty("template").GetString()!, t => t);
        Assert.Equal(["f2-offer", "usage-tip-v2"], missing.Keys.Order());
        Assert.False(missing["usage-tip-v2"].GetProperty("exists").GetBoolean());
        Assert.Equal(["email", "line"], missing["usage-tip-v2"].GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.True(missing["f2-offer"].GetProperty("exists").GetBoolean());
        Assert.Equal(["phone"], missing["f2-offer"].GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Empty(await _h.Operator.GetFromJsonAsync<JsonElement[]>(new Uri("/api/scenarios", UriKind.Relative), Ct) ?? []);
    }
}
