using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Scenarios;

/// <summary>The scenario builder's API: presets in both languages, a definition previewed before it is stored, the list, a scenario's enrolment gaps.</summary>
public sealed partial class ScenarioBuilderTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite, app => app.WithStartSettings().WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"));

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> GetAsync(string path) => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/" + path, UriKind.Relative), Ct);

    private async Task<HttpResponseMessage> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _h.Operator.PostAsync(new Uri("/api/" + path, UriKind.Relative), content, Ct);
    }

    private async Task<JsonElement> PreviewAsync(JsonNode definition)
    {
        using var response = await PostAsync("scenarios/builder/preview", definition.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<JsonObject> PresetAsync(string id) =>
        (JsonObject)JsonNode.Parse(Assert.Single((await GetAsync("scenarios/builder/presets")).EnumerateArray(), p => p.GetProperty("preset").GetProperty("id").GetString() == id).GetProperty("definition").GetRawText())!;

    [Fact]
    public async Task Every_preset_is_listed_with_its_japanese_and_english_name_description_and_trigger()
    {
        var presets = (await GetAsync("scenarios/builder/presets")).EnumerateArray().Select(p => p.GetProperty("preset")).ToList();
        var files = Directory.GetFiles(Deploy.RepositoryTools.PathOf("scenarios/presets"), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(files, presets.Select(p => p.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        var english = JsonNode.Parse(File.ReadAllText(Deploy.RepositoryTools.PathOf("scenarios/presets.en.json")))!["presets"]!.AsObject();
        Assert.Equal(files, english.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var p in presets)
        {
            var id = p.GetProperty("id").GetString();
            Assert.Matches(Japanese(), p.GetProperty("name").GetProperty("japanese").GetString()!);
            Assert.Matches(Japanese(), p.GetProperty("description").GetProperty("japanese").GetString()!);
            Assert.Equal((string?)english[id!]!["name"], p.GetProperty("name").GetProperty("english").GetString());
            Assert.DoesNotMatch(Japanese(), p.GetProperty("name").GetProperty("english").GetString()!);
            Assert.Matches(Japanese(), p.GetProperty("trigger").GetProperty("japanese").GetString()!);
            Assert.NotEmpty(p.GetProperty("templates").EnumerateArray());
        }

        var dormant = presets.Single(p => p.GetProperty("id").GetString() == "dormant-reactivation");
        Assert.Equal("最終購入から 90 日たった日 (毎日判定)", dormant.GetProperty("trigger").GetProperty("japanese").GetString());
        Assert.Equal(10, dormant.GetProperty("split").GetProperty("holdout").GetInt32());
    }

    [Fact]
    public async Task A_preset_broadcast_to_a_segment_is_previewed_with_who_enters_and_why_the_others_do_not()
    {
        await _h.App.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(120, 7, null, Ct);
        Assert.True((await PostAsync("segments", """{"schemaVersion":1,"id":"two-plus","name":"2回以上","rule":{"type":"frequency","min":2}}""")).IsSuccessStatusCode);
        var definition = await PresetAsync("dormant-reactivation");
        definition["id"] = "dormant-two-plus";
        definition["trigger"] = JsonNode.Parse("""{"type":"broadcast","segmentId":"two-plus","at":"2026-11-02T03:00:00Z"}""");

        var preview = await PreviewAsync(definition);

        Assert.True(preview.GetProperty("canActivate").GetBoolean(), preview.GetRawText());
        Assert.Equal("broadcast", preview.GetProperty("triggerType").GetString());
        Assert.Equal("セグメント「2回以上」の全員に 2026/11/02 12:00 に一斉配信", preview.GetProperty("trigger").GetProperty("japanese").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 3, 0, 0, TimeSpan.Zero), preview.GetProperty("nextRun").GetDateTimeOffset());

        // Independently: the active customers with two orders or more, and those neither LINE nor email reaches.
        var records = await _h.App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(Ct).Where(r => r.State == CustomerState.Active).Select(r => r.ToProfile()).ToListAsync(Ct);
        var members = records.Where(p => p.Frequency >= 2).ToList();
        var reachableIds = members.Where(p => p.Reachability.CanReach(Channel.Line) || p.Reachability.CanReach(Channel.Email)).Select(p => p.CustomerId).ToHashSet();
        var unreachable = members.Count - reachableIds.Count;
        Assert.InRange(unreachable, 1, members.Count - 1);
        var audience = preview.GetProperty("audience");
        Assert.Equal(members.Count, audience.GetProperty("candidates").GetInt32());
        var reasons = audience.GetProperty("reasons").EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r.GetProperty("count").GetInt32());
        Assert.Equal(members.Count, reasons.Values.Sum());
        Assert.Equal(unreachable, reasons.GetValueOrDefault("no-address") + reasons.GetValueOrDefault("no-consent") + reasons.GetValueOrDefault("unsubscribed"));
        Assert.Equal(members.Count - unreachable, audience.GetProperty("enter").GetInt32() + audience.GetProperty("holdout").GetInt32());
        var split = ScenarioJson.Parse(definition.ToJsonString()).Definition!.Steps.OfType<SplitStep>().Single();
        Assert.Equal(members.Count(p => reachableIds.Contains(p.CustomerId) && SplitAssignment.Assign(split, "dormant-two-plus", p.CustomerId) == SplitStep.HoldoutArm), audience.GetProperty("holdout").GetInt32());
        Assert.All(audience.GetProperty("sample").EnumerateArray(), m => Assert.NotEmpty(m.GetProperty("reachable").EnumerateArray()));
    }

    [Fact]
    public async Task A_missing_template_is_named_before_activation_and_activation_is_refused()
    {
        var definition = await PresetAsync("birthday");
        definition["id"] = "birthday-custom";
        foreach (var step in definition["steps"]!.AsArray().Where(s => (string?)s!["type"] == "send"))
        {
            step!["template"] = "no-such-template";
        }

        var preview = await PreviewAsync(definition);

        Assert.False(preview.GetProperty("canActivate").GetBoolean());
        var missing = Assert.Single(preview.GetProperty("missing").GetProperty("templates").EnumerateArray());
        Assert.Equal("no-such-template", missing.GetProperty("template").GetString());
        Assert.False(missing.GetProperty("exists").GetBoolean());
        Assert.Equal("daily", preview.GetProperty("audience").GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync("scenarios", definition.ToJsonString())).StatusCode);
    }

    [Fact]
    public async Task A_broadcast_that_went_out_says_who_entered_and_why_not_and_is_finished_once_its_enrolments_completed()
    {
        await _h.App.Services.GetRequiredService<Kozuchi.Functions.Demo.DemoLoader>().LoadAsync(80, 5, null, Ct);
        Assert.True((await PostAsync("segments", """{"schemaVersion":1,"id":"everyone","name":"全員","rule":{"type":"frequency","min":1}}""")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("scenarios", """
            {"schemaVersion":1,"id":"news","version":1,"name":"お知らせ","description":"全員へのお知らせ",
             "trigger":{"type":"broadcast","segmentId":"everyone","at":"2026-11-01T03:00:00Z"},
             "steps":[{"type":"send","id":"send","channels":["email"],"template":"segment-broadcast"}]}
            """)).StatusCode);
        Assert.True((await PostAsync("scenarios/news/activate", "")).IsSuccessStatusCode);
        var before = Assert.Single((await GetAsync("scenarios/builder/list")).EnumerateArray());
        Assert.False(before.GetProperty("finished").GetBoolean());
        Assert.Equal("全員へのお知らせ", before.GetProperty("description").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 3, 0, 0, TimeSpan.Zero), before.GetProperty("nextRun").GetDateTimeOffset());

        _h.App.Time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero));
        var enrolled = await _h.App.Services.GetRequiredService<ScenarioTriggerRunner>().RunBroadcastsAsync(Ct);
        await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);
        await _h.DrainAsync(StorageCatalog.Queues.SendEmail, Kozuchi.Functions.Channels.SendEmailFunction.Name, Ct);

        var audience = await GetAsync("scenarios/news/audience");
        var reasons = audience.GetProperty("reasons").EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r.GetProperty("count").GetInt32());
        var records = await _h.App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(Ct).Where(r => r.State == CustomerState.Active).Select(r => r.ToProfile()).Where(p => p.Frequency >= 1).ToListAsync(Ct);
        var emailable = records.Count(p => p.Reachability.CanReach(Channel.Email));
        Assert.Equal(records.Count, audience.GetProperty("candidates").GetInt32());
        Assert.Equal(emailable, reasons.GetValueOrDefault("enters"));
        Assert.Equal(records.Count - emailable, reasons.GetValueOrDefault("no-address") + reasons.GetValueOrDefault("no-consent") + reasons.GetValueOrDefault("unsubscribed"));
        // The broadcast reached every member; the router enrolled those an email can reach.
        Assert.Equal(records.Count, enrolled);
        Assert.Equal(emailable, audience.GetProperty("entered").GetInt64());

        var after = Assert.Single((await GetAsync("scenarios/builder/list")).EnumerateArray());
        Assert.True(after.GetProperty("finished").GetBoolean());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("nextRun").ValueKind);
        Assert.Equal(emailable, after.GetProperty("entered").GetInt64());
        Assert.Equal(emailable, after.GetProperty("sent").GetInt64());
    }

    [GeneratedRegex(@"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]")]
    private static partial Regex Japanese();
}
