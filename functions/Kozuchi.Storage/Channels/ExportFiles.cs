using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Channels;

public sealed record ExportFile(string Name, long Length, string ContentType, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>When the file was written (set when listed).</summary>
    public DateTimeOffset? At { get; init; }
}

/// <summary>Files for vendors and people (DM lists, call lists) in the <c>exports</c> container.</summary>
public sealed class ExportFiles(StorageClients clients, Erasure.BlobIndex index)
{
    private readonly BlobContainerClient _container = clients.Container(StorageCatalog.Containers.Exports);

    /// <summary>Names are flat and ASCII (<c>dm-2026-11-campaign.csv</c>): what a download URL can carry unescaped.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 200 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !name.StartsWith('.') && BlobNames.IsSafe(name);

    /// <summary>
    /// Writes the file through <paramref name="write"/>, then stores what it cost and counted as metadata.
    /// <paramref name="customerIds"/>: the customers the file names, indexed for erasure before it is stored.
    /// </summary>
    public async Task<T> WriteAsync<T>(string name, string contentType, Func<Stream, Task<(T Result, IDictionary<string, string> Metadata)>> write, CancellationToken cancellationToken, IReadOnlyCollection<string>? customerIds = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid export name.", nameof(name));
        }

        var blob = _container.Blob(name);

        // Buffered so the counts and cost land as metadata in the same upload as the content: a list is never
        // visible without them. Lists are tens of MB at most (100k pieces ≈ 15 MB).
        var buffer = new MemoryStream();
        await using (buffer.ConfigureAwait(false))
        {
            var (result, metadata) = await write(buffer).ConfigureAwait(false);
            buffer.Position = 0;
            if (customerIds is not null)
            {
                await index.AddAsync(StorageCatalog.Containers.Exports, name, customerIds.Select(Erasure.BlobIndex.CustomerKey), cancellationToken).ConfigureAwait(false);
                Erasure.BlobIndex.MarkIndexed(metadata);
            }

            await blob.UploadAsync(buffer, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType }, Metadata = metadata }, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    /// <summary>The newest files first, at most <paramref name="take"/>, with their counts (metadata) and size.</summary>
    public async Task<IReadOnlyList<ExportFile>> ListAsync(int take, CancellationToken cancellationToken)
    {
        var files = new List<ExportFile>();
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, null, cancellationToken).ConfigureAwait(false))
        {
            files.Add(new ExportFile(blob.Name, blob.Properties.ContentLength ?? 0, blob.Properties.ContentType ?? "application/octet-stream", blob.Metadata.ToDictionary()) { At = blob.Properties.LastModified });
        }

        return [.. files.OrderByDescending(f => f.At).Take(take)];
    }

    public async Task<(ExportFile File, Stream Content)?> OpenAsync(string name, CancellationToken cancellationToken)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        try
        {
            var download = await _container.Blob(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var d = download.Value.Details;
            return (new ExportFile(name, d.ContentLength, d.ContentType ?? "application/octet-stream", d.Metadata.ToDictionary()), download.Value.Content);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
