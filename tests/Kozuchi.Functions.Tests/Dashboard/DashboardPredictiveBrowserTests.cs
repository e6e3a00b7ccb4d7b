using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// The predictive parts of the dashboard in real Chromium over a generated shop, read as the CRM manager reads them: the
/// overview's 次の一手 with its basis and counts and the shop's backtest (predicted beside actual by repeat count), and
/// the scenario builder opened as 次の一手's card opens it (the segment saved, then #/scenarios/new?preset=&amp;segment=),
/// previewing the segment's members with today's predictions — no console error, no policy violation.
/// </summary>
public sealed class DashboardPredictiveBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    private DashboardSession _session = null!;
    private IReadOnlyList<CustomerRecord> _records = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IPage Page => _session.Page;

    private DateOnly Today => ShopTime.Tokyo.Today(_session.App.Time.GetUtcNow());

    public async ValueTask InitializeAsync()
    {
        _session = await DashboardSession.StartAsync(azurite, browser, app => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"));
        _records = PredictiveShop.Records(_session.App.Time.GetUtcNow());
        var services = _session.App.Services;
        await PredictiveShop.WriteAsync(services.GetRequiredService<CustomerStore>(), services.GetRequiredService<ProfileSnapshots>(), _records, Ct);
    }

    public async ValueTask DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task The_overview_shows_next_steps_with_their_basis_and_counts_and_the_backtest_of_predicted_beside_actual()
    {
        await SignIn();

        var cards = Page.Locator("[data-testid='next-action']");
        await Assertions.Expect(cards.First).ToBeVisibleAsync();
        var count = await cards.CountAsync();
        Assert.InRange(count, 1, 5);
        for (var i = 0; i < count; i++)
        {
            await Assertions.Expect(cards.Nth(i).Locator("h3")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^{i + 1}\\. \\S"));
            Assert.Contains(await cards.Nth(i).Locator(".basis").TextContentAsync(), new[] { "この店舗での実測（ホールドアウト比較）", "過去の購買実績（施策なし）", "根拠なし" });
        }

        // The dormant card: who and how many, counted here from the records (last order 90–179 days ago in JST), and
        // why, said as what it is — the segment's own past, not a scenario's effect.
        var dormant = Page.Locator("[data-testid='next-action'][data-action='dormant']");
        var members = _records.Count(r => Today.DayNumber - r.Orders.Max(o => ShopTime.Tokyo.Today(o.OrderedAt)).DayNumber is >= 90 and <= 179);
        Assert.True(members > 0);
        await Assertions.Expect(dormant.Locator("[data-testid='who']")).ToContainTextAsync($"最終購入から 90〜179 日 — {members.ToString("N0", Ja)} 人");
        await Assertions.Expect(dormant.Locator(".basis")).ToHaveTextAsync("過去の購買実績（施策なし）");
        await Assertions.Expect(dormant.Locator("[data-testid='why']")).ToContainTextAsync("シナリオによる上乗せではなく");
        await Assertions.Expect(dormant.Locator("[data-testid='expected']")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("￥[0-9,]+（95% 区間 ￥[0-9,]+〜￥[0-9,]+）"));
        await Assertions.Expect(dormant.Locator("[data-testid='preset']")).ToHaveTextAsync("休眠掘り起こし（90日）");
        await Assertions.Expect(dormant.Locator("[data-testid='preset']")).ToHaveAttributeAsync("data-preset", "dormant-reactivation");

        // The backtest: one row per repeat count 0…6 and 7+, then the total; the actual holdout purchases counted here.
        var section = Page.Locator("[data-testid='backtest']");
        await section.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(section.GetByRole(AriaRole.Img, new() { Name = "検証期間の購入回数: 予測と実績（学習期間のリピート回数別）" })).ToBeVisibleAsync();
        var first = _records.SelectMany(r => r.Orders).Min(o => ShopTime.Tokyo.Today(o.OrderedAt));
        var split = BacktestSplit.Choose(first, Today)!;
        var actual = _records
            .Select(r => r.Orders.Select(o => ShopTime.Tokyo.Today(o.OrderedAt)).Distinct().ToList())
            .Where(days => days.Min() <= split.CalibrationEnd)
            .Sum(days => days.Count(d => d > split.CalibrationEnd && d <= split.HoldoutEnd));
        var rows = section.Locator("tbody tr");
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7+", "合計"], await rows.Locator("th").AllTextContentsAsync());
        await Assertions.Expect(rows.Last.Locator("td").Nth(2)).ToHaveTextAsync(actual.ToString("N0", Ja));
        // Predictions are expectations, read to one decimal in every row alike (a whole 32.0 once showed as "32").
        foreach (var cell in (await rows.Locator("td:nth-of-type(2)").AllTextContentsAsync()).SkipLast(1))
            Assert.Matches(@"^[0-9,]+\.[0-9]$", cell);
        // The predicted total carries its error against the actual: the sign of predicted − actual, the figure the trust
        // sentence gives.
        var total = (await rows.Last.Locator("td").Nth(1).TextContentAsync())!;
        var predicted = double.Parse(total.Split('（')[0], NumberStyles.Number, Ja);
        var error = total.Split('（')[1].TrimEnd('）');
        Assert.Equal(predicted >= actual ? '+' : '−', error[0]);
        await Assertions.Expect(section.Locator("[data-testid='trust']")).ToContainTextAsync($"（{error}）");
        await Assertions.Expect(section.Locator("[data-testid='trust']")).ToContainTextAsync(actual.ToString("N0", Ja));
        await Assertions.Expect(section).ToContainTextAsync($"学習期間 〜{split.CalibrationEnd:yyyy-MM-dd} / 検証期間 〜{split.HoldoutEnd:yyyy-MM-dd}");
        await Assertions.Expect(section.Locator("[data-testid='backtest-revenue']")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("予測 ￥[0-9,]+ / 実績 ￥[0-9,]+"));
        // The chart really drew (Chart.js sized its canvas), and in English the same figures read in English.
        Assert.True(await section.Locator("canvas").EvaluateAsync<int>("c => c.width") > 0);
        await Shot("overview-next-actions");
        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(Page.Locator("[data-testid='backtest'] h2")).ToHaveTextAsync("How far to trust the predictions (CLV backtest)");
        await Assertions.Expect(Page.Locator("[data-testid='next-action'][data-action='dormant'] .basis")).ToHaveTextAsync("Past purchases, without the scenario");
        await Assertions.Expect(Page.Locator("[data-testid='next-action'][data-action='dormant'] [data-testid='who']"))
            .ToHaveTextAsync($"Last order 90–179 days ago — {members.ToString("N0", CultureInfo.InvariantCulture)} customers ({await Reachable("dormant")} reachable)");
        Assert.True(_session.Problems.Count == 0, string.Join("\n", _session.Problems));
    }

    [Fact]
    public async Task Creating_a_next_step_opens_the_builder_on_its_preset_and_its_segment_with_the_members_the_card_counted()
    {
        await SignIn();

        // The card as the manager reads it: who and how many, which preset, on what basis.
        var card = Page.Locator("[data-testid='next-action'][data-action='dormant']");
        var members = _records.Count(r => Today.DayNumber - r.Orders.Max(o => ShopTime.Tokyo.Today(o.OrderedAt)).DayNumber is >= 90 and <= 179);
        var count = members.ToString("N0", Ja);
        await Assertions.Expect(card.Locator("[data-testid='who']")).ToContainTextAsync($"最終購入から 90〜179 日 — {count} 人");
        await Assertions.Expect(card.Locator("[data-testid='preset']")).ToHaveTextAsync("休眠掘り起こし（90日）");
        await Assertions.Expect(card.Locator(".basis")).ToHaveTextAsync("過去の購買実績（施策なし）");

        await card.GetByRole(AriaRole.Button, new() { Name = "プリセットからシナリオを作成" }).ClickAsync();

        // The builder, on that preset and that segment, by the names the card gave them.
        await Assertions.Expect(Page.Locator("[data-testid='scenario-builder']")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("シナリオを作成");
        await Assertions.Expect(Page.Locator("#scenario-preset option:checked")).ToHaveTextAsync("休眠掘り起こし（90日）");
        await Assertions.Expect(Page.Locator("[data-testid='preset-description']")).ToContainTextAsync("最終購入から90日の顧客に");
        await Assertions.Expect(Page.Locator("#scenario-segment option:checked")).ToHaveTextAsync("最終購入から 90〜179 日 (dormant-90-179)");
        await Assertions.Expect(Page.Locator("#scenario-name")).ToHaveValueAsync("休眠掘り起こし（90日） — 最終購入から 90〜179 日");
        await Assertions.Expect(Page.GetByRole(AriaRole.Link, new() { Name = "概要に戻る" })).ToBeVisibleAsync();
        // Who would enter now: the card's count, everyone in the segment (a broadcast to them by default).
        await Assertions.Expect(Page.Locator("[data-testid='scenario-preview'][data-state='ready']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(Page.Locator("[data-testid='preview-trigger']")).ToContainTextAsync("最終購入から 90〜179 日");
        await Assertions.Expect(Page.Locator("[data-testid='audience']")).ToContainTextAsync($"トリガーの対象 {count} 人のうち");
        await Shot("builder-from-next-step");

        // Back on the overview, the same card opens the same builder again (the segment is saved over, not refused).
        await Page.GetByRole(AriaRole.Link, new() { Name = "概要に戻る" }).ClickAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "プリセットからシナリオを作成" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#scenario-segment option:checked")).ToHaveTextAsync("最終購入から 90〜179 日 (dormant-90-179)");
        Assert.True(_session.Problems.Count == 0, string.Join("\n", _session.Problems));
    }

    [Fact]
    public async Task A_customer_page_shows_the_customers_predicted_ltv_in_yen_and_churn_risk_band_in_japanese()
    {
        // The day's predictions as the app fits them (every customer, in id order), worked out here from the records.
        var summaries = RepeatSummaries.FromCustomers(_records, Today, ShopTime.Tokyo).OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        var set = CustomerPredictions.ForDay(Today, summaries, ClvFit.Of(summaries, ClvFit.DefaultSampleLimit), ChurnRiskThresholds.Default);
        var (slipping, prediction) = set.All.Where(p => p.Prediction.ChurnRisk == ChurnRisk.High && p.Prediction.Clv12Months is not null)
            .OrderByDescending(p => p.Prediction.Clv12Months).First();
        var firstTimer = set.All.First(p => p.Prediction.ChurnRisk is null).CustomerId;
        await SignIn();

        await Page.EvaluateAsync("h => { location.hash = h; }", $"#/customers/{slipping}");
        var section = Page.Locator("[data-testid='prediction']");
        await Assertions.Expect(section.Locator("h2")).ToHaveTextAsync("予測（BG/NBD・Gamma-Gamma）");
        await Assertions.Expect(section.Locator("[data-testid='clv12']")).ToHaveTextAsync($"￥{Math.Round(prediction.Clv12Months!.Value, MidpointRounding.AwayFromZero).ToString("N0", Ja)}");
        await Assertions.Expect(section.Locator("[data-testid='churn-risk']")).ToHaveTextAsync("高");
        await Assertions.Expect(section.Locator("[data-testid='p-alive']")).ToHaveTextAsync($"{(prediction.ProbabilityAlive * 100).ToString("F1", CultureInfo.InvariantCulture)}%");
        await Assertions.Expect(section.Locator("[data-testid='expected-90']")).ToHaveTextAsync($"{Math.Round(prediction.ExpectedOrders90Days, 2).ToString("#,0.##", Ja)} 回");
        await Assertions.Expect(section.Locator("[data-testid='expected-365']")).ToHaveTextAsync($"{Math.Round(prediction.ExpectedOrders365Days, 2).ToString("#,0.##", Ja)} 回");
        await Assertions.Expect(section).ToContainTextAsync("30% 未満で高、60% 未満で中");
        await Assertions.Expect(section.Locator("[data-testid='clv-rank']")).ToHaveTextAsync(Rank(prediction.ClvTopPercent!.Value));
        await Shot("customer-prediction");

        // The lowest predicted CLV reads as near the bottom, not as "上位 9x%".
        var (lowest, low) = set.All.Where(p => p.Prediction.ClvTopPercent is not null).MaxBy(p => p.Prediction.ClvTopPercent)!;
        Assert.True(low.ClvTopPercent > 50);
        await Page.EvaluateAsync("h => { location.hash = h; }", $"#/customers/{lowest}");
        await Assertions.Expect(Page.Locator("[data-testid='prediction'] [data-testid='clv-rank']")).ToHaveTextAsync(Rank(low.ClvTopPercent!.Value));
        await Assertions.Expect(Page.Locator("[data-testid='prediction'] [data-testid='clv-rank']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^下位 [0-9.]+%$"));

        // A customer with one order: BG/NBD cannot say they lapsed, and the page says so instead of a band — and instead
        // of the model's P(alive) of 100.0%, which beside a first order long ago would read as certain to come back.
        await Page.EvaluateAsync("h => { location.hash = h; }", $"#/customers/{firstTimer}");
        await Assertions.Expect(Page.Locator("[data-testid='prediction'] [data-testid='churn-risk']")).ToHaveTextAsync("判定できません（2 回目の購入がまだありません）");
        await Assertions.Expect(Page.Locator("[data-testid='prediction'] [data-testid='p-alive']")).ToHaveTextAsync("判定できません（2 回目の購入がまだありません）");
        await Assertions.Expect(Page.Locator("[data-testid='prediction'] [data-testid='expected-365']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9.]+ 回$"));

        // A customer whose only order was free has no purchase the models read: the page says why, not that it will come.
        var at = _session.App.Time.GetUtcNow().AddDays(-200);
        var free = new CustomerRecord
        {
            CustomerId = "free-order",
            CreatedAt = at,
            Orders = [new OrderSummary(new Kozuchi.Core.Orders.OrderKey("test", "free-1"), at, at, true, 0m, ["SKU-1"], false)],
            Contact = new CustomerContact { Email = "free-order@example.jp" },
        };
        var services = _session.App.Services;
        await PredictiveShop.WriteAsync(services.GetRequiredService<CustomerStore>(), services.GetRequiredService<ProfileSnapshots>(), [free], Ct);
        await Page.EvaluateAsync("h => { location.hash = h; }", "#/customers/free-order");
        await Assertions.Expect(Page.Locator("[data-testid='customer-prediction']")).ToContainTextAsync("この顧客には予測がありません。予測は金額のある購入（キャンセル・全額返金・0 円の注文を除く", new() { Timeout = 30_000 });
        await Assertions.Expect(Page.Locator("[data-testid='customer-prediction']")).Not.ToContainTextAsync("計算されます");
        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(Page.Locator("[data-testid='customer-prediction']")).ToContainTextAsync("No prediction for this customer: predictions are computed from purchases with a value");
        Assert.True(_session.Problems.Count == 0, string.Join("\n", _session.Problems));
    }

    [Fact]
    public async Task The_segment_builder_counts_high_churn_risk_in_the_top_clv_as_the_api_does_takes_p_alive_in_percent_and_says_in_japanese_what_a_range_lacks()
    {
        using var http = Api();
        async Task<int> Members(string rule)
        {
            using var response = await http.PostAsync(new Uri("/api/segments/preview", UriKind.Relative), new StringContent($$"""{"rule":{{rule}}}""", System.Text.Encoding.UTF8, "application/json"), Ct);
            response.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("members").GetInt32();
        }

        const string Top20 = """{"type":"clvTop","percent":20}""";
        await SignIn();
        await Page.EvaluateAsync("h => { location.hash = h; }", "#/segments");
        var rows = Page.Locator("[data-testid='rule-row']");
        var count = Page.Locator("[data-testid='segment-count']");
        var members = Page.Locator("[data-testid='segment-members']");
        await Assertions.Expect(count).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 30_000 });

        // 離脱リスク 高 AND 予測 CLV 上位 20%, built with the controls: the count the API gives for the same rule.
        await rows.Nth(0).Locator("[data-testid='rule-type']").SelectOptionAsync("churnRisk");
        await rows.Nth(0).Locator("label.check", new() { HasText = "高" }).Locator("input").CheckAsync();
        await Page.Locator("[data-testid='add-rule']").ClickAsync();
        await rows.Nth(1).Locator("[data-testid='rule-type']").SelectOptionAsync("clvTop");
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「予測 CLV 上位」の上位（%）を指定すると人数を数えます。");
        var percent = rows.Nth(1).Locator("input[data-field='percent']");
        await percent.FillAsync("0");
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「予測 CLV 上位」の上位（%）は 0 より大きく 100 以下で入力してください。");
        await percent.FillAsync("20");
        var vip = await Members($$"""{"type":"and","rules":[{"type":"churnRisk","bands":["high"]},{{Top20}}]}""");
        Assert.True(vip > 0);
        await Assertions.Expect(members).ToHaveTextAsync($"{vip.ToString("N0", Ja)} 人");

        // 予測値 on P(alive): without a bound it says so in Japanese (not the API's 400 in English, no console error);
        // the bound reads and is typed in %, as every page shows P(alive): 30 means 30 %, not everyone below 30.
        var predicted = rows.Nth(0);
        await predicted.Locator("[data-testid='rule-type']").SelectOptionAsync("predicted");
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「予測値」の下限か上限を入力すると人数を数えます。");
        await Assertions.Expect(predicted.GetByLabel("上限（%）")).ToBeVisibleAsync();
        await predicted.GetByLabel("上限（%）").FillAsync("30");
        var slipping = await Members($$"""{"type":"and","rules":[{"type":"predicted","measure":"probabilityAlive","max":0.3},{{Top20}}]}""");
        Assert.NotEqual(await Members($$"""{"type":"and","rules":[{"type":"predicted","measure":"probabilityAlive","max":30},{{Top20}}]}"""), slipping);
        await Assertions.Expect(members).ToHaveTextAsync($"{slipping.ToString("N0", Ja)} 人");
        await predicted.GetByLabel("下限（%）").FillAsync("50");
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「予測値」の下限が上限より大きくなっています。");
        await predicted.GetByLabel("下限（%）").FillAsync("");
        await predicted.GetByLabel("上限（%）").FillAsync("130");
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「予測値」の購入継続確率 P(alive) は 0〜100% の範囲で入力してください。");

        // Another measure starts its bounds afresh, in its own unit: expected orders in 365 days, then predicted CLV in yen.
        await predicted.Locator("select[data-field='measure']").SelectOptionAsync("expectedOrders365Days");
        await Assertions.Expect(predicted.GetByLabel("下限（回）")).ToHaveValueAsync("");
        await predicted.GetByLabel("下限（回）").FillAsync("1.5");
        var orders = await Members($$"""{"type":"and","rules":[{"type":"predicted","measure":"expectedOrders365Days","min":1.5},{{Top20}}]}""");
        await Assertions.Expect(members).ToHaveTextAsync($"{orders.ToString("N0", Ja)} 人");
        await predicted.Locator("select[data-field='measure']").SelectOptionAsync("expectedValue");
        await predicted.GetByLabel("下限（円）").FillAsync("10000");
        var valuable = await Members($$"""{"type":"and","rules":[{"type":"predicted","measure":"expectedValue","min":10000},{{Top20}}]}""");
        await Assertions.Expect(members).ToHaveTextAsync($"{valuable.ToString("N0", Ja)} 人");
        await Shot("segment-builder-predicted");

        // Saved, the rule holds P(alive) as the API reads it (0–1); opened again, the builder shows it in % again.
        await predicted.Locator("select[data-field='measure']").SelectOptionAsync("probabilityAlive");
        await predicted.GetByLabel("上限（%）").FillAsync("30");
        await Assertions.Expect(members).ToHaveTextAsync($"{slipping.ToString("N0", Ja)} 人");
        await Page.Locator("#segment-name").FillAsync("上位20%で離れかけ");
        await Page.Locator("#segment-id").FillAsync("top-slipping");
        await Page.Locator("[data-testid='segment-save'] button[type='submit']").ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='segment-saved']")).ToHaveTextAsync($"「上位20%で離れかけ」を保存しました ({slipping.ToString("N0", Ja)} 人)");
        var stored = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/segments", UriKind.Relative), Ct)).RootElement
            .EnumerateArray().Single(x => x.GetProperty("id").GetString() == "top-slipping").GetProperty("rule").GetProperty("rules")[0];
        Assert.Equal(0.3, stored.GetProperty("max").GetDouble(), 9);
        await Page.EvaluateAsync("h => { location.hash = h; }", "#/segments?id=top-slipping");
        await Assertions.Expect(Page.Locator("[data-testid='rule-row']").Nth(0).GetByLabel("上限（%）")).ToHaveValueAsync("30");

        // In English the bounds say their unit in English.
        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(Page.Locator("[data-testid='rule-row']").Nth(0).GetByLabel("at most (%)")).ToHaveValueAsync("30");
        await Assertions.Expect(members).ToHaveTextAsync($"{slipping.ToString("N0", CultureInfo.InvariantCulture)} customers");
        Assert.True(_session.Problems.Count == 0, string.Join("\n", _session.Problems));
    }

    [Fact]
    public async Task The_segment_builders_sample_reads_every_predictive_column_and_the_rules_typed_survive_a_change_of_language()
    {
        using var http = Api();
        using var response = await http.PostAsync(new Uri("/api/segments/preview", UriKind.Relative),
            new StringContent("""{"rule":{"type":"and","rules":[{"type":"churnRisk","bands":["high"]},{"type":"clvTop","percent":20}]}}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        response.EnsureSuccessStatusCode();
        var vip = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("members").GetInt32();
        Assert.True(vip > 0);
        await SignIn();
        await Page.EvaluateAsync("h => { location.hash = h; }", "#/segments");
        var rows = Page.Locator("[data-testid='rule-row']");
        var members = Page.Locator("[data-testid='segment-members']");
        await Assertions.Expect(Page.Locator("[data-testid='segment-count']")).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 30_000 });
        await rows.Nth(0).Locator("[data-testid='rule-type']").SelectOptionAsync("churnRisk");
        await rows.Nth(0).Locator("label.check", new() { HasText = "高" }).Locator("input").CheckAsync();
        await Page.Locator("[data-testid='add-rule']").ClickAsync();
        // A new condition starts as an RFM cell with no score: said in Japanese, not sent for the API's 400 (which, once
        // the next click took longer than the count's 300 ms delay, failed this test with a console error).
        await Assertions.Expect(Page.Locator("[data-testid='segment-incomplete']")).ToHaveTextAsync("「RFM セル」のR スコア（1〜5）・F スコア（1〜5）のいずれかを指定すると人数を数えます。");
        await rows.Nth(1).Locator("[data-testid='rule-type']").SelectOptionAsync("clvTop");
        await rows.Nth(1).Locator("input[data-field='percent']").FillAsync("20");
        await Assertions.Expect(members).ToHaveTextAsync($"{vip.ToString("N0", Ja)} 人");

        // The sample in the narrow side panel: its predictive columns, the last one included, are read by scrolling the
        // table inside the panel (the panel itself, and the page, do not widen).
        var table = Page.Locator("[data-testid='segment-sample-table']");
        await Assertions.Expect(table.Locator("thead th")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^顧客"), new System.Text.RegularExpressions.Regex("^購入回数"),
            new System.Text.RegularExpressions.Regex("^累計購入額"), new System.Text.RegularExpressions.Regex("^最終購入"), new System.Text.RegularExpressions.Regex("^離脱リスク"),
            new System.Text.RegularExpressions.Regex("^予測 CLV"), new System.Text.RegularExpressions.Regex("^購入継続確率")]);
        var last = table.Locator("thead th").Last;
        await last.ScrollIntoViewIfNeededAsync();
        var wrap = (await table.Locator(".table-wrap").BoundingBoxAsync())!;
        var panel = (await Page.Locator("#result").BoundingBoxAsync())!;
        var header = (await last.BoundingBoxAsync())!;
        Assert.InRange(header.X, wrap.X, wrap.X + wrap.Width);
        Assert.InRange(header.X + header.Width, wrap.X, wrap.X + wrap.Width + 0.5);
        Assert.InRange(wrap.X + wrap.Width, panel.X, panel.X + panel.Width);
        Assert.Equal(1366, await Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));
        await Shot("segment-sample-scrolled");

        // 表示言語: the page is drawn again in English with the conditions as typed (not the default 最終購入からの日数), then back.
        await Page.GetByLabel("表示言語").SelectOptionAsync("en");
        await Assertions.Expect(members).ToHaveTextAsync($"{vip.ToString("N0", CultureInfo.InvariantCulture)} customers");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0).Locator("[data-testid='rule-type']")).ToHaveValueAsync("churnRisk");
        await Assertions.Expect(rows.Nth(0).Locator("label.check", new() { HasText = "High" }).Locator("input")).ToBeCheckedAsync();
        await Assertions.Expect(rows.Nth(1).Locator("input[data-field='percent']")).ToHaveValueAsync("20");
        await Page.GetByLabel("Language", new() { Exact = true }).SelectOptionAsync("ja");
        await Assertions.Expect(members).ToHaveTextAsync($"{vip.ToString("N0", Ja)} 人");
        await Assertions.Expect(rows.Nth(1).Locator("[data-testid='rule-type']")).ToHaveValueAsync("clvTop");
        Assert.True(_session.Problems.Count == 0, string.Join("\n", _session.Problems));
    }

    [Fact]
    public async Task The_builder_opened_for_the_vip_preset_and_its_saved_segment_previews_its_members_and_saves_a_draft()
    {
        // What 次の一手's card does before it opens the builder: the segment saved, answering who is in it now.
        using var http = Api();
        var segment = await File.ReadAllTextAsync(Deploy.RepositoryTools.PathOf("scenarios", "segments", "vip-slipping.json"), Ct);
        using var saved = await http.PostAsync(new Uri("/api/segments", UriKind.Relative), new StringContent(segment, System.Text.Encoding.UTF8, "application/json"), Ct);
        var members = JsonDocument.Parse(await saved.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("evaluation").GetProperty("members").GetInt32();
        Assert.True(members > 0);
        await SignIn();

        await Page.EvaluateAsync("h => { location.hash = h; }", "#/scenarios/new?preset=vip-churn-prevention&segment=vip-slipping&from=overview");
        await Assertions.Expect(Page.Locator("[data-testid='scenario-builder']")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("シナリオを作成");
        await Assertions.Expect(Page.Locator("#nav a[data-page='scenarios']")).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(Page.Locator("#scenario-preset")).ToHaveValueAsync("vip-churn-prevention");
        await Assertions.Expect(Page.Locator("#scenario-segment")).ToHaveValueAsync("vip-slipping");
        // The preset's own trigger names the saved segment as the preview below does, not by its id.
        await Assertions.Expect(Page.Locator("[data-testid='preset-about']")).ToContainTextAsync("セグメント「離脱リスクの高い優良顧客」に新しく入ったとき (毎日判定)");
        await Assertions.Expect(Page.Locator("[data-testid='preset-about']")).Not.ToContainTextAsync("「vip-slipping」");
        await Assertions.Expect(Page.Locator("#scenario-when")).ToHaveValueAsync("entry");
        // The split reads as the shop reads it: the treated group and the holdout, in Japanese (the arm was "treated").
        await Assertions.Expect(Page.GetByLabel("施策群 (%)")).ToHaveValueAsync("90");
        await Assertions.Expect(Page.GetByLabel("ホールドアウト (%)")).ToHaveValueAsync("10");
        await Assertions.Expect(Page.Locator("[data-testid='send-step'][data-step] [data-testid='send-template']").First).ToHaveValueAsync("vip-retention-line");
        await Assertions.Expect(Page.Locator("[data-testid='scenario-preview'][data-state='ready']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(Page.Locator("[data-testid='preview-trigger']")).ToHaveTextAsync("セグメント「離脱リスクの高い優良顧客」に新しく入ったとき (毎日判定)");
        // The segment's members now (with today's predictions), as the segment API counted them.
        await Assertions.Expect(Page.Locator("[data-testid='audience']")).ToContainTextAsync($"トリガーの対象 {members.ToString("N0", Ja)} 人のうち");
        var id = await Page.Locator("#scenario-id").InputValueAsync();
        Assert.StartsWith("vip-churn-prevention-vip-slipping-", id, StringComparison.Ordinal);
        await Shot("builder-from-preset");

        await Page.GetByRole(AriaRole.Button, new() { Name = "下書きとして保存" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='flash']")).ToContainTextAsync("を下書きとして保存しました");
        await Assertions.Expect(Page.Locator("main table tbody tr", new() { HasText = id })).ToContainTextAsync("下書き");
        var list = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/scenarios", UriKind.Relative), Ct)).RootElement;
        var head = list.EnumerateArray().Single(s => s.GetProperty("scenarioId").GetString() == id);
        Assert.StartsWith("優良顧客の離脱防止（予測CLV上位20%・離脱リスク高）", head.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.True(_session.Problems.Count == 0, string.Join("\n", _session.Problems));
    }

    /// <summary>How many of an action's members its preset's channels reach, as 次の一手 counted them.</summary>
    private async Task<string> Reachable(string action)
    {
        using var http = Api();
        var plan = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/reports/next-actions", UriKind.Relative), Ct)).RootElement;
        return plan.GetProperty("actions").EnumerateArray().Single(a => a.GetProperty("id").GetString() == action).GetProperty("reachable").GetInt32().ToString("N0", CultureInfo.InvariantCulture);
    }

    private HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = _session.Base };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardSession.OperatorKey);
        return http;
    }

    private async Task SignIn()
    {
        // The first report pass over the shop (CLV fit, predictions, backtest) is computed before the page asks for it.
        using (var http = new HttpClient { BaseAddress = _session.Base })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardSession.OperatorKey);
            (await http.GetAsync(new Uri("/api/reports/next-actions", UriKind.Relative), Ct)).EnsureSuccessStatusCode();
        }

        await Page.GotoAsync(new Uri(_session.Base, "/api/dashboard/").ToString());
        await Page.GetByLabel("オペレーターキー / Operator key").FillAsync(DashboardSession.OperatorKey);
        await Page.GetByRole(AriaRole.Button, new() { Name = "ログイン / Sign in" }).ClickAsync();
        // The overview's figures come from the set computed above; on a busy machine reading them can take more than the
        // default 5 s, which is no fault of the page.
        await Assertions.Expect(Page.Locator("main[data-page='overview']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    private Task Shot(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png"), FullPage = true });

    // The rank as the page words it: the share with a higher CLV up to the middle, the share from the bottom past it.
    private static string Rank(double higherPercent) => higherPercent <= 50
        ? $"上位 {Math.Max(higherPercent, 0.1).ToString("F1", CultureInfo.InvariantCulture)}%"
        : $"下位 {(100 - higherPercent).ToString("F1", CultureInfo.InvariantCulture)}%";
}
