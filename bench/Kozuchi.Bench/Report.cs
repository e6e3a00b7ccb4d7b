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
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {value:N1} {unit} |{(note is null ? string.Empty : " " + note + " |")}"));

    public static long PeakMegabytes() => Process.GetCurrentProcess().PeakWorkingSet64 >> 20;

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
