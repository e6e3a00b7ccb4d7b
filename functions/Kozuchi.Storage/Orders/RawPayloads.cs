using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Orders;

/// <summary>A stored inbound payload and what it claims to be.</summary>
public sealed record RawPayload(string Name, BinaryData Content, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The write-first landing zone (container <c>raw</c>): every accepted webhook body and import chunk is stored here
/// before a 2xx, under a name derived from its delivery id or content, so a repeated delivery lands on the same
/// blob and is recognised as a duplicate.
/// </summary>
public sealed class RawPayloads(StorageClients clients)
{
    private readonly BlobContainerClient _container = clients.Container(StorageCatalog.Containers.Raw);

    public static string ContentName(string prefix, ReadOnlySpan<byte> content) =>
        $"{prefix}/{Convert.ToHexStringLower(SHA256.HashData(content))}.json";

    /// <summary>Stores the payload once; false when a blob of that name already exists (a repeated delivery).</summary>
    public async Task<bool> TryStoreAsync(string name, ReadOnlyMemory<byte> content, IDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        try
        {
            await _container.Blob(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                Metadata = metadata,
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Overwrites: for import chunks whose content is fully determined by the import, so a re-run writes the same bytes.</summary>
    public async Task StoreAsync(string name, BinaryData content, IDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        await _container.Blob(name).UploadAsync(content, new BlobUploadOptions { Metadata = metadata }, cancellationToken).ConfigureAwait(false);

    /// <summary>Replaces a stored payload's metadata (its content and name stay).</summary>
    public async Task SetMetadataAsync(string name, IDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        await _container.Blob(name).SetMetadataAsync(metadata, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<RawPayload?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _container.Blob(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return new RawPayload(name, result.Value.Content, result.Value.Details.Metadata.AsReadOnly());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Stored payloads under a prefix, oldest first: what <c>kozuchi replay raw</c> sends through ingest again.</summary>
    public async IAsyncEnumerable<(string Name, IDictionary<string, string> Metadata)> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = new List<BlobItem>();
        await foreach (var item in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            items.Add(item);
        }

        foreach (var item in items.OrderBy(i => i.Properties.CreatedOn).ThenBy(i => i.Name, StringComparer.Ordinal))
        {
            yield return (item.Name, item.Metadata);
        }
    }
}
