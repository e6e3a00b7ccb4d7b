using Kozuchi.Functions.Reports;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Functions.Tests.Reports;

public sealed class FlightTests
{
    [Fact]
    public void Requests_wait_until_the_same_moment_after_the_pass_began_and_later_ones_not_at_all()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        var flight = new Flight<string>(new Lazy<Task<string>>(() => Task.FromResult("set")), time.GetTimestamp());

        var first = flight.WaitLeft(0.25, time);
        time.Advance(TimeSpan.FromMilliseconds(100));
        var second = flight.WaitLeft(0.25, time);
        time.Advance(TimeSpan.FromSeconds(5));
        var late = flight.WaitLeft(0.25, time);

        Assert.Equal(TimeSpan.FromMilliseconds(250), first);
        Assert.Equal(TimeSpan.FromMilliseconds(150), second);
        Assert.Equal(TimeSpan.Zero, late);
        Assert.True(flight.WaitLeft(-1, time) < TimeSpan.Zero);
    }
}
