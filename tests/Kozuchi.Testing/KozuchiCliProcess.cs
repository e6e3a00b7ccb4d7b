using System.Diagnostics;
using System.Text;

namespace Kozuchi.Testing;

/// <summary>
/// <c>kozuchi &lt;command&gt;</c> run as an operator runs it: a child process of the built executable with the
/// settings in its environment. Output is read character by character, so progress bars drawn with <c>\r</c>
/// can be waited on, and the process can be killed at a chosen moment (fault tests).
/// </summary>
public sealed class KozuchiCliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pumps;
    private readonly List<(Func<string, bool> Condition, TaskCompletionSource Seen)> _waiters = [];

    private KozuchiCliProcess(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(Pump(process.StandardOutput, _stdout), Pump(process.StandardError, _stderr));
    }

    public string Output => Read(_stdout);
    public string Error => Read(_stderr);

    /// <summary>Starts <c>kozuchi</c> from the test's output folder, where the app is built beside the tests.</summary>
    public static KozuchiCliProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        StartIn(Path.GetTempPath(), environment, args);

    /// <summary>Starts <c>kozuchi</c> in <paramref name="workingDirectory"/> (where it looks for local.settings.json).</summary>
    public static KozuchiCliProcess StartIn(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            // By default not the repository: a developer's local.settings.json there must not leak into a test run.
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kozuchi.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        return new KozuchiCliProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started."));
    }

    /// <summary>Runs a command to its end and returns its exit code; output stays readable afterwards.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args) =>
        RunInAsync(Path.GetTempPath(), environment, timeout, args);

    /// <summary>Like <see cref="RunAsync"/>, in <paramref name="workingDirectory"/>.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunInAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        await using var cli = StartIn(workingDirectory, environment, args);
        var code = await cli.WaitForExitAsync(timeout);
        return (code, cli.Output, cli.Error);
    }

    /// <summary>Completes when stdout + stderr (as printed so far) satisfies <paramref name="condition"/>.</summary>
    public Task WaitForAsync(Func<string, bool> condition, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (condition(Output + Error))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, seen));
        }

        return seen.Task.WaitAsync(timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        await _pumps;
        return _process.ExitCode;
    }

    /// <summary>Kills the process as a crash or an operator's kill -9 would: no cleanup runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _pumps;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task Pump(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, n);
            }

            lock (_waiters)
            {
                var text = Output + Error;
                foreach (var w in _waiters.Where(w => w.Condition(text)).ToList())
                {
                    w.Seen.TrySetResult();
                    _waiters.Remove(w);
                }
            }
        }
    }

    private static string Read(StringBuilder b)
    {
        lock (b)
        {
            return b.ToString();
        }
    }
}
