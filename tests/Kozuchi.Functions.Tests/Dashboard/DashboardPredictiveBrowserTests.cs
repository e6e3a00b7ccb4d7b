using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// The predictive preset in real Chromium over a generated shop: the scenario builder opened as 次の一手's card opens it
/// (the segment saved, then #/scenarios/new?preset=&amp;segment=), previewing the segment's members with today's
/// predictions — no console error, no policy violation. (The overview's 次の一手 cards and backtest chart are the
/// overview page's, issue 17 part A.)
/// </summary>
public sealed class DashboardPredictiveBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : IAsyncLifetime, IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    private DashboardSession _session = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IPage Page => _session.Page;

    public async ValueTask InitializeAsync()
    {
        _session = await DashboardSession.StartAsync(azurite, browser, app => app.WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1"));
        var records = PredictiveShop.Records(_session.App.Time.GetUtcNow());
        var services = _session.App.Services;
        await PredictiveShop.WriteAsync(services.GetRequiredService<CustomerStore>(), services.GetRequiredService<ProfileSnapshots>(), records, Ct);
    }

    public async ValueTask DisposeAsync() => await _session.DisposeAsync();

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
        await Assertions.Expect(Page.Locator("#scenario-when")).ToHaveValueAsync("entry");
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
}
