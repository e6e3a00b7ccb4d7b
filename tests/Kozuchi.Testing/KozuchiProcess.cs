using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kozuchi.Testing;

/// <summary>
/// The <c>kozuchi</c> executable started as the Functions host starts a custom handler: a child process with
/// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set to a free port. Readiness is seen in its own output (Kestrel's
/// "Now listening on"), then confirmed by <c>GET /</c> as the host probes it.
/// </summary>
public sealed class KozuchiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private KozuchiProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

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

    /// <summary>Starts <paramref name="executable"/> (an apphost or a .dll run by dotnet) in <paramref name="workingDirectory"/>.</summary>
    public static async Task<KozuchiProcess> StartHandlerAsync(string executable, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var port = FreePort();
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

        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = Guid.NewGuid().ToString();
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} could not be started.");
        var handler = new KozuchiProcess(process, port);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            if (line is null)
            {
                listening.TrySetException(new InvalidOperationException($"kozuchi exited before listening:\n{handler.Output}"));
                return;
            }

            lock (handler._output)
            {
                handler._output.AppendLine(line);
            }

            if (line.Contains("Now listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Collect(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(timeout);
        }
        catch
        {
            await handler.DisposeAsync();
            throw;
        }

        return handler;
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
