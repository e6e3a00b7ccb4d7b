using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Infrastructure;

/// <summary>A change marker whose row a storage reset took away reads as <see cref="ChangeMarker.None"/>, and keys built on it say so.</summary>
public sealed class ChangeMarkerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_marker_reads_none_once_its_table_is_gone_and_keys_computed_under_it_count_as_gone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var storage = await azurite.CreateScopeAsync();
        var marker = new ChangeMarker(storage.Clients, "customers");
        await marker.TouchAsync(ct);
        var version = await marker.ReadAsync(ct);
        Assert.NotEqual(ChangeMarker.None, version);

        await storage.Clients.Table(StorageCatalog.Tables.Runtime).DeleteAsync(ct);

        var after = await marker.ReadAsync(ct);
        Assert.Equal(ChangeMarker.None, after);
        Assert.True(ChangeMarkers.Gone(version, after));
        Assert.True(ChangeMarkers.Gone($"{version}|none|v1.1|settings", "none|none|v1.1|settings"));
        Assert.False(ChangeMarkers.Gone("none|none|v1.1|settings", $"{version}|none|v1.1|settings"));
        Assert.False(ChangeMarkers.Gone(version, version));
    }
}
