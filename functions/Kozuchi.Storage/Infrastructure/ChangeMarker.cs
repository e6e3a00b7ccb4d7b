using System.Text;
using Azure.Data.Tables;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// A row of the runtime table whose ETag changes with every touch. Whoever changes some data touches it afterwards;
/// whatever is derived from that data (a snapshot, a report set, scenario results) remembers the version it read before
/// it began, and is current only while the version is the same.
/// </summary>
/// <param name="name">What the marker stands for (its partition key): <c>customers</c>, <c>enrollments</c>.</param>
public sealed class ChangeMarker(StorageClients clients, string name)
{
    /// <summary>
    /// The version before the first touch, and after a storage reset took the marker row away. Whatever was computed
    /// under another version is then about data that may be gone: it is not served, not even as "previous figures".
    /// </summary>
    public const string None = "none";

    private const string Row = "last-change";

    private readonly TableClient _runtime = clients.Table(StorageCatalog.Tables.Runtime);

    public async Task TouchAsync(CancellationToken cancellationToken) =>
        await _runtime.UpsertEntityAsync(new TableEntity(name, Row), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    /// <summary>The marker's current version (<see cref="None"/> before the first touch, or when its row is gone).</summary>
    public async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        var row = await _runtime.GetEntityIfExistsAsync<TableEntity>(name, Row, ["PartitionKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? Convert.ToBase64String(Encoding.UTF8.GetBytes(e.ETag.ToString())) : None;
    }
}

/// <summary>Keys of derived data built from change-marker versions.</summary>
public static class ChangeMarkers
{
    /// <summary>
    /// A marker that <paramref name="held"/> was keyed on is gone in <paramref name="current"/> (it reads
    /// <see cref="ChangeMarker.None"/> where it had a version): the storage behind it was reset. Keys are compared part by
    /// part (<c>|</c>-separated).
    /// </summary>
    public static bool Gone(string held, string current)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(current);
        var before = held.Split('|');
        var now = current.Split('|');
        return before.Zip(now).Any(p => p.First != ChangeMarker.None && p.Second == ChangeMarker.None);
    }
}
