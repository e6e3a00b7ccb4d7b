using Kozuchi.Core.Analytics;
using Kozuchi.Storage.Analytics;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Analytics;

public sealed class KpiTargetStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await azurite.CreateScopeAsync();

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task Targets_are_set_replaced_and_removed_per_month_and_kpi()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new KpiTargetStore(_storage.Clients);
        Assert.Empty(await store.ListAsync(ct));

        await store.SetAsync([(KpiNames.Sales, "2026-11", 1_000_000), (KpiNames.RepeatRate, "2026-11", 0.4), (KpiNames.Sales, "2026-12", 1_500_000)], ct);
        await store.SetAsync([(KpiNames.Sales, "2026-11", 1_200_000), (KpiNames.RepeatRate, "2026-11", null), (KpiNames.Orders, "2027-01", null)], ct);

        Assert.Equal(
            [new KpiTarget(KpiNames.Sales, "2026-11", 1_200_000), new KpiTarget(KpiNames.Sales, "2026-12", 1_500_000)],
            await store.ListAsync(ct));
    }
}
