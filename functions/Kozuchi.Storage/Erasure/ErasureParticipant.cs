using Kozuchi.Core.Customers;
using Kozuchi.Core.Erasure;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// Everything known about the person being erased, read before anything is changed: their customer ids (the one
/// asked for, its survivor and every customer merged into it), their orders in full, their identifiers and their
/// personal values in every stored form.
/// </summary>
public sealed record ErasureSubject(
    string CustomerId,
    IReadOnlyList<CustomerRecord> Records,
    IReadOnlyList<Order> Orders,
    IReadOnlyList<IdentityKey> Identities,
    PersonalData Person)
{
    public IReadOnlySet<string> CustomerIds { get; } = Records.Select(r => r.CustomerId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The subject's orders as <c>source:id</c>.</summary>
    public IReadOnlySet<string> OrderKeys { get; } = Orders.Select(o => o.Key.ToString()).ToHashSet(StringComparer.Ordinal);

    /// <summary>What stands in for the person in a stored document that must name a customer (no personal value in it).</summary>
    public string AnonymousRef => "erased-" + CustomerId;

    /// <summary>The blobs the <see cref="BlobIndex"/> names for the subject's orders and customer ids, by logical container.</summary>
    public ILookup<string, string> IndexedBlobs { get; init; } = Array.Empty<string>().ToLookup(b => b, StringComparer.Ordinal);

    /// <summary>When the erasure or data request began (what a rewritten blob is marked with).</summary>
    public DateTimeOffset At { get; init; }

    private int _blobsRead;

    /// <summary>How many blobs the participants downloaded for this subject (the audit and the benchmark show it).</summary>
    public int BlobsRead => Volatile.Read(ref _blobsRead);

    public void CountRead() => Interlocked.Increment(ref _blobsRead);
}

/// <summary>
/// One place personal data is kept. The erasure service runs every registered participant, in registration order, for
/// an erasure and for a data request. A new store of personal data (checkouts, say) adds one participant and registers
/// it in <see cref="ErasureServiceCollectionExtensions.AddErasure"/>; the storage-wide erasure test then covers it.
/// </summary>
public interface IErasureParticipant
{
    /// <summary>Short name for the audit record and the data-request export.</summary>
    string Name { get; }

    /// <summary>Removes or anonymises the subject's data here; idempotent. Returns how many rows or blobs changed.</summary>
    Task<int> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken);

    /// <summary>What is held here about the subject, JSON-serialisable, or null when nothing.</summary>
    Task<object?> ExportAsync(ErasureSubject subject, CancellationToken cancellationToken);
}
