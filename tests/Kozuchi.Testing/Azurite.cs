using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Kozuchi.Testing;

/// <summary>
/// A real Azurite from the repository's pinned npm package, on free ports, in memory (or on disk when a test
/// must survive a restart). Stopped by its process id. A missing package is an error, never a skipped test.
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    // Azurite's published development key: not a secret.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string? _location;
    private readonly int? _heapMegabytes;
    private Process? _process;

    private Azurite(string? location, int? heapMegabytes)
    {
        _location = location;
        _heapMegabytes = heapMegabytes;
    }

    /// <summary>The emulator's process id while it runs (benchmarks read its memory).</summary>
    public int? ProcessId => _process?.Id;

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }
    public int TablePort { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <summary>Starts an emulator; with a location it persists to disk there and can be restarted with its data.</summary>
    /// <param name="location">Folder to persist to; in memory when null.</param>
    /// <param name="heapMegabytes">Node's heap limit: benchmarks holding millions of rows need more than the default.</param>
    public static async Task<Azurite> StartAsync(string? location = null, int? heapMegabytes = null)
    {
        var azurite = new Azurite(location, heapMegabytes);
        await azurite.StartProcessAsync(0, 0, 0);
        return azurite;
    }

    /// <summary>Stops and starts again on the same ports: what a storage outage looks like to the app.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync(BlobPort, QueuePort, TablePort);
    }

    /// <summary>Starts again on the same ports after <see cref="StopAsync"/>.</summary>
    public Task StartAgainAsync() => StartProcessAsync(BlobPort, QueuePort, TablePort);

    /// <summary>
    /// Stops the emulator. On disk it is asked to shut down (SIGTERM) first: Azurite keeps its metadata database in
    /// memory and saves it on an interval and at shutdown, so a kill -9 can lose writes it had acknowledged — which
    /// Azure Storage never does, so a test of ours must not depend on that.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is { } p)
        {
            _process = null;
            if (_location is not null && !p.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
                try
                {
                    await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (TimeoutException)
                {
                    // Did not shut down: killed below, as a crash would.
                }
            }

            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            await p.WaitForExitAsync();
            PidFile(p.Id).Delete();
            p.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Kozuchi.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("Kozuchi.sln was not found above the test binaries.");
    }

    private async Task StartProcessAsync(int blobPort, int queuePort, int tablePort)
    {
        var script = Path.Combine(RepositoryRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}. Run the test command from the README (it runs `npm ci`).");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_heapMegabytes is { } heap)
        {
            start.ArgumentList.Add($"--max-old-space-size={heap.ToString(CultureInfo.InvariantCulture)}");
        }

        start.ArgumentList.Add(script);
        foreach (var arg in new[] { "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose" })
        {
            start.ArgumentList.Add(arg);
        }

        if (_location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
            start.ArgumentList.Add("--extentMemoryLimit");
            start.ArgumentList.Add((_heapMegabytes ?? 4096).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            Directory.CreateDirectory(_location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(_location);
        }

        foreach (var (name, port) in new[] { ("--blobPort", blobPort), ("--queuePort", queuePort), ("--tablePort", tablePort) })
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        // "<emulator> <owner>": scripts/test stops only emulators whose owning test process is gone, never another run's.
        await File.WriteAllTextAsync(PidFile(process.Id).FullName, string.Create(CultureInfo.InvariantCulture, $"{process.Id} {Environment.ProcessId}"));
        var listening = new Dictionary<string, int>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"Azurite exited before listening:\n{output}"));
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
                var m = ListeningLine().Match(e.Data);
                if (m.Success)
                {
                    listening[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                    if (listening.Count == 3)
                    {
                        ready.TrySetResult();
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        _process = process;
        BlobPort = listening["Blob"];
        QueuePort = listening["Queue"];
        TablePort = listening["Table"];
    }

    /// <summary>The test command kills any emulator a crashed test run left behind, by these files.</summary>
    private static FileInfo PidFile(int pid)
    {
        var dir = Path.Combine(Path.GetTempPath(), "kozuchi-azurite");
        Directory.CreateDirectory(dir);
        return new FileInfo(Path.Combine(dir, pid.ToString(CultureInfo.InvariantCulture) + ".pid"));
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at http://[^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
