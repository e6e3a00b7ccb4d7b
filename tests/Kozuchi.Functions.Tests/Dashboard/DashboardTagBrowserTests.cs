using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// Tags as a CRM manager uses them in Chromium: customers tagged on their page (and one tag taken off again), then a
/// segment built on the tag in the builder, whose live count is the count <c>POST /api/segments</c> answers.
/// </summary>
public sealed class DashboardTagBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    protected override void Configure(KozuchiAppFactory app) => app.WithStartSettings().WithSetting("Kozuchi:Reports:StaleAfterSeconds", "-1");

    [Fact]
    public async Task Customers_tagged_on_their_page_make_a_segment_whose_count_the_builder_and_the_api_agree_on()
    {
        await LoadDemoAsync(60, 5);
        var ids = await App.Services.GetRequiredService<CustomerStore>().ScanRecordsAsync(Ct)
            .Where(r => r.State == CustomerState.Active).Select(r => r.CustomerId).OrderBy(id => id, StringComparer.Ordinal).Take(4).ToListAsync(Ct);
        await SignInAsync();

        // Three customers tagged on their page, in full-width letters for one of them (the same tag, as NFKC reads it).
        foreach (var (id, typed) in new[] { (ids[0], "要フォロー"), (ids[1], "要フォロー"), (ids[2], "要フォロー"), (ids[0], "ＶＩＰ") })
        {
            await OpenAsync($"#/customers/{id}");
            await Page.GetByLabel("新しいタグ").FillAsync(typed);
            await Page.GetByRole(AriaRole.Button, new() { Name = "タグを付ける" }).ClickAsync();
            await Assertions.Expect(Page.Locator("[data-testid='customer-status']")).ToContainTextAsync("を付けました");
        }

        await Assertions.Expect(Page.Locator("[data-testid='customer-tags'] li")).ToHaveTextAsync(["VIP×", "要フォロー×"]);
        await ShotAsync("customer-tags");

        // One taken off again, from the third customer's page; a tag that cannot be one is refused with the reason.
        await OpenAsync($"#/customers/{ids[2]}");
        await Page.GetByRole(AriaRole.Button, new() { Name = "タグ「要フォロー」を外す" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='customer-tags']")).ToHaveTextAsync("タグはまだありません。");
        await Page.GetByLabel("新しいタグ").FillAsync("a/b");
        await Page.GetByRole(AriaRole.Button, new() { Name = "タグを付ける" }).ClickAsync();
        await Assertions.Expect(Page.Locator("[data-testid='customer-status']")).ToContainTextAsync("タグ「a/b」は付けられません");
        await Assertions.Expect(Page.Locator("[data-testid='customer-tags']")).ToHaveTextAsync("タグはまだありません。");

        // The segment on the tag, built in the builder.
        await OpenAsync("#/segments");
        var row = Page.Locator("[data-testid='rule-row']").First;
        await row.Locator("[data-testid='rule-type']").SelectOptionAsync("tag");
        await row.Locator("input[data-field='tags']").FillAsync("要フォロー");
        await Page.GetByLabel("名前").FillAsync("要フォロー");
        await Page.GetByLabel("ID (英数字と - _)").FillAsync("follow-up");
        await Assertions.Expect(Page.Locator("[data-testid='segment-count'][data-state='done']")).ToBeVisibleAsync();
        var shown = await Page.Locator("[data-testid='segment-members']").InnerTextAsync();
        await ShotAsync("segments-builder-tag");

        using var api = Session.Api();
        using var response = await api.PostAsync(new Uri("/api/segments", UriKind.Relative),
            new StringContent("""{"schemaVersion":1,"id":"follow-up","name":"要フォロー","rule":{"type":"tag","tags":["要フォロー"]}}""", Encoding.UTF8, "application/json"), Ct);
        response.EnsureSuccessStatusCode();
        var members = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("evaluation").GetProperty("members").GetInt32();
        Assert.Equal(2, members);
        Assert.Equal($"{members.ToString("N0", Ja)} 人", shown);
        await Assertions.Expect(Page.Locator("[data-testid='segment-sample-table'] tbody tr")).ToHaveCountAsync(2);
    }
}
