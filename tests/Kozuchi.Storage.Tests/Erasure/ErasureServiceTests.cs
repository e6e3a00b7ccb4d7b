using Azure.Data.Tables;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Erasure;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Scenarios;
using Kozuchi.Storage.Tests.Scenarios;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Storage.Tests.Erasure;

/// <summary>The erasure service on real storage, with the scenario engine's enrollments and send ledger in play.</summary>
public sealed class ErasureServiceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero);
    private static readonly string[] HanakoValues = ["hanako@example.jp", "hanako.work@example.jp", "+819011112222", "090-1111-2222", "佐藤 花子", "神宮前1-2-3"];

    private const string Welcome = """
        {
          "schemaVersion": 1, "id": "welcome", "version": 1, "trigger": { "type": "anyOrder" },
          "policies": { "quietHours": null },
          "steps": [
            { "type": "send", "id": "hello", "channels": ["email"], "template": "welcome-hello", "next": "wait" },
            { "type": "wait", "id": "wait", "days": 1, "next": "end" },
            { "type": "exit", "id": "end" }
          ]
        }
        """;

    private EngineHarness _h = null!;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await EngineHarness.StartAsync(azurite, Start);
        _services = new ServiceCollection()
            .AddSingleton(_h.Storage.Clients)
            .AddSingleton(_h.Customers)
            .AddSingleton(_h.Snapshots)
            .AddSingleton<TimeProvider>(_h.Time)
            .AddSingleton<ILogger<ErasureService>>(NullLogger<ErasureService>.Instance)
            .AddErasure()
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _h.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ErasureService Erasure => _services.GetRequiredService<ErasureService>();

    private static IncomingOrder Order(string id, string email, int day, decimal total, string? phone = "090-1111-2222", string name = "佐藤 花子", string address = "東京都渋谷区神宮前1-2-3") =>
        new(new Order
        {
            Key = new OrderKey("test", id),
            OrderedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 2, day, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Phone = phone, Name = name, PostalCode = "1500001", Address = address, EmailOptIn = true },
            Lines = [new OrderLine { Sku = "A", ProductName = "a", UnitPrice = total }],
            Total = total,
        }, "raw/" + id);

    /// <summary>Hanako bought under two emails (merged by her phone) and is enrolled in a scenario that sent to her.</summary>
    private async Task<string> HanakoAsync()
    {
        await _h.Ingestor.IngestAsync([Order("1", "hanako.work@example.jp", 1, 1000m, phone: null)], null, Ct);
        await _h.Ingestor.IngestAsync([Order("2", "hanako@example.jp", 2, 2000m)], null, Ct);
        await _h.Ingestor.IngestAsync([Order("3", "hanako@example.jp", 3, 300m), Order("4", "hanako.work@example.jp", 4, 400m)], null, Ct);
        await _h.Ingestor.IngestAsync([Order("5", "jiro@example.jp", 5, 5000m, phone: "090-3333-4444", name: "鈴木 次郎", address: "大阪府大阪市北区梅田1-1-1")], null, Ct);
        var hanako = (await _h.Customers.FindByIdentityAsync(new IdentityKey(IdentityKind.Email, "hanako@example.jp"), Ct))!;
        Assert.Single(hanako.Merges);
        await _h.InstallAsync(Welcome);
        await _h.Router.RouteAsync([new ScenarioEventItem { Kind = ScenarioEventKind.Enroll, CustomerId = hanako.CustomerId, ScenarioId = "welcome", TriggerKey = "k1" }], Ct);
        Assert.Single(await _h.DrainSendsAsync());
        return hanako.CustomerId;
    }

    [Fact]
    public async Task Erasing_a_merged_customer_leaves_nothing_of_them_and_keeps_their_totals_enrollment_and_ledger_anonymously()
    {
        var hanako = await HanakoAsync();
        var summaryBefore = System.Text.Json.JsonSerializer.Serialize(CustomerSummary.Of(await _h.Snapshots.CurrentAsync(Ct)));
        Assert.NotEmpty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));

        var result = await Erasure.EraseAsync(hanako, "test", "test", Ct);

        Assert.NotNull(result);
        Assert.Equal(2, result.CustomerIds.Count);
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
        Assert.NotEmpty(await StorageScan.FindAsync(_h.Storage.Clients, ["jiro@example.jp"], Ct));
        Assert.Equal(summaryBefore, System.Text.Json.JsonSerializer.Serialize(CustomerSummary.Of(await _h.Snapshots.CurrentAsync(Ct))));
        var record = (await _h.Customers.GetAsync(hanako, Ct))!;
        Assert.Equal((CustomerState.Erased, 3700m, 4), (record.State, record.ToProfile().Monetary, record.ToProfile().Frequency));
        var enrollment = await _h.Enrollments.GetAsync(hanako, ScenarioIds.Enrollment("welcome", hanako, "k1"), Ct);
        Assert.NotNull(enrollment);
        Assert.NotEmpty(await _h.Ledger.Table.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_refund_ingested_on_a_cache_that_still_holds_the_erased_customer_lands_on_the_erased_record_without_her_identifiers()
    {
        var hanako = await HanakoAsync();
        var email = new IdentityKey(IdentityKind.Email, "hanako@example.jp");

        // The erasure writes through its own table clients: for ingest's cache it is another instance's change.
        await Erasure.EraseAsync(hanako, "test", "test", Ct);
        Assert.Equal(IngestCache.Knowledge.Present, _h.Customers.Cache.TryGetIdentity(email, out var cached, out _));
        Assert.Equal(hanako, cached);

        var refund = Order("3", "hanako@example.jp", 3, 300m) is var o
            ? o with { Order = o.Order with { UpdatedAt = o.Order.UpdatedAt.AddDays(2), Status = OrderStatus.PartiallyRefunded, RefundedAmount = 100m, RefundIds = ["r1"] } }
            : null!;
        var result = await _h.Ingestor.IngestAsync([refund], null, Ct);

        Assert.True(result.Attempts > 1, "the write on the cached customer was refused");
        Assert.Equal((hanako, ApplyOutcome.Updated), (Assert.Single(result.Orders).CustomerId, result.Orders[0].Outcome));
        var record = (await _h.Customers.GetAsync(hanako, Ct))!;
        Assert.Equal((CustomerState.Erased, 3600m, null), (record.State, record.ToProfile().Monetary, record.Contact.Email));
        Assert.Null(await _h.Customers.FindByIdentityAsync(email, Ct));
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
    }

    [Fact]
    public async Task Suppression_holds_hashes_only_and_flags_her_identifiers_and_nobody_elses()
    {
        var hanako = await HanakoAsync();
        await Erasure.EraseAsync(hanako, "test", "test", Ct);

        var rows = await _h.Storage.Clients.Table(StorageCatalog.Tables.ErasedIdentifiers).QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Matches("^[0-9a-f]{64}$", r.RowKey));
        var screen = await _services.GetRequiredService<ErasedIdentifiers>().ScreenAsync(Ct);
        Assert.True(screen(new IdentityKey(IdentityKind.Email, "hanako@example.jp")));
        Assert.True(screen(new IdentityKey(IdentityKind.Phone, "+819011112222")));
        Assert.False(screen(new IdentityKey(IdentityKind.Email, "jiro@example.jp")));
    }

    [Fact]
    public async Task Erasing_again_changes_nothing_more_and_writes_a_second_audit_row()
    {
        var hanako = await HanakoAsync();
        var first = (await Erasure.EraseAsync(hanako, "test", "first", Ct))!;
        var second = (await Erasure.EraseAsync(hanako, "test", "retry", Ct))!;

        Assert.True(first.Counts["customers"] == 2 && first.Counts["orders"] == 4 && first.Counts["identities"] == 3, string.Join(',', first.Counts));
        Assert.All(second.Counts.Where(c => c.Key != "suppressed-identifiers"), c => Assert.Equal(0, c.Value));
        Assert.Equal(2, (await Erasure.AuditAsync(Ct)).Count);
        Assert.Null(await Erasure.EraseAsync("c-nobody", "test", "test", Ct));
    }

    [Fact]
    public async Task A_data_request_exports_what_is_held_and_a_later_erasure_deletes_the_export()
    {
        var hanako = await HanakoAsync();
        var export = (await Erasure.ExportAsync(hanako, "test", "test", Ct))!;

        var container = _h.Storage.Clients.Container(StorageCatalog.Containers.DataRequests);
        var json = (await container.GetBlobClient(export.Export).DownloadContentAsync(Ct)).Value.Content.ToString();
        Assert.Contains("hanako@example.jp", json, StringComparison.Ordinal);
        Assert.Contains("hanako.work@example.jp", json, StringComparison.Ordinal);
        Assert.Contains("welcome", json, StringComparison.Ordinal);
        Assert.Equal(4, export.Counts["orders"]);

        await Erasure.EraseAsync(hanako, "test", "test", Ct);
        Assert.False(await container.GetBlobClient(export.Export).ExistsAsync(Ct));
    }
}
