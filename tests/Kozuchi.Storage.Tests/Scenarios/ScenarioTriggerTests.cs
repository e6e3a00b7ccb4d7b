using Kozuchi.Core.Segments;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

public sealed class ScenarioTriggerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Today = new(2026, 6, 1, 0, 5, 0, TimeSpan.Zero); // 09:05 in Tokyo

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Today);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Single(string id, string trigger) => $$"""
        {
          "schemaVersion": 1, "id": "{{id}}", "trigger": {{trigger}},
          "steps": [ { "type": "send", "id": "mail", "channels": ["email"], "template": "{{id}}" } ]
        }
        """;

    private async Task<string> CustomerWithOrdersAsync(string email, params int[] daysAgo)
    {
        string? id = null;
        foreach (var d in daysAgo)
        {
            id = (await _h.IngestAsync(EngineHarness.NewOrder($"{email}-{d}", email, Today.AddDays(-d)))).Orders[0].CustomerId;
        }

        return id!;
    }

    [Fact]
    public async Task The_dormant_preset_enrolls_customers_on_the_90th_day_once_and_never_sends_to_the_holdout()
    {
        await _h.InstallAsync(EngineHarness.Preset("dormant-reactivation.json"));
        var dormant = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            dormant.Add(await CustomerWithOrdersAsync($"d{i}@example.jp", 200, 90));
        }

        var recent = await CustomerWithOrdersAsync("recent@example.jp", 89);
        await _h.RouteEventsAsync();

        var run = await _h.Triggers.RunDailyAsync(Ct);
        await _h.RouteEventsAsync();
        await _h.Triggers.RunDailyAsync(Ct);
        await _h.RouteEventsAsync();

        Assert.Equal(60, run.Enrolls);
        var enrollments = new List<Kozuchi.Storage.Scenarios.EnrollmentSummary>();
        foreach (var c in dormant)
        {
            enrollments.Add(Assert.Single(await _h.Service.EnrollmentsOfAsync(c, Ct)));
        }

        Assert.Empty(await _h.Service.EnrollmentsOfAsync(recent, Ct));
        var sends = await _h.DrainSendsAsync();
        var heldOut = enrollments.Where(e => e.HeldOut).Select(e => e.CustomerId).ToHashSet();
        Assert.NotEmpty(heldOut);
        Assert.DoesNotContain(sends, s => heldOut.Contains(s.CustomerId));
        Assert.Equal(60 - heldOut.Count, sends.Count);
        Assert.All(sends, s => Assert.Equal(enrollments.Single(e => e.CustomerId == s.CustomerId).Arm, s.Arm));
        var results = (await _h.Service.ResultsAsync("dormant-reactivation", Ct))!.Results;
        Assert.Equal(["coupon", "new-arrivals", "holdout"], results.Arms.Select(a => a.Arm));
        Assert.Equal(60, results.Arms.Sum(a => a.Entered));
    }

    [Fact]
    public async Task Segment_entry_enrolls_on_the_day_a_customer_enters_and_not_again_while_they_stay()
    {
        var (segment, errors) = SegmentJson.Parse("""{ "schemaVersion": 1, "id": "repeaters", "rule": { "type": "frequency", "min": 2 } }""");
        Assert.Empty(errors);
        await _h.Segments.PutAsync(segment!, Ct);
        await _h.InstallAsync(Single("welcome-repeater", """{ "type": "segmentEntry", "segmentId": "repeaters" }"""));
        var a = await CustomerWithOrdersAsync("a@example.jp", 30, 10);
        var b = await CustomerWithOrdersAsync("b@example.jp", 20);

        var first = await _h.Triggers.RunDailyAsync(Ct);
        await _h.RouteEventsAsync();
        Assert.Equal((1, 1), (first.SegmentEnters, first.Enrolls));
        Assert.Equal(0, (await _h.Triggers.RunDailyAsync(Ct)).SegmentEnters);

        _h.Time.Advance(TimeSpan.FromDays(1));
        await _h.IngestAsync(EngineHarness.NewOrder("b-2", "b@example.jp", _h.Time.GetUtcNow().AddHours(-1)));
        var second = await _h.Triggers.RunDailyAsync(Ct);
        await _h.RouteEventsAsync();

        Assert.Equal(1, second.SegmentEnters);
        string[] both = [a, b];
        Assert.Equal(both.Order(StringComparer.Ordinal), (await _h.DrainSendsAsync()).Select(s => s.CustomerId).Order(StringComparer.Ordinal));
        Assert.Equal(both.Order(StringComparer.Ordinal), (await _h.Segments.MembersAsync("repeaters", Ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_broadcast_enrolls_the_segment_once_when_its_time_comes()
    {
        var (segment, _) = SegmentJson.Parse("""{ "schemaVersion": 1, "id": "everyone", "rule": { "type": "frequency", "min": 1 } }""");
        await _h.Segments.PutAsync(segment!, Ct);
        await _h.InstallAsync(Single("summer-sale", """{ "type": "broadcast", "segmentId": "everyone", "at": "2026-06-01T12:00:00+09:00" }"""));
        await CustomerWithOrdersAsync("a@example.jp", 30);
        await CustomerWithOrdersAsync("b@example.jp", 300);

        Assert.Equal(0, await _h.Triggers.RunBroadcastsAsync(Ct));
        _h.Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(2, await _h.Triggers.RunBroadcastsAsync(Ct));
        Assert.Equal(0, await _h.Triggers.RunBroadcastsAsync(Ct));
        await _h.RouteEventsAsync();

        Assert.Equal(2, (await _h.DrainSendsAsync()).Count(s => s.Template == "summer-sale"));
        Assert.NotNull((await _h.Scenarios.GetAsync("summer-sale", Ct))!.BroadcastAt);
    }
}
