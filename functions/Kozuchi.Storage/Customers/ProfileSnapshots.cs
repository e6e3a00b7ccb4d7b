using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// Every active customer's profile in one blob, so reports over a million customers read one file instead of a
/// million table rows (a table scan runs at tens of thousands of rows a second; the blob reads in well under a second).
/// A snapshot is only used while it is current: ingest touches a change marker after every batch it saves, the
/// snapshot remembers the marker's ETag read before it was taken, and a report that finds the marker moved scans the
/// tables (exact) and leaves a new snapshot behind. So reports are always exact, and fast when nothing changed.
/// </summary>
public sealed class ProfileSnapshots(StorageClients clients, CustomerStore store)
{
    public const string BlobName = "snapshots/customer-profiles.v3.bin";
    private const string Magic = "KZPS";

    /// <summary>
    /// The blobs of earlier formats: deleted whenever a snapshot is written, so no copy of a profile outlives a change
    /// (erasure takes the snapshot again to drop the prefecture; an old format's blob would keep it).
    /// </summary>
    private static readonly string[] Retired = ["snapshots/customer-profiles.v1.bin", "snapshots/customer-profiles.v2.bin"];

    /// <summary>2: each profile's revenue in other currencies than its own follows the currency. 3: the products ever bought follow the entry products.</summary>
    private const int FormatVersion = 3;

    private readonly ChangeMarker _marker = new(clients, "customers");

    /// <summary>Called after customers changed (ingest, corrections): any snapshot taken before is stale from now on.</summary>
    public Task TouchAsync(CancellationToken cancellationToken) => _marker.TouchAsync(cancellationToken);

    /// <summary>The profiles of every active customer, from the snapshot when it is current, else from the tables.</summary>
    public async Task<IReadOnlyList<CustomerProfile>> CurrentAsync(CancellationToken cancellationToken)
    {
        var marker = await MarkerAsync(cancellationToken).ConfigureAwait(false);
        var blob = clients.Container(StorageCatalog.Containers.Runtime).GetBlobClient(BlobName);
        try
        {
            var download = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            if (marker != ChangeMarker.None && download.Value.Details.Metadata.TryGetValue("marker", out var taken) && taken == marker)
            {
                return Read(download.Value.Content.ToStream());
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No snapshot yet.
        }

        var profiles = await store.ReadAllProfilesAsync(cancellationToken).ConfigureAwait(false);
        await StoreAsync(profiles, marker, cancellationToken).ConfigureAwait(false);
        return profiles;
    }

    /// <summary>
    /// Stores profiles read by someone else's scan (the precomputed report set reads every customer anyway), tied to
    /// the marker that scan read before it started, so the snapshot is used only while nothing changed since.
    /// </summary>
    public async Task StoreAsync(IReadOnlyCollection<CustomerProfile> profiles, string marker, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        Write(buffer, profiles);
        buffer.Position = 0;
        var container = clients.Container(StorageCatalog.Containers.Runtime);
        await container.GetBlobClient(BlobName)
            .UploadAsync(buffer, new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["marker"] = marker } }, cancellationToken).ConfigureAwait(false);
        foreach (var retired in Retired)
        {
            await container.DeleteBlobIfExistsAsync(retired, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The change marker's current version (<see cref="ChangeMarker.None"/> before the first change or after a reset): what derived data is tied to.</summary>
    public Task<string> MarkerAsync(CancellationToken cancellationToken) => _marker.ReadAsync(cancellationToken);

    /// <summary>The snapshot format: a header, then per customer the fields reports read (what a profile scan returns).</summary>
    public static void Write(Stream stream, IReadOnlyCollection<CustomerProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(profiles.Count);
        foreach (var p in profiles)
        {
            w.Write(p.CustomerId);
            w.Write(p.FirstOrderAt?.UtcTicks ?? 0L);
            w.Write(p.LastOrderAt?.UtcTicks ?? 0L);
            w.Write(p.Frequency);
            w.Write(p.Monetary);
            w.Write(p.Currency);
            w.Write(Currencies.Format(p.OtherMonetary));
            w.Write(string.Join('\t', p.EntryProducts));
            w.Write(string.Join('\t', p.BoughtProducts));
            w.Write(p.AcquisitionMedium ?? string.Empty);
            w.Write(p.Prefecture ?? string.Empty);
            var r = p.Reachability;
            w.Write((byte)((p.IsSubscriber ? 1 : 0) | (r.CanEmail ? 2 : 0) | (r.CanLine ? 4 : 0) | (r.CanPost ? 8 : 0) | (r.CanCall ? 16 : 0) | (p.State == CustomerState.Erased ? 32 : 0)));
        }
    }

    public static IReadOnlyList<CustomerProfile> Read(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (r.ReadString() != Magic || r.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException("Not a customer profile snapshot of this version.");
        }

        var count = r.ReadInt32();
        var profiles = new List<CustomerProfile>(count);
        for (var i = 0; i < count; i++)
        {
            var id = r.ReadString();
            var first = r.ReadInt64();
            var last = r.ReadInt64();
            var frequency = r.ReadInt32();
            var monetary = r.ReadDecimal();
            var currency = r.ReadString();
            var others = Currencies.Parse(r.ReadString());
            var entry = r.ReadString();
            var bought = r.ReadString();
            var medium = r.ReadString();
            var prefecture = r.ReadString();
            var flags = r.ReadByte();
            profiles.Add(new CustomerProfile
            {
                CustomerId = id,
                State = (flags & 32) != 0 ? CustomerState.Erased : CustomerState.Active,
                FirstOrderAt = first == 0 ? null : new DateTimeOffset(first, TimeSpan.Zero),
                LastOrderAt = last == 0 ? null : new DateTimeOffset(last, TimeSpan.Zero),
                Frequency = frequency,
                Monetary = monetary,
                Currency = currency,
                OtherMonetary = others,
                EntryProducts = entry.Length == 0 ? [] : entry.Split('\t'),
                BoughtProducts = bought.Length == 0 ? new HashSet<string>(StringComparer.Ordinal) : bought.Split('\t').ToHashSet(StringComparer.Ordinal),
                AcquisitionMedium = medium.Length == 0 ? null : medium,
                Prefecture = prefecture.Length == 0 ? null : prefecture,
                IsSubscriber = (flags & 1) != 0,
                Reachability = new Reachability
                {
                    HasEmail = (flags & 2) != 0,
                    EmailOptIn = (flags & 2) != 0,
                    LineUserId = (flags & 4) != 0 ? "(linked)" : null,
                    LineFollowing = (flags & 4) != 0,
                    HasPostalAddress = (flags & 8) != 0,
                    HasPhone = (flags & 16) != 0,
                },
            });
        }

        return profiles;
    }
}
