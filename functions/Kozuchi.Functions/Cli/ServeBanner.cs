namespace Kozuchi.Functions.Cli;

/// <summary>
/// What <c>kozuchi serve</c> prints once it listens: the addresses the server actually bound (after start, so a port
/// the operator asked for as 0, or one set through <c>ASPNETCORE_URLS</c>, shows as it really is), never the port asked for.
/// </summary>
public static class ServeBanner
{
    public static string Text(IEnumerable<string> listening)
    {
        ArgumentNullException.ThrowIfNull(listening);
        var addresses = listening.Select(a => a.TrimEnd('/')).ToList();
        if (addresses.Count == 0)
        {
            return "Kozuchi is running, but the server reported no address it listens on.  (Ctrl+C to stop)";
        }

        var root = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses[0];
        return $"Kozuchi is running on {string.Join(", ", addresses.Select(a => a + "/"))}\n"
            + $"  dashboard: {root}/api/dashboard/\n"
            + $"  API:       {root}/api   (health: {root}/api/health)\n"
            + "  Ctrl+C to stop.";
    }
}
