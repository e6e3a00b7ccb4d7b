using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Testing;

/// <summary>
/// A fake clock that also tells when code under test starts waiting on it, so a test can advance time
/// exactly when a background loop is parked in <c>Task.Delay</c> — no real sleeps, no guessing.
/// </summary>
public sealed class ObservableTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly object _gate = new();
    private TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<TimeSpan, bool> _match = _ => true;

    /// <summary>Completes when the next timer (a delay or periodic timer) is created on this clock.</summary>
    public Task NextTimerCreated
    {
        get
        {
            lock (_gate)
            {
                return _timerCreated.Task;
            }
        }
    }

    /// <summary>Arms <see cref="NextTimerCreated"/> anew; call it before the action that will wait.</summary>
    public Task ExpectTimer() => ExpectTimer(_ => true);

    /// <summary>
    /// Like <see cref="ExpectTimer()"/>, for the timer whose due time matches: other code on the same clock (the host's
    /// own timers) must not release a test that waits for one particular loop to park.
    /// </summary>
    public Task ExpectTimer(Func<TimeSpan, bool> dueTime)
    {
        lock (_gate)
        {
            _match = dueTime;
            _timerCreated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _timerCreated.Task;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            if (_match(dueTime))
            {
                _timerCreated.TrySetResult();
            }
        }

        return timer;
    }
}
