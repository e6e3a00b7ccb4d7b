using Kozuchi.Core.Segments;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// The daily segment-entry trigger reads the operator's tags: a segment on a tag has the tagged customers as members,
/// and a customer tagged the next day enters it then (one taken off leaves it).
/// </summary>
public sealed class TagSegmentTriggerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 5, 0, TimeSpan.Zero); // 09:05 in Tokyo

    private const string Scenario = """
        {"schemaVersion":1,"id":"wholesale-welcome","version":1,"name":"卸のご案内","trigger":{"type":"segmentEntry","segmentId":"wholesale"},
         "steps":[{"type":"send","id":"send","channels":["email"],"template":"segment-broadcast"}]}
        """;

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_segment_on_a_tag_enters_the_customers_tagged_and_the_next_day_those_tagged_since()
    {
        var records = PredictiveShop.Records(Start, customers: 40);
        await PredictiveShop.WriteAsync(_h.Customers, _h.Snapshots, records, Ct);
        var ids = records.Select(r => r.CustomerId).Order(StringComparer.Ordinal).ToList();
        var byId = records.ToDictionary(r => r.CustomerId, StringComparer.Ordinal);
        var (segment, errors) = SegmentJson.Parse("""{"id":"wholesale","name":"卸","rule":{"type":"tag","tags":["卸"]}}""");
        Assert.Empty(errors);
        await _h.Segments.PutAsync(segment!, Ct);
        await _h.InstallAsync(Scenario);
        await _h.Tags.AddAsync(byId[ids[0]], "卸", Ct);
        await _h.Tags.AddAsync(byId[ids[1]], "卸", Ct);
        await _h.Tags.AddAsync(byId[ids[2]], "VIP", Ct);

        var first = await _h.Triggers.RunDailyAsync(Ct);

        Assert.Equal([ids[0], ids[1]], (await _h.Segments.MembersAsync("wholesale", Ct)).Order(StringComparer.Ordinal));
        Assert.Equal(2, first.SegmentEnters);

        await _h.Tags.AddAsync(byId[ids[2]], "卸", Ct);
        await _h.Tags.RemoveAsync(byId[ids[0]], "卸", Ct);
        _h.Time.Advance(TimeSpan.FromDays(1));
        var second = await _h.Triggers.RunDailyAsync(Ct);

        Assert.Equal([ids[1], ids[2]], (await _h.Segments.MembersAsync("wholesale", Ct)).Order(StringComparer.Ordinal));
        Assert.Equal((1, 1), (second.SegmentEnters, second.SegmentExits));
        await _h.RouteEventsAsync();
        Assert.Equal("wholesale-welcome", Assert.Single(await _h.Service.EnrollmentsOfAsync(ids[2], Ct)).ScenarioId);
    }
}
