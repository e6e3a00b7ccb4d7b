using Kozuchi.Channels.Common;
using Kozuchi.Core.Channels;

namespace Kozuchi.Channels.Tests.Common;

public sealed class IdempotencyKeysTests
{
    [Fact]
    public void The_same_key_gives_the_same_uuid_and_another_key_another()
    {
        var a = IdempotencyKeys.Uuid("scenario-1/c1/step-1");

        Assert.Equal(a, IdempotencyKeys.Uuid("scenario-1/c1/step-1"));
        Assert.NotEqual(a, IdempotencyKeys.Uuid("scenario-1/c1/step-2"));
        Assert.Equal(8, a.Version);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a.ToString());
    }

    [Fact]
    public void Rate_windows_are_aligned_to_the_clock_so_every_instance_counts_the_same_window()
    {
        var limit = RateLimit.AcsEmailDefault;
        var at = new DateTimeOffset(2026, 11, 2, 9, 30, 45, TimeSpan.FromHours(9));

        Assert.Equal(new DateTimeOffset(2026, 11, 2, 0, 30, 0, TimeSpan.Zero), limit.WindowStart(at));
        Assert.Equal(TimeSpan.FromSeconds(15), limit.UntilNextWindow(at));
        Assert.Equal(30, limit.Limit);
    }
}
