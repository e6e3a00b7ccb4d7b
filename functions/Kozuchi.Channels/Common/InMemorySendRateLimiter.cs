using Kozuchi.Core.Channels;

namespace Kozuchi.Channels.Common;

/// <summary>A fixed-window limiter for one process (CLI tools, tests). Across instances use the storage one.</summary>
public sealed class InMemorySendRateLimiter(TimeProvider time) : ISendRateLimiter
{
    private readonly Dictionary<string, (DateTimeOffset Window, int Count)> _windows = new(StringComparer.Ordinal);

    public ValueTask<RateDecision> TryAcquireAsync(string resource, RateLimit limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var now = time.GetUtcNow();
        var window = limit.WindowStart(now);
        lock (_windows)
        {
            var (current, count) = _windows.GetValueOrDefault(resource);
            if (current != window)
            {
                count = 0;
            }

            if (count >= limit.Limit)
            {
                return ValueTask.FromResult(RateDecision.Wait(limit.UntilNextWindow(now)));
            }

            _windows[resource] = (window, count + 1);
            return ValueTask.FromResult(RateDecision.Grant);
        }
    }
}
