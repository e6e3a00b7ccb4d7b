using Kozuchi.Functions.Reports;

namespace Kozuchi.Functions.Tests.Reports;

public sealed class ComputeGateTests
{
    [Fact]
    public async Task A_computation_that_ends_after_the_host_stopped_releases_the_gate_without_failing()
    {
        var gate = new ComputeGate();
        var entered = await gate.EnterAsync(TestContext.Current.CancellationToken);

        gate.Dispose();

        var released = Record.Exception(entered.Dispose);
        Assert.Null(released);
    }

    [Fact]
    public async Task The_next_computation_waits_until_the_running_one_is_released()
    {
        using var gate = new ComputeGate();
        var first = await gate.EnterAsync(TestContext.Current.CancellationToken);

        var second = gate.EnterAsync(TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        first.Dispose();
        first.Dispose();

        (await second).Dispose();
        (await gate.EnterAsync(TestContext.Current.CancellationToken)).Dispose();
    }
}
