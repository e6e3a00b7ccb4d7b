using Kozuchi.Core.Pulls;
using Kozuchi.Functions.Pulls;
using Microsoft.Extensions.Configuration;

namespace Kozuchi.Functions.Tests.Pulls;

public sealed class PullSourcesTests
{
    private static PullSources Read(params (string Key, string? Value)[] settings) =>
        PullSources.Read(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build());

    [Fact]
    public void Sources_are_read_with_their_defaults_and_unresolved_key_vault_secrets_count_as_unset()
    {
        var sources = Read(
            ("Kozuchi:Pulls:Sources:0:Kind", "base"),
            ("Kozuchi:Pulls:Sources:0:AccessToken", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/base-token)"),
            ("Kozuchi:Pulls:Sources:1:Kind", "shopify"),
            ("Kozuchi:Pulls:Sources:1:Name", "jp-store"),
            ("Kozuchi:Pulls:Sources:1:BaseUrl", "https://jp-store.myshopify.com"),
            ("Kozuchi:Pulls:Sources:1:Overlap", "00:30:00"));

        Assert.Equal(["base", "jp-store"], sources.All.Select(s => s.Name));
        var base_ = sources.Find("BASE")!;
        Assert.Equal((CartKind.Base, "base", TimeSpan.FromMinutes(10), TimeSpan.FromDays(30)), (base_.Kind, base_.EffectiveOrderSource, base_.Overlap, base_.EffectiveLookback));
        Assert.Null(base_.Credentials.AccessToken);
        Assert.Same(sources.All[1], sources.Find("jp-store"));
        Assert.Equal(Core.Pulls.PullSource.DefaultSchedule, sources.All[1].Schedule);
        Assert.Equal(TimeSpan.FromMinutes(30), sources.All[1].Overlap);
        Assert.Equal("shopify", sources.All[1].EffectiveOrderSource); // one order with its webhook
    }

    [Theory]
    [InlineData("Kind", "amazon", "Kozuchi__Pulls__Sources__0__Kind")]
    [InlineData("Overlap", "ten minutes", "Kozuchi__Pulls__Sources__0__Overlap")]
    [InlineData("Name", "../etc", "Kozuchi__Pulls__Sources__0__Name")]
    [InlineData("Schedule", "every hour", "Kozuchi__Pulls__Sources__0__Schedule")]
    [InlineData("BaseUrl", "not a url", "Kozuchi__Pulls__Sources__0__BaseUrl")]
    public void A_misconfigured_source_stops_start_up_naming_the_setting(string key, string value, string setting)
    {
        var settings = new Dictionary<string, string?> { ["Kozuchi:Pulls:Sources:0:Kind"] = "colorme", [$"Kozuchi:Pulls:Sources:0:{key}"] = value };

        var error = Assert.Throws<InvalidOperationException>(() => Read([.. settings.Select(p => (p.Key, p.Value))]));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shopify_source_needs_its_shop_url() =>
        Assert.Throws<InvalidOperationException>(() => Read(("Kozuchi:Pulls:Sources:0:Kind", "shopify")));
}
