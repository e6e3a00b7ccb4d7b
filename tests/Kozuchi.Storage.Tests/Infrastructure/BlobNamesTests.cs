using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Tests.Infrastructure;

/// <summary>The one check on blob names built from input: nothing that could land outside its container or folder.</summary>
public sealed class BlobNamesTests
{
    [Theory]
    [InlineData("../exports/evil.csv")]
    [InlineData("shopify/../../exports/evil.csv")]
    [InlineData("a/./b.csv")]
    [InlineData("/imports/a.csv")]
    [InlineData("a//b.csv")]
    [InlineData("a\\..\\b.csv")]
    [InlineData("a/b.csv\n")]
    [InlineData("a\u0000b.csv")]
    [InlineData("a\u0085b.csv")]
    [InlineData("folder/")]
    [InlineData("name.")]
    [InlineData("..")]
    [InlineData("")]
    public void A_name_that_climbs_out_or_carries_control_characters_is_refused(string name)
    {
        Assert.False(BlobNames.IsSafe(name));
        Assert.Throws<UnsafeBlobNameException>(() => BlobNames.Require(name));
    }

    [Theory]
    [InlineData("october.csv")]
    [InlineData("shopify/2026-11.csv")]
    [InlineData("imports/export..v2.csv")]
    [InlineData("webhooks/shopify/event-123.json")]
    [InlineData("受注/2026年11月.csv")]
    public void Ordinary_names_pass_unchanged(string name) => Assert.Equal(name, BlobNames.Require(name));

    [Fact]
    public void A_name_longer_than_azure_allows_is_refused() => Assert.False(BlobNames.IsSafe(new string('a', 1025)));
}
