using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kozuchi.Testing;

/// <summary>
/// The <c>kozuchi</c> executable started as a child process (<c>kozuchi serve</c>, or the worker as the Functions host
/// starts it), its output collected so that a test can wait for a line it writes instead of sleeping.
/// </summary>
public sealed class KozuchiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waits = [];

    private KozuchiProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary><c>kozuchi serve --port</c> on a free port, ready once Kestrel says it listens.</summary>
    public static async Task<(KozuchiProcess Process, Uri BaseAddress)> ServeAsync(string executable, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var port = FreePort();
        var process = Start(executable, ["serve", "--port", port.ToString(CultureInfo.InvariantCulture)], workingDirectory, environment);
        try
        {
            await process.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), timeout);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return (process, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>Starts <paramref name="executable"/> (an apphost or a .dll run by dotnet) in <paramref name="workingDirectory"/>.</summary>
    public static KozuchiProcess Start(string executable, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(executable);
        ArgumentNullException.ThrowIfNull(environment);
        var isDll = executable.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(isDll ? "dotnet" : executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (isDll)
        {
            start.ArgumentList.Add(executable);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} could not be started.");
        var kozuchi = new KozuchiProcess(process);
        process.OutputDataReceived += (_, e) => kozuchi.Collect(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                kozuchi.Collect(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return kozuchi;
    }

    /// <summary>Waits for an output line (one written already counts); fails if the process ends first.</summary>
    public async Task WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Split('\n').Any(l => match(l.TrimEnd('\r'))))
            {
                return;
            }

            _waits.Add((match, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"kozuchi did not write the awaited line within {timeout}:\n{Output}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Collect(string? line)
    {
        lock (_output)
        {
            if (line is null)
            {
                foreach (var (_, seen) in _waits)
                {
                    seen.TrySetException(new InvalidOperationException($"kozuchi exited:\n{_output}"));
                }

                return;
            }

            _output.AppendLine(line);
            foreach (var wait in _waits.Where(w => w.Match(line)).ToList())
            {
                wait.Seen.TrySetResult();
                _waits.Remove(wait);
            }
        }
    }
}
