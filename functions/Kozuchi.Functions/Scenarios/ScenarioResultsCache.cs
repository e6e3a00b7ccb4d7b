using System.Collections.Concurrent;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Scenarios;

/// <summary>
/// The scenario results page's answers. Results read every enrollment of the scenario (seconds at a hundred thousand
/// enrollments), so they are kept — in memory and in blob — under the enrollment change marker, computed once per
/// change and single-flight; after a change the page waits <see cref="ReportSetOptions.StaleAfterSeconds"/> for the
/// new count and is otherwise answered from the previous one with <c>current: false</c>. The scenario's status is read
/// per request, so a pause shows at once. The auto-winner and the CLI read the enrollments directly.
/// </summary>
public sealed partial class ScenarioResultsCache(
    ScenarioService service,
    ScenarioStore scenarios,
    EnrollmentChanges changes,
    ScenarioResultsStore blobs,
    TimeProvider time,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IOptions<ReportSetOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ScenarioResultsCache> logger) : IDisposable
{
    private sealed record Entry(string Marker, ScenarioResultsView View);

    private readonly ConcurrentDictionary<string, Entry> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Id, string Marker), Flight<ScenarioResultsView?>> _flights = new();
    private readonly SemaphoreSlim _computeGate = new(1, 1);
    private int _computations;
    private int _staleAnswers;

    /// <summary>How many times this instance read a scenario's enrollments for its results.</summary>
    public int Computations => Volatile.Read(ref _computations);

    /// <summary>How many answers came from earlier results while newer ones were being computed.</summary>
    public int StaleAnswers => Volatile.Read(ref _staleAnswers);

    /// <summary>Completes when no computation is under way on this instance.</summary>
    public Task IdleAsync() => Task.WhenAll(_flights.Values.Select(f => f.Work.Value.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));

    /// <summary>The scenario's results (null when there is no such scenario), with its current status.</summary>
    public async Task<ScenarioResultsView?> ResultsAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (await scenarios.GetAsync(scenarioId, cancellationToken).ConfigureAwait(false) is not { } head)
        {
            return null;
        }

        var view = await CachedAsync(scenarioId, cancellationToken).ConfigureAwait(false);
        return view is null ? null : view with { Status = head.Status, ActiveVersion = head.ActiveVersion };
    }

    /// <summary>Brings every scenario's stored results up to the current marker (the refresh timer), so no page waits for a count.</summary>
    public async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        foreach (var head in await scenarios.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (head.Status != ScenarioStatus.Draft)
            {
                var marker = await changes.MarkerAsync(cancellationToken).ConfigureAwait(false);
                if (!IsHeld(head.ScenarioId, marker))
                {
                    await Flight(head.ScenarioId, marker).Work.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private bool IsHeld(string id, string marker) => _held.TryGetValue(id, out var e) && e.Marker == marker;

    private async Task<ScenarioResultsView?> CachedAsync(string id, CancellationToken cancellationToken)
    {
        var marker = await changes.MarkerAsync(cancellationToken).ConfigureAwait(false);
        if (_held.TryGetValue(id, out var held) && held.Marker == marker)
        {
            return held.View;
        }

        var flight = Flight(id, marker);
        var task = flight.Work.Value;

        // Requests wait until StaleAfterSeconds after the count began; later ones get the previous count at once.
        var wait = flight.WaitLeft(options.Value.StaleAfterSeconds, time);
        if (wait >= TimeSpan.Zero && !task.IsCompleted && await PreviousAsync(id, cancellationToken).ConfigureAwait(false) is { } previous)
        {
            if (previous.Marker == marker)
            {
                return previous.View;
            }

            try
            {
                return await task.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref _staleAnswers);
                LogStale(logger, id);
                return previous.View with { Current = false };
            }
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Flight<ScenarioResultsView?> Flight(string id, string marker)
    {
        var key = (id, marker);
        var flight = _flights.GetOrAdd(key, k => new Flight<ScenarioResultsView?>(new Lazy<Task<ScenarioResultsView?>>(() => LoadOrComputeAsync(k.Id, k.Marker)), time.GetTimestamp()));
        _ = flight.Work.Value.ContinueWith(_ => _flights.TryRemove(KeyValuePair.Create(key, flight)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return flight;
    }

    private async Task<Entry?> PreviousAsync(string id, CancellationToken cancellationToken)
    {
        if (_held.TryGetValue(id, out var held))
        {
            return held;
        }

        if (await blobs.ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } stored
            && stored.Content.ToObjectFromJson<ScenarioResultsView>(json.Value.SerializerOptions) is { } view)
        {
            return _held.GetOrAdd(id, new Entry(stored.Marker, view));
        }

        return null;
    }

    private async Task<ScenarioResultsView?> LoadOrComputeAsync(string id, string marker)
    {
        // The computation belongs to no request: one that gives up (or is answered from earlier results) leaves it running.
        var cancellationToken = lifetime.ApplicationStopping;
        if (await blobs.ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } stored && stored.Marker == marker
            && stored.Content.ToObjectFromJson<ScenarioResultsView>(json.Value.SerializerOptions) is { } read)
        {
            return Remember(id, marker, read);
        }

        await _computeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_held.TryGetValue(id, out var held) && held.Marker == marker)
            {
                return held.View;
            }

            Interlocked.Increment(ref _computations);
            if (await service.ResultsAsync(id, cancellationToken).ConfigureAwait(false) is not { } view)
            {
                return null;
            }

            await blobs.WriteAsync(id, marker, BinaryData.FromObjectAsJson(view, json.Value.SerializerOptions), cancellationToken).ConfigureAwait(false);
            return Remember(id, marker, view);
        }
        finally
        {
            _computeGate.Release();
        }
    }

    private ScenarioResultsView Remember(string id, string marker, ScenarioResultsView view)
    {
        _held[id] = new Entry(marker, view);
        return view;
    }

    /// <summary>Holds every computation on this instance back (after its blob read) until disposed (tests look at the page meanwhile).</summary>
    internal async Task<IDisposable> HoldComputationsAsync(CancellationToken cancellationToken)
    {
        await _computeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_computeGate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    public void Dispose() => _computeGate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "results of scenario {ScenarioId} are being recomputed: answered from the previous count")]
    private static partial void LogStale(ILogger logger, string scenarioId);
}
