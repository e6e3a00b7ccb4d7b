using Azure.Data.Tables;
using Kozuchi.Core.Pulls;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Pulls;

/// <summary>Where a source's pulls stand: the high-water mark and what the last run did.</summary>
public sealed record PullMark(string Source, DateTimeOffset? HighWater, DateTimeOffset? LastRunAt, string? LastStatus, int LastOrders);

/// <summary>
/// One row per source in <c>KozuchiPullMarks</c> (partition = source name). Only the source's own timer writes it,
/// and the timer runs on one instance at a time (schedule lease), so a plain upsert is enough.
/// </summary>
public sealed class PullMarkStore(StorageClients clients)
{
    private const string Row = "mark";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.PullMarks);

    public async Task<PullMark?> GetAsync(string source, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(source, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e
            ? new PullMark(source, e.GetDateTimeOffset("HighWater"), e.GetDateTimeOffset("LastRunAt"), e.GetString("LastStatus"), e.GetInt32("LastOrders") ?? 0)
            : null;
    }

    public async Task SaveAsync(PullMark mark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mark);
        var entity = new TableEntity(mark.Source, Row)
        {
            ["HighWater"] = mark.HighWater,
            ["LastRunAt"] = mark.LastRunAt,
            ["LastStatus"] = mark.LastStatus,
            ["LastOrders"] = mark.LastOrders,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Refreshed OAuth tokens per source in <c>KozuchiPullTokens</c>. BASE and Shopify's expiring tokens hand out a new
/// refresh token with every refresh and retire the old one, so the new pair must outlive the process: the
/// configured (Key Vault) pair only seeds the first run. Storage is encrypted at rest and reached with the app's
/// managed identity; the tokens are never logged.
/// </summary>
public sealed class StorageCartTokenStore(StorageClients clients) : ICartTokenStore
{
    private const string Row = "token";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.PullTokens);

    public async Task<CartTokens?> GetAsync(string sourceName, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(sourceName, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e && e.GetString("AccessToken") is { Length: > 0 } access
            ? new CartTokens { AccessToken = access, RefreshToken = e.GetString("RefreshToken"), ExpiresAt = e.GetDateTimeOffset("ExpiresAt") }
            : null;
    }

    public async Task SaveAsync(string sourceName, CartTokens tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var entity = new TableEntity(sourceName, Row)
        {
            ["AccessToken"] = tokens.AccessToken,
            ["RefreshToken"] = tokens.RefreshToken,
            ["ExpiresAt"] = tokens.ExpiresAt,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }
}
