using System.Collections.Concurrent;

namespace Kozuchi.Functions.Security;

/// <summary>
/// Failed operator-key attempts per client (<see cref="RequestOrigin.ClientKey"/>), on the sign-in form and as a
/// bearer token: after <see cref="MaxFailures"/> within <see cref="Window"/>, the client is refused (429 with
/// Retry-After) until its oldest failure leaves the window; a success clears its count. Kept per instance, in memory:
/// with a generated key (144 random bits) it only has to make guessing slow, and the clock is the app's
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public const int MaxClients = 10_000;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the client must wait before its next attempt counts; zero when it may try now.</summary>
    public TimeSpan WaitFor(string client)
    {
        if (!_failures.TryGetValue(client, out var failures))
        {
            return TimeSpan.Zero;
        }

        var now = time.GetUtcNow();
        lock (failures)
        {
            Expire(failures, now);
            return failures.Count >= MaxFailures ? failures.Peek() + Window - now : TimeSpan.Zero;
        }
    }

    public void Failed(string client)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxClients)
        {
            Prune(now);
        }

        var failures = _failures.GetOrAdd(client, _ => new Queue<DateTimeOffset>());
        lock (failures)
        {
            Expire(failures, now);
            failures.Enqueue(now);
        }
    }

    public void Succeeded(string client) => _failures.TryRemove(client, out _);

    private static void Expire(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && failures.Peek() + Window <= now)
        {
            failures.Dequeue();
        }
    }

    /// <summary>Bounded memory: clients whose failures have all expired go; past the bound, any go.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (client, failures) in _failures)
        {
            lock (failures)
            {
                Expire(failures, now);
                if (failures.Count == 0)
                {
                    _failures.TryRemove(client, out _);
                }
            }
        }

        foreach (var client in _failures.Keys.Take(Math.Max(0, _failures.Count - (MaxClients / 2))).ToList())
        {
            _failures.TryRemove(client, out _);
        }
    }
}
