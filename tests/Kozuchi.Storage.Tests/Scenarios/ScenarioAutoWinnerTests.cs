using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// An auto-winner split on Azurite: no winner while the arms are level, a winner once one arm converts significantly
/// better with its minimum sample, and from then on new customers go to the winner while the holdout keeps its share.
/// </summary>
public sealed class ScenarioAutoWinnerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    private const string Definition = """
        {
          "schemaVersion": 1, "id": "auto-ab", "version": 1, "name": "auto winner",
          "trigger": { "type": "firstOrder" },
          "steps": [
            {
              "type": "split", "id": "ab", "autoWinner": true,
              "arms": [ { "name": "a", "weight": 45, "next": "goal" }, { "name": "b", "weight": 45, "next": "goal" } ],
              "holdout": { "weight": 10, "next": "goal" }
            },
            { "type": "goal", "id": "goal", "window": { "days": 30 } }
          ]
        }
        """;

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start, o =>
    {
        o.SweepGrace = TimeSpan.Zero;
        o.WinnerMinSamplePerArm = 25;
    });

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<List<(string CustomerId, EnrollmentSummary Enrollment)>> EnrollAsync(string prefix, int count)
    {
        var enrolled = new List<(string, EnrollmentSummary)>();
        for (var n = 0; n < count; n++)
        {
            _h.Time.Advance(TimeSpan.FromMinutes(1));
            var id = (await _h.IngestAsync(EngineHarness.NewOrder($"{prefix}{n}-1", $"{prefix}{n}@example.jp", _h.Time.GetUtcNow()))).Orders[0].CustomerId;
            await _h.RouteEventsAsync();
            enrolled.Add((id, Assert.Single(await _h.Service.EnrollmentsOfAsync(id, TestContext.Current.CancellationToken))));
        }

        return enrolled;
    }

    [Fact]
    public async Task A_significantly_better_arm_becomes_the_winner_and_takes_every_new_customer_but_the_holdout()
    {
        var ct = TestContext.Current.CancellationToken;
        var definition = await _h.InstallAsync(Definition);
        var split = definition.Steps.OfType<SplitStep>().Single();

        var first = await EnrollAsync("p", 130);
        Assert.Empty(await _h.Service.ApplyAutoWinnersAsync(ct));

        // Every customer in arm a comes back within the goal window; nobody in b does.
        _h.Time.Advance(TimeSpan.FromDays(2));
        for (var n = 0; n < first.Count; n++)
        {
            if (first[n].Enrollment is { Arm: "a", HeldOut: false })
            {
                await _h.IngestAsync(EngineHarness.NewOrder($"p{n}-2", $"p{n}@example.jp", _h.Time.GetUtcNow()));
            }
        }

        await _h.RouteEventsAsync();
        var decided = await _h.Service.ApplyAutoWinnersAsync(ct);
        Assert.Equal(new DecidedWinner("auto-ab", "ab", "a"), Assert.Single(decided));
        Assert.Equal("a", (await _h.Scenarios.GetAsync("auto-ab", ct))!.Winners["ab"]);
        Assert.Empty(await _h.Service.ApplyAutoWinnersAsync(ct));

        var later = await EnrollAsync("q", 60);
        var wouldHaveBeenB = later.Count(e => SplitAssignment.Assign(split, definition.Id, e.CustomerId) == "b");
        Assert.True(wouldHaveBeenB > 10, $"only {wouldHaveBeenB} newcomers hash to b; the test would not show the re-weighting");
        foreach (var (customerId, enrollment) in later)
        {
            var hashed = SplitAssignment.Assign(split, definition.Id, customerId);
            Assert.Equal(hashed == SplitStep.HoldoutArm, enrollment.HeldOut);
            if (!enrollment.HeldOut)
            {
                Assert.Equal("a", enrollment.Arm);
            }
        }

        // Customers assigned before the decision keep their arm.
        foreach (var (customerId, _) in first)
        {
            var now = Assert.Single(await _h.Service.EnrollmentsOfAsync(customerId, ct));
            Assert.Equal(SplitAssignment.Assign(split, definition.Id, customerId), now.HeldOut ? SplitStep.HoldoutArm : now.Arm);
        }
    }
}
