using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>The churn-risk thresholds come from <c>Kozuchi__Clv__…</c>: a shop's own cut is what segments select on, and a wrong one stops the app at start.</summary>
public sealed class ClvSettingsTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_shops_own_thresholds_decide_who_is_high_risk()
    {
        await using var storage = await azurite.CreateScopeAsync();
        await using var app = new KozuchiAppFactory(storage)
            .WithSetting("Kozuchi:Auth:OperatorKey", "operator-key-placeholder")
            .WithSetting("Kozuchi:Clv:ChurnRiskHighBelow", "0.5")
            .WithSetting("Kozuchi:Clv:ChurnRiskMediumBelow", "0.9");
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "operator-key-placeholder");
        var records = PredictiveShop.Records(app.Time.GetUtcNow(), customers: 150);
        await PredictiveShop.WriteAsync(app.Services.GetRequiredService<CustomerStore>(), app.Services.GetRequiredService<ProfileSnapshots>(), records, Ct);

        var today = ShopTime.Tokyo.Today(app.Time.GetUtcNow());
        var summaries = RepeatSummaries.FromCustomers(records, today, ShopTime.Tokyo).OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        var expected = CustomerPredictions.Compute(summaries, ClvFit.Of(summaries, ClvFit.DefaultSampleLimit)!, new ChurnRiskThresholds(0.5, 0.9));
        var high = expected.Count(p => p.ChurnRisk == ChurnRisk.High);
        Assert.NotEqual(high, CustomerPredictions.Compute(summaries, ClvFit.Of(summaries, ClvFit.DefaultSampleLimit)!, ChurnRiskThresholds.Default).Count(p => p.ChurnRisk == ChurnRisk.High));

        using var content = new StringContent("""{ "rule": { "type": "churnRisk", "bands": ["high"] } }""", Encoding.UTF8, "application/json");
        var preview = await (await client.PostAsync(new Uri("/api/segments/preview", UriKind.Relative), content, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(high, preview.GetProperty("members").GetInt32());

        var attributes = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/segments/attributes", UriKind.Relative), Ct);
        Assert.Equal(0.5, attributes.GetProperty("churnRiskThresholds").GetProperty("highBelow").GetDouble());
        Assert.Equal(high, attributes.GetProperty("predictions").GetProperty("high").GetInt32());
    }

    [Fact]
    public async Task Thresholds_out_of_order_stop_the_app_at_start_with_the_settings_named()
    {
        await using var storage = await azurite.CreateScopeAsync();
        await using var app = new KozuchiAppFactory(storage)
            .WithSetting("Kozuchi:Clv:ChurnRiskHighBelow", "0.8")
            .WithSetting("Kozuchi:Clv:ChurnRiskMediumBelow", "0.4");

        var e = Assert.Throws<OptionsValidationException>(app.ValidateAtStart);
        Assert.Contains("Kozuchi__Clv__ChurnRiskHighBelow", e.Message, StringComparison.Ordinal);
    }
}
