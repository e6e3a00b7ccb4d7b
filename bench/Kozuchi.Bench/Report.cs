using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Kozuchi.Bench;

/// <summary>Figures printed the same way by every benchmark, so docs/PERFORMANCE.md can quote them as they are.</summary>
internal static class Report
{
    public static void Machine() =>
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}Z");

    public static void Line(string what, double value, string unit, string? note = null) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {(value < 100 ? value.ToString("N3", CultureInfo.InvariantCulture) : value.ToString("N0", CultureInfo.InvariantCulture))} {unit} |{(note is null ? string.Empty : " " + note + " |")}"));

    public static long PeakMegabytes() => Process.GetCurrentProcess().PeakWorkingSet64 >> 20;

    /// <summary>Resets this process's peak resident set (VmHWM, which <see cref="PeakMegabytes"/> reads; Linux 4.0+).</summary>
    public static void ResetPeak()
    {
        if (File.Exists("/proc/self/clear_refs"))
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
    }

    /// <summary>CPU time (user + system) a process has used, from /proc: the emulator's share of a core over a run.</summary>
    public static double CpuSeconds(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return 0;
        }

        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Resident memory of another process (the emulator), from /proc.</summary>
    public static long ResidentMegabytes(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/status"))
        {
            return 0;
        }

        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) >> 10;
    }
}
