using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.NextActions;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Segments;
using Kozuchi.Functions.Tests.Deploy;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>
/// The predictive API through HTTP over a generated shop: the shop's backtest, the predictive segment through every
/// path (store, preview, members, the bulk evaluator), the builder's attributes and 次の一手 — first on the segments'
/// history, then on a scenario's measured holdout uplift.
/// </summary>
public sealed class PredictiveApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;
    private IReadOnlyList<CustomerRecord> _records = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // Pages wait for the pass after every change: the assertions compare with what the tables say now.
        _h = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"));
        _records = PredictiveShop.Records(_h.App.Time.GetUtcNow());
        await PredictiveShop.WriteAsync(_h.App.Services.GetRequiredService<CustomerStore>(), _h.App.Services.GetRequiredService<ProfileSnapshots>(), _records, Ct);
    }

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private DateOnly Today => ShopTime.Tokyo.Today(_h.App.Time.GetUtcNow());

    private async Task<HttpResponseMessage> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _h.Operator.PostAsync(new Uri("/api/" + path, UriKind.Relative), content, Ct);
    }

    private async Task<JsonElement> GetAsync(string path) => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/" + path, UriKind.Relative), Ct);

    private static string Json(string file) => File.ReadAllText(RepositoryTools.PathOf(file.Split('/')));

    /// <summary>Today's predictions from the records alone: the same fit the pass makes, by the Core functions.</summary>
    private PredictionSet ExpectedPredictions()
    {
        var summaries = RepeatSummaries.FromCustomers(_records, Today, ShopTime.Tokyo).OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        return CustomerPredictions.ForDay(Today, summaries, ClvFit.Of(summaries, ClvFit.DefaultSampleLimit), ChurnRiskThresholds.Default);
    }

    [Fact]
    public async Task The_shops_backtest_splits_its_history_and_charts_predicted_beside_actual_by_repeat_count()
    {
        var answer = await GetAsync("reports/clv/backtest");

        var first = _records.SelectMany(r => r.Orders).Min(o => ShopTime.Tokyo.Today(o.OrderedAt));
        var split = BacktestSplit.Choose(first, Today)!;
        var backtest = answer.GetProperty("backtest");
        Assert.Equal(split.CalibrationEnd.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), backtest.GetProperty("calibrationEnd").GetString());
        Assert.Equal(split.HoldoutEnd.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), backtest.GetProperty("holdoutEnd").GetString());
        Assert.Equal("JPY", backtest.GetProperty("currency").GetString());

        // Counted independently: purchase days in the holdout of customers whose first purchase was before it.
        var actual = _records
            .Select(r => r.Orders.Select(o => ShopTime.Tokyo.Today(o.OrderedAt)).Distinct().ToList())
            .Where(days => days.Min() <= split.CalibrationEnd)
            .Sum(days => days.Count(d => d > split.CalibrationEnd && d <= split.HoldoutEnd));
        Assert.Equal(actual, backtest.GetProperty("actualHoldoutPurchases").GetInt32());
        var rows = backtest.GetProperty("byFrequency").EnumerateArray().ToList();
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7+"], rows.Select(r => r.GetProperty("label").GetString()));
        Assert.Equal(actual, rows.Sum(r => r.GetProperty("actual").GetInt32()));
        Assert.Equal(backtest.GetProperty("predictedHoldoutPurchases").GetDouble(), rows.Sum(r => r.GetProperty("predicted").GetDouble()), 6);
        Assert.False(string.IsNullOrEmpty(backtest.GetProperty("trust").GetProperty("statement").GetProperty("japanese").GetString()));
        Assert.Contains("52 週", answer.GetProperty("splitRule").GetProperty("japanese").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_vip_churn_segment_has_the_same_members_through_the_api_the_builder_preview_and_the_bulk_evaluator()
    {
        var expected = ExpectedPredictions();
        var profiles = _records.Select(r => r.ToProfile());
        var bulk = SegmentEvaluator.Members(
            SegmentJson.Parse(Json("scenarios/segments/vip-slipping.json")).Definition!.Rule,
            expected.Attach(profiles),
            new SegmentContext(_h.App.Time.GetUtcNow(), ShopTime.Tokyo)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(bulk);

        var stored = await PostAsync("segments", Json("scenarios/segments/vip-slipping.json"));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var evaluation = (await stored.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("evaluation");
        Assert.Equal(bulk.Count, evaluation.GetProperty("members").GetInt32());
        Assert.True(evaluation.GetProperty("readsPredictions").GetBoolean());

        var listed = new List<string>();
        string? after = null;
        do
        {
            var page = await GetAsync("segments/vip-slipping/members?limit=2" + (after is null ? "" : "&after=" + after));
            Assert.Equal(bulk.Count, page.GetProperty("total").GetInt32());
            listed.AddRange(page.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("customerId").GetString()!));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        Assert.Equal(bulk, listed);

        var preview = await PostAsync("segments/preview", """{ "rule": { "type": "and", "rules": [ { "type": "churnRisk", "bands": ["high"] }, { "type": "clvTop", "percent": 20 } ] } }""");
        var previewed = await preview.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(bulk.Count, previewed.GetProperty("members").GetInt32());
        Assert.Equal(bulk.Take(SegmentService.SampleSize), previewed.GetProperty("sample").EnumerateArray().Select(m => m.GetProperty("customerId").GetString()));
        var member = previewed.GetProperty("sample")[0];
        Assert.Equal("high", member.GetProperty("churnRisk").GetString());
        Assert.True(member.GetProperty("clvTopPercent").GetDouble() < 20);
        Assert.Equal((double)expected.Find(bulk[0])!.Clv12Months!.Value, member.GetProperty("clv12Months").GetDouble(), 2);
    }

    [Fact]
    public async Task The_builder_reads_the_rule_language_the_thresholds_and_what_top_n_percent_means_in_yen()
    {
        var attributes = await GetAsync("segments/attributes");

        var types = attributes.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("type").GetString()).ToList();
        Assert.Equal(SegmentRule.TypeNames.Order(StringComparer.Ordinal), types.Order(StringComparer.Ordinal));
        var churn = attributes.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "churnRisk");
        Assert.Equal("離脱リスク", churn.GetProperty("label").GetProperty("japanese").GetString());
        Assert.Equal(0.3, attributes.GetProperty("churnRiskThresholds").GetProperty("highBelow").GetDouble());
        Assert.Equal(0.6, attributes.GetProperty("churnRiskThresholds").GetProperty("mediumBelow").GetDouble());

        // Every bound reads in its own language (the English once said "at least (回)"); the predicted value's bounds
        // carry no unit, since the measure chosen decides it (the builder adds %, 回 or 円).
        var bounds = attributes.GetProperty("rules").EnumerateArray()
            .SelectMany(r => r.GetProperty("fields").EnumerateArray().Select(f => (Type: r.GetProperty("type").GetString(), Field: f)))
            .Where(x => x.Field.GetProperty("kind").GetString() == "number").ToList();
        Assert.NotEmpty(bounds);
        foreach (var (type, field) in bounds)
        {
            Assert.DoesNotMatch(@"[\p{IsCJKUnifiedIdeographs}\p{IsHiragana}\p{IsKatakana}]", field.GetProperty("label").GetProperty("english").GetString()!);
        }

        var predictedBounds = bounds.Where(x => x.Type == "predicted").Select(x => x.Field.GetProperty("label").GetProperty("japanese").GetString()).ToList();
        Assert.Equal(["下限", "上限"], predictedBounds);

        var expected = ExpectedPredictions();
        var bands = expected.BandCounts();
        var predictions = attributes.GetProperty("predictions");
        Assert.Equal(expected.Count, predictions.GetProperty("customers").GetInt32());
        Assert.Equal(bands[ChurnRisk.High], predictions.GetProperty("high").GetInt32());
        var top20 = attributes.GetProperty("clvTopCuts").EnumerateArray().Single(c => c.GetProperty("percent").GetDouble() == 20);
        Assert.Equal((double)expected.ClvCutFor(20)!.Value, top20.GetProperty("from").GetDouble(), 2);
        Assert.Equal("JPY", attributes.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task The_vip_preset_thanks_the_slipping_customers_at_once_and_puts_those_who_did_not_order_on_the_call_list_fourteen_days_on()
    {
        // As 次の一手 starts it: the segment saved, the scenario created from the preset and activated.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("segments", Json("scenarios/segments/vip-slipping.json"))).StatusCode);
        var members = (await GetAsync("segments/vip-slipping/members?limit=1000")).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("customerId").GetString()!).ToList();
        Assert.NotEmpty(members);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("scenarios", Json("scenarios/presets/vip-churn-prevention.json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("scenarios/vip-churn-prevention/activate", "")).StatusCode);

        // The daily run: everyone in the segment enters today; the treated get the LINE thank-you at once.
        await _h.App.Services.GetRequiredService<ScenarioTriggerRunner>().RunDailyAsync(Ct);
        await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);
        await _h.DrainAsync(StorageCatalog.Queues.SendLine, Kozuchi.Functions.Channels.SendLineFunction.Name, Ct);
        var enrolled = await _h.App.Services.GetRequiredService<EnrollmentStore>().ForScenarioAsync("vip-churn-prevention", activeOnly: false, Ct).ToListAsync(Ct);
        Assert.Equal(members.Order(StringComparer.Ordinal), enrolled.Select(e => e.CustomerId).Order(StringComparer.Ordinal));
        var treated = enrolled.Where(e => !e.HeldOut).Select(e => e.CustomerId).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(treated);
        var lists = _h.App.Services.GetRequiredService<Kozuchi.Storage.Channels.SendLists>();
        var day0 = ShopTime.Tokyo.Today(_h.App.Time.GetUtcNow());
        Assert.Empty(await lists.ReadAsync($"phone:{day0:yyyy-MM-dd}", Ct).ToListAsync(Ct));

        // Fourteen days on, after 10:00 in Tokyo, the wait ends; nobody ordered, and every treated customer can be
        // called: each is on that day's call list once, the held-out ones are not.
        _h.App.Time.Advance(TimeSpan.FromDays(14) + TimeSpan.FromHours(2));
        var day14 = ShopTime.Tokyo.Today(_h.App.Time.GetUtcNow());
        Assert.Equal(day0.AddDays(14), day14);
        await _h.App.Services.GetRequiredService<ScenarioWakeups>().SweepAsync(Ct);
        await _h.DrainAsync(StorageCatalog.Queues.SendCall, Kozuchi.Functions.Channels.SendCallFunction.Name, Ct);
        var called = await lists.ReadAsync($"phone:{day14:yyyy-MM-dd}", Ct).ToListAsync(Ct);
        Assert.Equal(treated, called.Select(c => c.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(called, c => Assert.Equal(("vip-churn-prevention", "vip-retention-call", "施策群"), (c.ScenarioId, c.Template, c.Arm)));

        // リスト出力 makes the day's file from it.
        using var export = await PostAsync("exports/calls", $$"""{"campaign":"vip","day":"{{day14:yyyy-MM-dd}}"}""");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var file = await export.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(treated.Count, file.GetProperty("written").GetInt32());
    }

    [Fact]
    public async Task Next_actions_rest_on_the_segments_history_until_a_preset_scenario_measures_its_uplift_against_a_holdout()
    {
        var plan = await GetAsync("reports/next-actions");
        var actions = plan.GetProperty("actions").EnumerateArray().ToList();
        Assert.InRange(actions.Count, 1, 5);
        Assert.Equal(Enumerable.Range(1, actions.Count), actions.Select(a => a.GetProperty("rank").GetInt32()));
        foreach (var action in actions)
        {
            Assert.True(File.Exists(RepositoryTools.PathOf("scenarios", "presets", action.GetProperty("presetId").GetString() + ".json")));
            Assert.True(action.GetProperty("members").GetInt32() > 0);
            Assert.NotEqual("holdoutUplift", action.GetProperty("basis").GetString());
            Assert.StartsWith("#/scenarios/new?preset=", action.GetProperty("draft").GetProperty("dashboardPath").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(action.GetProperty("why").GetProperty("english").GetString()));
        }

        // The dormant segment's past, counted here from the records: customers 90–179 days past their last order at the
        // end of the reference day, and what they bought in the 30 days after it.
        var dormant = actions.Single(a => a.GetProperty("id").GetString() == "dormant");
        var since = ActionAudiences.Since(Today, 30);
        var then = _records.Select(r => (Record: r, Days: r.Orders.Select(o => (Day: ShopTime.Tokyo.Today(o.OrderedAt), o.Net)).ToList()))
            .Where(x => x.Days.Any(d => d.Day <= since))
            .Where(x => since.DayNumber - x.Days.Where(d => d.Day <= since).Max(d => d.Day).DayNumber is >= 90 and <= 179)
            .ToList();
        var history = dormant.GetProperty("history");
        Assert.Equal(then.Count, history.GetProperty("members").GetInt32());
        Assert.Equal(then.Count(x => x.Days.Any(d => d.Day > since && d.Day <= since.AddDays(30))), history.GetProperty("converted").GetInt32());
        Assert.Equal("historicalConversion", dormant.GetProperty("basis").GetString());
        Assert.Contains("施策なし", dormant.GetProperty("why").GetProperty("japanese").GetString(), StringComparison.Ordinal);
        Assert.False(dormant.GetProperty("expectedIsIncremental").GetBoolean());

        // The vip action's audience is the vip segment's.
        var vip = await PostAsync("segments", Json("scenarios/segments/vip-slipping.json"));
        var vipMembers = (await vip.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("evaluation").GetProperty("members").GetInt32();
        Assert.Equal(vipMembers, actions.Single(a => a.GetProperty("id").GetString() == "vip-churn").GetProperty("members").GetInt32());

        // A pilot from the dormant preset, broadcast to the same segment with a half holdout; some of each side order.
        var segment = ActionCatalog.All.Single(c => c.Id == "dormant").Segment;
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("segments", SegmentJson.Write(segment))).StatusCode);
        var at = _h.App.Time.GetUtcNow().AddMinutes(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var pilot = $$"""
            {
              "schemaVersion": 1, "id": "dormant-reactivation-pilot", "version": 1,
              "trigger": { "type": "broadcast", "segmentId": "{{segment.Id}}", "at": "{{at}}" },
              "steps": [
                { "type": "split", "id": "split", "arms": [ { "name": "treated", "weight": 50, "next": "goal" } ], "holdout": { "weight": 50, "next": "goal-holdout" } },
                { "type": "goal", "id": "goal", "window": { "days": 30 }, "next": "mail" },
                { "type": "send", "id": "mail", "channels": ["email"], "template": "winback-coupon" },
                { "type": "goal", "id": "goal-holdout", "window": { "days": 30 } }
              ]
            }
            """;
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("scenarios", pilot)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("scenarios/dormant-reactivation-pilot/activate", "")).StatusCode);
        _h.App.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await _h.App.Services.GetRequiredService<ScenarioTriggerRunner>().RunBroadcastsAsync(Ct) > 0);
        await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);

        // The mails reach the sandbox provider: only customers a send reached count as treated in the uplift.
        await _h.DrainAsync(StorageCatalog.Queues.SendEmail, Kozuchi.Functions.Channels.SendEmailFunction.Name, Ct);

        var enrollments = new List<(string Customer, bool HeldOut)>();
        foreach (var customer in (await GetAsync("segments/" + segment.Id + "/members?limit=1000")).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("customerId").GetString()!))
        {
            foreach (var e in await _h.App.Services.GetRequiredService<ScenarioService>().EnrollmentsOfAsync(customer, Ct))
            {
                enrollments.Add((customer, e.HeldOut));
            }
        }

        var treated = enrollments.Where(e => !e.HeldOut).Select(e => e.Customer).ToList();
        var holdout = enrollments.Where(e => e.HeldOut).Select(e => e.Customer).ToList();
        Assert.True(treated.Count >= 20 && holdout.Count >= 10, $"{treated.Count} treated, {holdout.Count} held out");
        var n = 0;
        async Task OrderAsync(IEnumerable<string> customers)
        {
            _h.App.Time.Advance(TimeSpan.FromHours(2));
            foreach (var buyer in customers)
            {
                var order = $$$"""{"source":"own","order_id":"pilot-{{{n++}}}","ordered_at":"{{{_h.App.Time.GetUtcNow().AddHours(-1):O}}}","total":6000,"customer":{"email":"{{{PredictiveShop.Email(buyer)}}}"}}""";
                using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(order), _h.App.Time.GetUtcNow().ToUnixTimeSeconds(), IngestHarness.OrderSecret);
                Assert.True((await _h.Client.SendAsync(request, Ct)).IsSuccessStatusCode);
            }

            await _h.DrainAsync(Ct);
            await _h.DrainAsync(StorageCatalog.Queues.ScenarioEvents, "RouteScenarioEvents", Ct);
        }

        // Three quarters of the treated customers order within the goal window, one held-out customer does: the
        // holdout's rate and spend rest on one buyer, too few to quote (fewer than five on a side), and the card says so.
        await OrderAsync(treated.Take(treated.Count * 3 / 4).Concat(holdout.Take(1)));
        var early = (await GetAsync("reports/next-actions")).GetProperty("actions").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "dormant");
        Assert.Equal("historicalConversion", early.GetProperty("basis").GetString());
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"シナリオ「dormant-reactivation-pilot」のホールドアウト比較（対象 {treated.Count:N0} 人のうち購入 {treated.Count * 3 / 4:N0} 人、ホールドアウト {holdout.Count:N0} 人のうち購入 1 人）"), early.GetProperty("why").GetProperty("japanese").GetString(), StringComparison.Ordinal);
        Assert.Contains("too few", early.GetProperty("why").GetProperty("english").GetString(), StringComparison.Ordinal);

        // Four more held-out customers order: five bought and at least five did not on each side.
        await OrderAsync(holdout.Skip(1).Take(4));

        var results = await GetAsync("scenarios/dormant-reactivation-pilot/results");
        var measured = results.GetProperty("results").GetProperty("uplift").EnumerateArray().Single(u => u.GetProperty("treatment").GetString() == "all arms").GetProperty("uplift");
        var perCustomer = measured.GetProperty("revenuePerCustomerUplift");
        Assert.True(perCustomer.GetProperty("estimate").GetDouble() > 0);

        var after = (await GetAsync("reports/next-actions")).GetProperty("actions").EnumerateArray().ToList();
        var first = after[0];
        Assert.Equal("dormant", first.GetProperty("id").GetString());
        Assert.Equal("holdoutUplift", first.GetProperty("basis").GetString());
        Assert.True(first.GetProperty("expectedIsIncremental").GetBoolean());
        var uplift = first.GetProperty("uplift");
        Assert.Equal("dormant-reactivation-pilot", uplift.GetProperty("scenarioId").GetString());
        Assert.Equal(treated.Count, uplift.GetProperty("treated").GetInt32());
        Assert.Equal(holdout.Count, uplift.GetProperty("holdout").GetInt32());
        var reachable = first.GetProperty("reachable").GetInt32();
        var expected = first.GetProperty("expectedRevenue");
        Assert.Equal(reachable * perCustomer.GetProperty("estimate").GetDouble(), expected.GetProperty("estimate").GetDouble(), 6);
        Assert.Equal(reachable * perCustomer.GetProperty("lower").GetDouble(), expected.GetProperty("lower").GetDouble(), 6);
        Assert.Equal(reachable * perCustomer.GetProperty("upper").GetDouble(), expected.GetProperty("upper").GetDouble(), 6);
        Assert.Contains("dormant-reactivation-pilot", first.GetProperty("why").GetProperty("japanese").GetString(), StringComparison.Ordinal);
        // Both paths' goals are 30 days (read from the scenario's definition), and the window is said with the figure.
        Assert.Contains("目標期間 30 日", first.GetProperty("why").GetProperty("japanese").GetString(), StringComparison.Ordinal);
        Assert.Contains("上乗せ", first.GetProperty("expectedText").GetProperty("japanese").GetString(), StringComparison.Ordinal);
    }
}
