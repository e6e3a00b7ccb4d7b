namespace Kozuchi.Core.Channels;

/// <summary>The answer to "may I send one more now?": yes, or not before <see cref="RetryAfter"/>.</summary>
public readonly record struct RateDecision(bool Granted, TimeSpan RetryAfter)
{
    public static RateDecision Grant { get; } = new(true, TimeSpan.Zero);

    public static RateDecision Wait(TimeSpan retryAfter) => new(false, retryAfter);
}

/// <summary>A send budget: <see cref="Limit"/> sends per <see cref="Window"/> (ACS custom domains: 30 per minute by default).</summary>
public sealed record RateLimit(int Limit, TimeSpan Window)
{
    public static RateLimit AcsEmailDefault { get; } = new(30, TimeSpan.FromMinutes(1));

    /// <summary>The fixed window <paramref name="now"/> falls in: the same for every instance, whatever its start time.</summary>
    public DateTimeOffset WindowStart(DateTimeOffset now)
    {
        var ticks = now.UtcTicks - (now.UtcTicks % Window.Ticks);
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    public TimeSpan UntilNextWindow(DateTimeOffset now) => WindowStart(now) + Window - now;
}

/// <summary>
/// The port every sender asks before calling a provider. It must hold across instances (the Functions host scales
/// out), so the production implementation keeps its counter in storage; tests and single-process tools may use an
/// in-memory one.
/// </summary>
public interface ISendRateLimiter
{
    /// <summary>Takes one send from <paramref name="resource"/>'s budget, or says how long to wait.</summary>
    ValueTask<RateDecision> TryAcquireAsync(string resource, RateLimit limit, CancellationToken cancellationToken);
}
