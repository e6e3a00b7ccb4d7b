using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Channels;

/// <summary>A recipient a scenario put on a postal DM or call list.</summary>
public sealed record SendListEntry(string Key, string CustomerId, string ScenarioId, string Template, string? Arm, DateTimeOffset AddedAt);

/// <summary>
/// Postal DM and outbound-call recipients from scenarios, in <c>KozuchiSendLists</c>: PK = <c>{channel}:{shop date}</c>
/// (one list per channel and day, what the print shop or call centre receives), RK = the send's idempotency key, so
/// a send added twice is one row. The DM and call exports read a day's list from here.
/// </summary>
public sealed class SendLists(StorageClients clients)
{
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.SendLists);

    public static string ListId(Channel channel, DateOnly day) => $"{channel.Code()}:{day:yyyy-MM-dd}";

    public async Task AddAsync(string listId, SendListEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await _table.UpsertEntityAsync(new TableEntity(TableKeys.Escape(listId), TableKeys.Escape(entry.Key))
        {
            ["CustomerId"] = entry.CustomerId,
            ["ScenarioId"] = entry.ScenarioId,
            ["Template"] = entry.Template,
            ["Arm"] = entry.Arm,
            ["AddedAt"] = entry.AddedAt,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<SendListEntry> ReadAsync(string listId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pk = TableKeys.Escape(listId);
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new SendListEntry(TableKeys.Unescape(e.RowKey), e.GetString("CustomerId"), e.GetString("ScenarioId"), e.GetString("Template"), e.GetString("Arm"), e.GetDateTimeOffset("AddedAt") ?? default);
        }
    }
}
