using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.Options;

namespace Kozuchi.Storage.Tests.Analytics;

/// <summary>The day's predictions: computed once from the tables, kept in blob under the change marker and the thresholds.</summary>
public sealed class CustomerPredictionStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 5, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = ShopTime.Tokyo.Today(Start);
    private StorageScope _storage = null!;
    private CustomerStore _customers = null!;
    private ProfileSnapshots _snapshots = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _customers = new CustomerStore(_storage.Clients);
        _snapshots = new ProfileSnapshots(_storage.Clients, _customers);
        await PredictiveShop.WriteAsync(_customers, _snapshots, PredictiveShop.Records(Start, customers: 150), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private CustomerPredictionStore Store(double high = 0.3, double medium = 0.6) =>
        new(_storage.Clients, _customers, _snapshots, ShopTime.Tokyo, Options.Create(new ClvOptions { ChurnRiskHighBelow = high, ChurnRiskMediumBelow = medium }));

    [Fact]
    public async Task Predictions_are_the_models_over_the_tables_computed_once_and_read_back_by_another_instance()
    {
        var ct = TestContext.Current.CancellationToken;
        using var first = Store();

        var set = await first.CurrentAsync(Day, ct);
        Assert.Same(set, await first.CurrentAsync(Day, ct));
        Assert.Equal(1, first.Computations);

        // Independently: summaries of the same records, the same fit, the same predictions.
        var records = PredictiveShop.Records(Start, customers: 150);
        var summaries = RepeatSummaries.FromCustomers(records, Day, ShopTime.Tokyo).OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        var expected = CustomerPredictions.Compute(summaries, ClvFit.Of(summaries, ClvFit.DefaultSampleLimit)!, ChurnRiskThresholds.Default);
        Assert.Equal(summaries.Count, set.Count);
        Assert.Equal(expected, summaries.Select(s => set.Find(s.CustomerId)));

        using var second = Store();
        var read = await second.CurrentAsync(Day, ct);
        Assert.Equal(0, second.Computations);
        Assert.Equal(set.All, read.All);
        Assert.Equal(Day, read.AsOf);
    }

    [Fact]
    public async Task Customers_buying_in_another_currency_than_the_shops_get_no_prediction_and_stay_out_of_the_fit()
    {
        // Forty customers of a dollar storefront beside the yen shop. The report pass fits and predicts the shop's
        // currency only (PredictivePass); the predictions computed here, when the pass has not left today's, must be
        // the same set, or a segment-entry trigger would see customers enter and leave with whoever computed them.
        var ct = TestContext.Current.CancellationToken;
        var dollars = PredictiveShop.Records(Start, customers: 40, seed: 11)
            .Select(r => r with
            {
                CustomerId = "usd-" + r.CustomerId,
                Identities = [],
                Orders = [.. r.Orders.Select(o => o with { Key = new Kozuchi.Core.Orders.OrderKey("us", "usd-" + o.Key.OrderId), Net = Math.Round(o.Net / 150, 2), Currency = "USD" })],
            })
            .ToList();
        await PredictiveShop.WriteAsync(_customers, _snapshots, dollars, ct);
        using var store = Store();

        var set = await store.CurrentAsync(Day, ct);

        Assert.All(dollars, d => Assert.Null(set.Find(d.CustomerId)));
        var yen = RepeatSummaries.FromCustomers(PredictiveShop.Records(Start, customers: 150), Day, ShopTime.Tokyo).OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        var expected = CustomerPredictions.Compute(yen, ClvFit.Of(yen, ClvFit.DefaultSampleLimit)!, ChurnRiskThresholds.Default);
        Assert.Equal(yen.Count, set.Count);
        Assert.Equal(expected, yen.Select(s => set.Find(s.CustomerId)));
    }

    [Fact]
    public async Task A_change_to_the_customers_or_to_the_thresholds_computes_them_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = Store();
        await store.CurrentAsync(Day, ct);

        await _snapshots.TouchAsync(ct);
        await store.CurrentAsync(Day, ct);
        Assert.Equal(2, store.Computations);

        using var stricter = Store(high: 0.1, medium: 0.2);
        var set = await stricter.CurrentAsync(Day, ct);
        Assert.Equal(1, stricter.Computations);
        Assert.Equal(new ChurnRiskThresholds(0.1, 0.2), set.Thresholds);
        Assert.All(set.All.Where(p => p.Prediction.ChurnRisk == ChurnRisk.High), p => Assert.True(p.Prediction.ProbabilityAlive < 0.1));
    }

    [Fact]
    public async Task Thresholds_out_of_order_are_refused_with_the_reason()
    {
        using var store = Store(high: 0.8, medium: 0.4);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.CurrentAsync(Day, TestContext.Current.CancellationToken));
        Assert.Contains("ChurnRiskHighBelow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_blob_format_keeps_every_field_including_the_missing_ones()
    {
        var set = new PredictionSet(Day, new ChurnRiskThresholds(0.25, 0.5),
        [
            ("b", new CustomerPrediction(0.2, 0.1, 0.4, 12345.67m, ChurnRisk.High, 3.5)),
            ("a", new CustomerPrediction(1, 0.3, 1.1, null, null, null)),
            ("c", new CustomerPrediction(0.9, 0.5, 2, 0m, ChurnRisk.Low, 99.9)),
        ]);
        using var buffer = new MemoryStream();

        CustomerPredictionStore.Write(buffer, set);
        buffer.Position = 0;
        var read = CustomerPredictionStore.Read(buffer);

        Assert.Equal(set.All, read.All);
        Assert.Equal(["a", "b", "c"], read.All.Select(p => p.CustomerId));
        Assert.Equal(set.Thresholds, read.Thresholds);
        Assert.Equal(Day, read.AsOf);
    }
}
