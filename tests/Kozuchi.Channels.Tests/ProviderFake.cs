using WireMock.Logging;
using WireMock.Server;

namespace Kozuchi.Channels.Tests;

/// <summary>A WireMock server on loopback playing a provider, and what it received.</summary>
public sealed class ProviderFake : IDisposable
{
    public WireMockServer Server { get; } = WireMockServer.Start();

    public Uri Url => new(Server.Url!);

    public IReadOnlyList<ILogEntry> Requests(string path) =>
        [.. Server.LogEntries.Where(e => e.RequestMessage!.Path == path).OrderBy(e => e.RequestMessage!.DateTime)];

    public static string? Body(ILogEntry entry) => entry.RequestMessage!.Body;

    public static byte[] BodyBytes(ILogEntry entry) => entry.RequestMessage!.BodyAsBytes ?? [];

    public static string? Header(ILogEntry entry, string name) =>
        entry.RequestMessage!.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    public void Dispose() => Server.Stop();
}
