using Azure.Data.Tables;
using Kozuchi.Core.Demo;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>
/// <c>kozuchi import orders</c> killed part-way (kill -9, no cleanup) and run again ends exactly where an
/// uninterrupted import ends: the customer rows carry their order summaries, so whatever half-written batch the
/// kill left is simply applied again.
/// </summary>
public sealed class ImportFaultTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Orders = 3 * OrderImporter.ChunkSize;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _csv = Path.Combine(Path.GetTempPath(), $"kozuchi-fault-{Guid.NewGuid():N}.csv");

    public ValueTask InitializeAsync()
    {
        using var file = File.Create(_csv);
        var written = DemoGenerator.WriteCsv(file, DemoOptions.ForOrders(Orders, seed: 11, new DateOnly(2026, 10, 31)));
        Assert.Equal(Orders, written);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        File.Delete(_csv);
        File.Delete(_csv + ".errors.csv");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task An_import_killed_mid_run_and_run_again_ends_in_the_same_state_as_one_uninterrupted_import()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var interrupted = await azurite.CreateScopeAsync();
        await using var reference = await azurite.CreateScopeAsync();

        await using (var cli = KozuchiCliProcess.Start(interrupted.AppSettings, "import", "orders", _csv))
        {
            // Progress is reported once a chunk's customers are saved, while its order rows may still be in flight (the
            // importer pipelines chunks); after the second report the first chunk is fully written and the second is not.
            await cli.WaitForAsync(text => text.Contains($"{2 * OrderImporter.ChunkSize:N0} accepted", StringComparison.Ordinal), Timeout);
            await cli.KillAsync();
        }

        var afterKill = await CountAsync(interrupted, StorageCatalog.Tables.Orders, ct);
        Assert.InRange(afterKill, OrderImporter.ChunkSize, Orders - 1);

        var rerun = await KozuchiCliProcess.RunAsync(interrupted.AppSettings, Timeout, "import", "orders", _csv);
        Assert.True(rerun.ExitCode == 0, $"exit {rerun.ExitCode}\n{rerun.Output}\n{rerun.Error}");
        Assert.Contains($"{Orders:N0} orders accepted", rerun.Output, StringComparison.Ordinal);

        var once = await KozuchiCliProcess.RunAsync(reference.AppSettings, Timeout, "import", "orders", _csv);
        Assert.True(once.ExitCode == 0, $"exit {once.ExitCode}\n{once.Output}\n{once.Error}");

        var expected = await StorageSnapshot.TakeAsync(reference.Clients, ct);
        var actual = await StorageSnapshot.TakeAsync(interrupted.Clients, ct);
        Assert.Equal(Orders, expected.Orders.Count);
        Assert.Equal(expected.Orders, actual.Orders);
        Assert.Equal(expected.Identities, actual.Identities);
        Assert.Equal(expected.Customers, actual.Customers);
    }

    private static async Task<int> CountAsync(StorageScope scope, string table, CancellationToken ct)
    {
        var n = 0;
        await foreach (var _ in scope.Clients.Table(table).QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: ct))
        {
            n++;
        }

        return n;
    }
}
