using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Identity;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Erasure;

/// <summary>
/// The suppression list of erased identifiers: HMAC-SHA256 of the normalised identifier under a random key made once
/// per installation (kept in <c>KozuchiRuntime</c>), so the list never holds an identifier in clear and its hashes
/// cannot be matched against another installation's or a precomputed table. Ingest checks every order against it.
/// </summary>
public sealed class ErasedIdentifiers(StorageClients clients)
{
    private const string SaltPartition = "erasure";
    private const string SaltRow = "identifier-hash-key";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.ErasedIdentifiers);
    private readonly TableClient _runtime = clients.Table(StorageCatalog.Tables.Runtime);
    private byte[]? _key;

    public TableClient Table => _table;

    public async Task AddAsync(IEnumerable<IdentityKey> keys, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var salt = await KeyAsync(cancellationToken).ConfigureAwait(false);
        foreach (var key in keys.Distinct())
        {
            var hash = Hash(salt, key);
            await _table.UpsertEntityAsync(new TableEntity(hash[..2], hash) { ["Kind"] = key.Kind.ToString(), ["ErasedAt"] = at }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A screen for one ingest batch: the whole list is read once (it grows by a few rows per erasure, so it stays
    /// small) and each order's identifiers are hashed against it.
    /// </summary>
    public async Task<Func<IdentityKey, bool>> ScreenAsync(CancellationToken cancellationToken)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in _table.QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            hashes.Add(e.RowKey);
        }

        if (hashes.Count == 0)
        {
            return _ => false;
        }

        var salt = await KeyAsync(cancellationToken).ConfigureAwait(false);
        return key => hashes.Contains(Hash(salt, key));
    }

    public static string Hash(byte[] salt, IdentityKey key) => Convert.ToHexStringLower(HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(key.ToString())));

    private async Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } cached)
        {
            return cached;
        }

        var existing = await _runtime.GetEntityIfExistsAsync<TableEntity>(SaltPartition, SaltRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!existing.HasValue || existing.Value is null)
        {
            try
            {
                await _runtime.AddEntityAsync(new TableEntity(SaltPartition, SaltRow) { ["Key"] = RandomNumberGenerator.GetBytes(32) }, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Another instance made it first: use theirs.
            }

            existing = await _runtime.GetEntityIfExistsAsync<TableEntity>(SaltPartition, SaltRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        _key = existing.Value!.GetBinary("Key");
        return _key;
    }
}
