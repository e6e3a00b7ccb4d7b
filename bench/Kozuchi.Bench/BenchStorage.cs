using System.Diagnostics;
using Azure.Data.Tables;
using Kozuchi.Functions;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Bench;

/// <summary>A private Azurite for one benchmark run, the app's services over it, and its raw write ceiling.</summary>
internal sealed class BenchStorage : IAsyncDisposable
{
    private BenchStorage(Azurite azurite, IHost host)
    {
        Azurite = azurite;
        Host = host;
    }

    public Azurite Azurite { get; }
    public IHost Host { get; }
    public IServiceProvider Services => Host.Services;

    public Dictionary<string, string?> Settings => new()
    {
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["Kozuchi:StoragePrefix"] = "bench",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>
    /// Email and LINE through the sandbox, with the unsubscribe link every email needs: a scenario is activated only
    /// when its channels have a provider, and a benchmark that drains the send queues itself needs no real one.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SandboxSends { get; } = new Dictionary<string, string?>
    {
        ["Kozuchi:Channels:Email:Provider"] = "Sandbox",
        ["Kozuchi:Channels:Line:Provider"] = "Sandbox",
        ["Kozuchi:Unsubscribe:SigningKey"] = "unsubscribe-key-placeholder",
        ["Kozuchi:Unsubscribe:BaseUrl"] = "https://kozuchi.example.jp",
    };

    /// <summary>Stores and activates a definition; a refusal (a template or provider missing) stops the benchmark rather than measuring nothing.</summary>
    public static async Task ActivateAsync(Kozuchi.Storage.Scenarios.ScenarioService service, string json)
    {
        ArgumentNullException.ThrowIfNull(service);
        var created = await service.CreateAsync(json, null, CancellationToken.None);
        var id = created.Definition?.Id ?? throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Message)));
        if (created.Outcome is null)
        {
            throw new InvalidOperationException($"Scenario {id} not stored: {string.Join("; ", created.Errors.Select(e => e.Message))}");
        }

        var activated = await service.ActivateAsync(id, CancellationToken.None);
        if (activated.Result != Kozuchi.Storage.Scenarios.LifecycleResult.Done)
        {
            throw new InvalidOperationException($"Scenario {id} not activated ({activated.Result}): {string.Join("; ", activated.Problems.Errors.Select(e => e.Message))}");
        }
    }

    /// <param name="time">A clock for the app's services (a fake one lets a benchmark jump to due timers); the system clock by default.</param>
    /// <param name="settings">Extra configuration for the app (provider fakes' addresses, rates).</param>
    public static async Task<BenchStorage> StartAsync(TimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        // Millions of rows live in the emulator's memory: give node room.
        var azurite = await Azurite.StartAsync(heapMegabytes: 14_000);
        // The app's folder as content root, as the CLI has: not the working directory, whose files change during a run.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Kozuchi:StoragePrefix"] = "bench",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddKozuchi(builder.Configuration);
        var host = builder.Build();
        await StorageInitializer.EnsureCreatedAsync(host.Services.GetRequiredService<StorageClients>(), CancellationToken.None);
        return new BenchStorage(azurite, host);
    }

    /// <summary>
    /// The reference: how fast this Azurite takes plain batched writes (into a fresh table, or into
    /// <paramref name="into"/> as it is after a run: the emulator slows as its collections grow) (100 rows of an order row's size per
    /// transaction, one partition per batch, 4 in flight), the same way ingest writes. Measured, then a fresh table is dropped.
    /// Row keys ascend by default, so each row lands at the end of the emulator's sorted row-key index; with
    /// <paramref name="hashedKeys"/> they are spread like the import's identity and customer keys (hashes), so each insert
    /// lands anywhere in that index, as the import's do. Rows are built as they are sent, not held.
    /// </summary>
    public async Task<double> RawBatchedWriteRateAsync(int rows, TableClient? into = null, bool hashedKeys = false)
    {
        var clients = Services.GetRequiredService<StorageClients>();
        var table = into ?? clients.Tables.GetTableClient("benchraw");
        await table.CreateIfNotExistsAsync();
        var batches = Enumerable.Range(0, rows / 100).Select(b => Enumerable.Range(0, 100).Select(i =>
        {
            var rowKey = hashedKeys
                ? $"{System.IO.Hashing.XxHash64.HashToUInt64(BitConverter.GetBytes(((long)b << 8) | (long)i)):x16}~raw"
                : $"~raw-{b:D7}-{i:D3}";
            var e = new TableEntity($"p{b % 16:D2}", rowKey)
            {
                ["CustomerId"] = "c0123456789abcdef0123",
                ["OrderedAt"] = DateTimeOffset.UnixEpoch.AddDays(b),
                ["UpdatedAt"] = DateTimeOffset.UnixEpoch.AddDays(b),
                ["Status"] = "Paid",
                ["Total"] = "5980",
                ["Net"] = "5980",
                ["Currency"] = "JPY",
                ["RawRef"] = "imports/bench/chunk-000001.ndjson",
                ["Data0"] = new string('x', 600),
            };
            return new TableTransactionAction(TableTransactionActionType.UpsertReplace, e);
        }).ToList());
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) => await table.SubmitTransactionAsync(batch, ct));
        var rate = rows / clock.Elapsed.TotalSeconds;
        if (into is null)
        {
            await table.DeleteAsync();
        }

        return rate;
    }

    public static async Task<long> CountAsync(TableClient table)
    {
        long n = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            n++;
        }

        return n;
    }

    public async ValueTask DisposeAsync()
    {
        Host.Dispose();
        await Azurite.DisposeAsync();
    }
}
