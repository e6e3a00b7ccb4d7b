using Azure;
using Azure.Data.Tables;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Security;

/// <summary>
/// Sign-in sessions of Key mode, kept server-side in <c>KozuchiSessions</c> (one row per session, no personal data):
/// the cookie names a row, signing out deletes it, so a cookie copied before sign-out no longer opens anything, on
/// any instance. Expired rows are removed as new sessions start.
/// </summary>
public sealed class OperatorSessions(StorageClients clients, StorageReadiness readiness, TimeProvider time)
{
    private const string RowKey = "session";
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Sessions);

    public async Task StartAsync(string id, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        await readiness.WaitAsync(cancellationToken);
        await RemoveExpiredAsync(cancellationToken);
        await _table.AddEntityAsync(new TableEntity(id, RowKey) { ["ExpiresAt"] = expires, ["StartedAt"] = time.GetUtcNow() }, cancellationToken);
    }

    public async Task<bool> IsActiveAsync(string id, CancellationToken cancellationToken)
    {
        await readiness.WaitAsync(cancellationToken);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(id, RowKey, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetDateTimeOffset("ExpiresAt") is { } expires && expires > time.GetUtcNow();
    }

    public async Task EndAsync(string id, CancellationToken cancellationToken)
    {
        await readiness.WaitAsync(cancellationToken);
        await DeleteAsync(id, cancellationToken);
    }

    private async Task RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await foreach (var expired in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ExpiresAt lt {now}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await DeleteAsync(expired.PartitionKey, cancellationToken);
        }
    }

    private async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(id, RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone: signed out twice, or removed as expired.
        }
    }
}
