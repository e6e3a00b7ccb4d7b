using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// The daily segment-entry trigger sees the predictions: the 優良顧客の離脱防止 preset's segment (churn risk high and
/// predicted CLV in the top 20 %) enrolls a heavy buyer on the day their P(alive) falls below the threshold.
/// </summary>
public sealed class PredictedSegmentTriggerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 5, 0, TimeSpan.Zero); // 09:05 in Tokyo

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_heavy_buyer_enters_the_vip_churn_segment_on_the_day_p_alive_falls_and_is_enrolled_then()
    {
        var records = PredictiveShop.Records(Start);
        await PredictiveShop.WriteAsync(_h.Customers, _h.Snapshots, records, Ct);
        var (segment, errors) = SegmentJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "segments", "vip-slipping.json")));
        Assert.Empty(errors);
        await _h.Segments.PutAsync(segment!, Ct);
        await _h.InstallAsync(EngineHarness.Preset("vip-churn-prevention.json"));

        var first = await _h.Triggers.RunDailyAsync(Ct);
        var day0 = await _h.Segments.MembersAsync("vip-slipping", Ct);
        Assert.Equal(Expected(records, Start), day0.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(PredictiveShop.Heavy, day0);
        Assert.Equal(day0.Count, first.SegmentEnters);

        // A month without the weekly order: P(alive) falls below 0.3 while the CLV stays in the top 20 %.
        _h.Time.Advance(TimeSpan.FromDays(30));
        var second = await _h.Triggers.RunDailyAsync(Ct);
        var day30 = await _h.Segments.MembersAsync("vip-slipping", Ct);
        Assert.Equal(Expected(records, _h.Time.GetUtcNow()), day30.Order(StringComparer.Ordinal));
        Assert.Contains(PredictiveShop.Heavy, day30);
        Assert.Equal(day30.Except(day0).Count(), second.SegmentEnters);

        await _h.RouteEventsAsync();
        var enrollments = await _h.Service.EnrollmentsOfAsync(PredictiveShop.Heavy, Ct);
        var enrollment = Assert.Single(enrollments);
        Assert.Equal("vip-churn-prevention", enrollment.ScenarioId);
    }

    [Fact]
    public async Task Run_every_day_the_heavy_buyer_enters_on_the_first_day_the_models_put_them_in_and_is_enrolled_once()
    {
        var records = PredictiveShop.Records(Start);
        await PredictiveShop.WriteAsync(_h.Customers, _h.Snapshots, records, Ct);
        var (segment, _) = SegmentJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "segments", "vip-slipping.json")));
        await _h.Segments.PutAsync(segment!, Ct);
        await _h.InstallAsync(EngineHarness.Preset("vip-churn-prevention.json"));

        // Day by day, as the timer runs it: the members are each day's models, and the heavy buyer, who stops their
        // weekly order, enters on the first day those put them in — once, however often the day's run repeats.
        DateOnly? firstIn = null;
        for (var d = 0; d <= 30; d++)
        {
            var today = ShopTime.Tokyo.Today(_h.Time.GetUtcNow());
            var run = await _h.Triggers.RunDailyAsync(Ct);
            var expected = Expected(records, _h.Time.GetUtcNow()).ToList();
            Assert.Equal(expected, (await _h.Segments.MembersAsync("vip-slipping", Ct)).Order(StringComparer.Ordinal));
            Assert.Equal(0, (await _h.Triggers.RunDailyAsync(Ct)).SegmentEnters);
            await _h.RouteEventsAsync();
            if (firstIn is null && expected.Contains(PredictiveShop.Heavy))
            {
                firstIn = today;
                Assert.True(run.SegmentEnters > 0);
            }

            _h.Time.Advance(TimeSpan.FromDays(1));
        }

        Assert.NotNull(firstIn);
        Assert.True(firstIn > ShopTime.Tokyo.Today(Start), "the heavy buyer was in the segment from the start");
        var enrollment = Assert.Single(await _h.Service.EnrollmentsOfAsync(PredictiveShop.Heavy, Ct));
        Assert.Equal(firstIn, ShopTime.Tokyo.Today(enrollment.EnrolledAt));
    }

    /// <summary>The segment computed from the records alone: the models fitted as of that day, churn risk high and CLV rank under 20 %.</summary>
    private static IEnumerable<string> Expected(IReadOnlyList<Kozuchi.Core.Customers.CustomerRecord> records, DateTimeOffset now)
    {
        var day = ShopTime.Tokyo.Today(now);
        var summaries = RepeatSummaries.FromCustomers(records, day, ShopTime.Tokyo).OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        var predictions = CustomerPredictions.Compute(summaries, ClvFit.Of(summaries, ClvFit.DefaultSampleLimit)!, ChurnRiskThresholds.Default);
        return summaries.Zip(predictions)
            .Where(x => x.Second is { ChurnRisk: ChurnRisk.High, ClvTopPercent: < 20 })
            .Select(x => x.First.CustomerId)
            .Order(StringComparer.Ordinal);
    }
}
