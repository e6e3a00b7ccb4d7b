using Kozuchi.Core.Demo;
using Kozuchi.Functions.Demo;
using Kozuchi.Functions.Reports;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Ingest;

public sealed class DemoLoaderTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Demo_orders_load_through_ingest_and_merge_into_no_more_customers_than_people()
    {
        var ct = TestContext.Current.CancellationToken;
        var loader = _h.App.Services.GetRequiredService<DemoLoader>();
        Assert.False(await loader.HasCustomersAsync(ct));

        var loaded = await loader.LoadAsync(300, 5, null, ct);

        var expected = DemoGenerator.Generate(new DemoOptions { Customers = 300, Seed = 5, AsOf = DateOnly.FromDateTime(_h.App.Time.GetUtcNow().AddHours(9).DateTime) });
        Assert.Equal(expected.Orders.Count, loaded);
        var summary = await _h.App.Services.GetRequiredService<ReportService>().SummaryAsync(ct);
        Assert.True(await loader.HasCustomersAsync(ct));
        Assert.InRange(summary.Customers, 1, expected.People);
        Assert.Equal(expected.Orders.Where(o => o.Counts).Sum(o => o.NetAmount), summary.Revenue);
    }
}
