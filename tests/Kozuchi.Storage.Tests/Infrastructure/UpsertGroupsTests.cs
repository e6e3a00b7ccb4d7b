using Azure;
using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Infrastructure;

/// <summary>Index rows of calls that arrive while a write is in flight share the next group's transactions, and a failed transaction fails only its own callers.</summary>
public sealed class UpsertGroupsTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_arriving_while_a_write_is_in_flight_are_written_together_a_partition_a_transaction()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var table = new HeldTable(storage.Clients.Table(StorageCatalog.Tables.BlobIndex));
        var groups = new UpsertGroups(table);

        var first = groups.UpsertAsync(Rows("first", partitions: 1, each: 2), Ct);
        await table.Entered.Task.WaitAsync(Ct);

        // Eight bodies of 40 rows over 4 partitions: alone, 32 transactions; waiting behind the first, one a partition.
        var later = Enumerable.Range(0, 8).Select(i => groups.UpsertAsync(Rows($"b{i}", partitions: 4, each: 10), Ct)).ToList();
        Assert.All(later, t => Assert.False(t.IsCompleted));
        table.Release.SetResult();
        await Task.WhenAll([first, .. later]);

        Assert.Equal(1 + 4, groups.Transactions);
        var written = await storage.Clients.Table(StorageCatalog.Tables.BlobIndex).QueryAsync<TableEntity>(cancellationToken: Ct).CountAsync(Ct);
        Assert.Equal(2 + (8 * 40), written);
    }

    [Fact]
    public async Task A_refused_transaction_fails_the_calls_whose_rows_it_carried_and_no_other()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var table = new HeldTable(storage.Clients.Table(StorageCatalog.Tables.BlobIndex));
        var groups = new UpsertGroups(table);
        var first = groups.UpsertAsync(Rows("first", partitions: 1, each: 1), Ct);
        await table.Entered.Task.WaitAsync(Ct);

        // A row key with '/' is refused by the service: its partition's transaction fails as a whole.
        var bad = groups.UpsertAsync([new TableEntity("q1", "bad/key"), new TableEntity("q1", "also-fine")], Ct);
        var sharing = groups.UpsertAsync([new TableEntity("q1", "fine")], Ct);
        var elsewhere = groups.UpsertAsync([new TableEntity("q2", "fine"), new TableEntity("q2", "fine-too")], Ct);
        table.Release.SetResult();
        await first;

        await Assert.ThrowsAnyAsync<RequestFailedException>(() => bad);
        await Assert.ThrowsAnyAsync<RequestFailedException>(() => sharing);
        await elsewhere;
        var q2 = await storage.Clients.Table(StorageCatalog.Tables.BlobIndex).QueryAsync<TableEntity>(e => e.PartitionKey == "q2", cancellationToken: Ct).CountAsync(Ct);
        Assert.Equal(2, q2);
    }

    private static List<TableEntity> Rows(string name, int partitions, int each) =>
        [.. Enumerable.Range(0, partitions).SelectMany(p => Enumerable.Range(0, each).Select(i => new TableEntity($"p{p:x2}", $"{name}-{i}")))];

    /// <summary>The real table, its first write held until released (to have calls arrive while one is in flight).</summary>
    private sealed class HeldTable(TableClient inner) : TableClient
    {
        private int _calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
        {
            await HoldFirstAsync(cancellationToken);
            return await inner.SubmitTransactionAsync(transactionActions, cancellationToken);
        }

        public override async Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        {
            await HoldFirstAsync(cancellationToken);
            return await inner.UpsertEntityAsync(entity, mode, cancellationToken);
        }

        private async Task HoldFirstAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.SetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
