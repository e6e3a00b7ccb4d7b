using System.Collections.Concurrent;
using System.Globalization;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Scenarios;

/// <summary>
/// The scenario results page's answers. Results read every enrollment of the scenario (seconds at a hundred thousand
/// enrollments), so they are kept — in memory and in blob — under a key of what they are computed from: the enrollment
/// change marker, the scenario's active version (its arms' order names the control) and the cost and winner settings.
/// The send outcomes' marker is part of the key (a send sent or failed changes the ledger, not always an enrollment).
/// They are computed once per change of that key, single-flight; after a change the page waits
/// <see cref="ReportSetOptions.StaleAfterSeconds"/> for the new count and is otherwise answered from the previous one
/// with <c>current: false</c>. The scenario's status is read per request, so a pause shows at once. The auto-winner and
/// the CLI read the enrollments directly.
/// </summary>
public sealed partial class ScenarioResultsCache(
    ScenarioService service,
    ScenarioStore scenarios,
    EnrollmentChanges changes,
    SendOutcomeChanges sends,
    ScenarioResultsStore blobs,
    TimeProvider time,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IOptions<ReportSetOptions> options,
    IOptions<ScenarioEngineOptions> engineOptions,
    IHostApplicationLifetime lifetime,
    ILogger<ScenarioResultsCache> logger) : IDisposable
{
    private sealed record Entry(string Key, ScenarioResultsView View);

    private readonly ConcurrentDictionary<string, Entry> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Id, string Key), Flight<ScenarioResultsView?>> _flights = new();
    private readonly ComputeGate _computeGate = new();

    /// <summary>The settings results depend on besides the enrollments: a redeploy with other costs counts again.</summary>
    private readonly string _settings = string.Join(',', engineOptions.Value.UnitCosts.OrderBy(c => c.Key).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key}:{c.Value}")))
        + string.Create(CultureInfo.InvariantCulture, $";min{engineOptions.Value.WinnerMinSamplePerArm}")
        // The results' shape: kept results of an older shape (no count of running enrollments) are counted again.
        + ";shape2";

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

        var view = await CachedAsync(head, cancellationToken).ConfigureAwait(false);
        return view is null ? null : view with { Status = head.Status, ActiveVersion = head.ActiveVersion };
    }

    /// <summary>Brings every scenario's stored results up to date (the refresh timer), so no page waits for a count.</summary>
    public async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        foreach (var head in await scenarios.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (head.Status != ScenarioStatus.Draft)
            {
                var key = await KeyAsync(head, cancellationToken).ConfigureAwait(false);
                if (!IsHeld(head.ScenarioId, key))
                {
                    await Flight(head, key).Work.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<string> KeyAsync(ScenarioHead head, CancellationToken cancellationToken)
    {
        // A send that succeeds changes no enrollment: the send outcomes' marker is part of the key as well.
        var marker = await changes.MarkerAsync(cancellationToken).ConfigureAwait(false);
        var outcomes = await sends.MarkerAsync(cancellationToken).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $"{marker}|{outcomes}|v{head.ActiveVersion}.{head.LatestVersion}|{_settings}");
    }

    private bool IsHeld(string id, string key) => _held.TryGetValue(id, out var e) && e.Key == key;

    private async Task<ScenarioResultsView?> CachedAsync(ScenarioHead head, CancellationToken cancellationToken)
    {
        var id = head.ScenarioId;
        var key = await KeyAsync(head, cancellationToken).ConfigureAwait(false);
        if (_held.TryGetValue(id, out var held) && held.Key == key)
        {
            return held.View;
        }

        if (held is not null && ChangeMarkers.Gone(held.Key, key))
        {
            // A storage reset took a marker away: the counts held were made over enrollments or sends that are gone.
            _held.TryRemove(KeyValuePair.Create(id, held));
        }

        var flight = Flight(head, key);
        var task = flight.Work.Value;
        if (task.IsCompleted || await PreviousAsync(id, key, cancellationToken).ConfigureAwait(false) is not { } previous)
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (previous.Key == key)
        {
            return previous.View;
        }

        // Requests wait until StaleAfterSeconds after the count began; later ones get the previous count at once.
        var wait = flight.WaitLeft(options.Value.StaleAfterSeconds, time);
        try
        {
            return await (wait >= TimeSpan.Zero ? task.WaitAsync(wait, time, cancellationToken) : task.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _staleAnswers);
            LogStale(logger, id);
            return previous.View with { Current = false };
        }
        catch (Exception e) when (e is not OperationCanceledException && task.IsFaulted)
        {
            // The count failed (logged by its continuation): the previous count, marked as not current, beats an error.
            Interlocked.Increment(ref _staleAnswers);
            return previous.View with { Current = false };
        }
    }

    private Flight<ScenarioResultsView?> Flight(ScenarioHead head, string key)
    {
        var flightKey = (head.ScenarioId, key);
        var flight = _flights.GetOrAdd(flightKey, k => new Flight<ScenarioResultsView?>(new Lazy<Task<ScenarioResultsView?>>(() => LoadOrComputeAsync(head, k.Key)), time.GetTimestamp()));
        _ = flight.Work.Value.ContinueWith(t =>
        {
            _flights.TryRemove(KeyValuePair.Create(flightKey, flight));
            if (t.Exception is { } failed)
            {
                LogFailed(logger, failed.GetBaseException(), head.ScenarioId);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return flight;
    }

    private async Task<Entry?> PreviousAsync(string id, string key, CancellationToken cancellationToken)
    {
        if (_held.TryGetValue(id, out var held))
        {
            return held;
        }

        if (await blobs.ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } stored && !ChangeMarkers.Gone(stored.Marker, key)
            && stored.Content.ToObjectFromJson<ScenarioResultsView>(json.Value.SerializerOptions) is { } view)
        {
            return _held.GetOrAdd(id, new Entry(stored.Marker, view));
        }

        return null;
    }

    private async Task<ScenarioResultsView?> LoadOrComputeAsync(ScenarioHead head, string key)
    {
        // The computation belongs to no request: one that gives up (or is answered from earlier results) leaves it running.
        var cancellationToken = lifetime.ApplicationStopping;
        var id = head.ScenarioId;
        if (await blobs.ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } stored && stored.Marker == key
            && stored.Content.ToObjectFromJson<ScenarioResultsView>(json.Value.SerializerOptions) is { } read)
        {
            return Remember(id, key, read);
        }

        using var entered = await _computeGate.EnterAsync(cancellationToken).ConfigureAwait(false);

        // The key may have moved while this count waited for the gate: count once for the newest key instead of a backlog.
        var current = await scenarios.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } now
            ? await KeyAsync(now, cancellationToken).ConfigureAwait(false)
            : key;
        if (_held.TryGetValue(id, out var held) && (held.Key == current || held.Key == key))
        {
            return held.View;
        }

        Interlocked.Increment(ref _computations);
        if (await service.ResultsAsync(id, cancellationToken).ConfigureAwait(false) is not { } view)
        {
            return null;
        }

        await blobs.WriteAsync(id, current, BinaryData.FromObjectAsJson(view, json.Value.SerializerOptions), cancellationToken).ConfigureAwait(false);
        return Remember(id, current, view);
    }

    private ScenarioResultsView Remember(string id, string key, ScenarioResultsView view)
    {
        _held[id] = new Entry(key, view);
        return view;
    }

    /// <summary>Holds every computation on this instance back (after its blob read) until disposed (tests look at the page meanwhile).</summary>
    internal Task<IDisposable> HoldComputationsAsync(CancellationToken cancellationToken) => _computeGate.EnterAsync(cancellationToken);

    public void Dispose() => _computeGate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "results of scenario {ScenarioId} are being recomputed: answered from the previous count")]
    private static partial void LogStale(ILogger logger, string scenarioId);

    [LoggerMessage(Level = LogLevel.Error, Message = "results of scenario {ScenarioId} could not be counted")]
    private static partial void LogFailed(ILogger logger, Exception exception, string scenarioId);
}
