namespace Kozuchi.Functions.Reports;

/// <summary>
/// One long computation at a time per instance (a report-set pass, a scenario's count): two at once would only double
/// the memory and halve the speed. Entering returns the release; tests enter it themselves to hold computations back
/// while they look at the pages.
/// </summary>
internal sealed class ComputeGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                try
                {
                    gate.Release();
                }
                catch (ObjectDisposedException)
                {
                    // The host stopped (and disposed the gate) while this computation ran: nothing waits for it any
                    // more, and the computation itself did not fail, so it must not be reported as failed.
                }
            }
        }
    }
}
