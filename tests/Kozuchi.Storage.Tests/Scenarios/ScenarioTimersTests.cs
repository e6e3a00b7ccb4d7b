using Kozuchi.Storage.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>The timer index written and cleared for many enrollments at once, as an engine batch does.</summary>
public sealed class ScenarioTimersTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero);
    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rows_indexed_together_across_partitions_are_all_due_and_markers_removed_together_even_when_one_is_gone_already()
    {
        // 150 timers over two due hours and 150 outbox markers: more than one transaction per partition.
        var timers = Enumerable.Range(0, 150).Select(i => new DueTimer($"c{i}", $"e{i}", $"t{i}", Start.AddMinutes(30 + i % 2 * 60))).ToList();
        var markers = Enumerable.Range(0, 150).Select(i => new DueTimer($"c{i}", $"e{i}", DueTimer.OutboxToken, Start)).ToList();
        await _h.Timers.IndexManyAsync([.. timers, .. markers, markers[0] with { DueAt = Start.AddMinutes(1) }], Ct);

        var due = await _h.Timers.DueAsync(Start.AddHours(3), Ct).ToListAsync(Ct);
        Assert.Equal(300, due.Count);
        Assert.Equal(Start.AddMinutes(1), due.Single(t => t is { IsOutbox: true, EnrollmentId: "e0" }).DueAt);

        await _h.Timers.RemoveAsync(markers[7], Ct);
        await _h.Timers.RemoveManyAsync(markers, Ct);

        var left = await _h.Timers.DueAsync(Start.AddHours(3), Ct).ToListAsync(Ct);
        Assert.Equal(timers.Select(t => t.Token).Order(StringComparer.Ordinal), left.Select(t => t.Token).Order(StringComparer.Ordinal));
    }
}
