using System.Text;
using System.Text.Json;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.Reports;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Ingest;

public sealed class ImportTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private OrderImporter Importer => _h.App.Services.GetRequiredService<OrderImporter>();

    private ReportService Reports => _h.App.Services.GetRequiredService<ReportService>();

    [Fact]
    public async Task The_cdnow_sample_imports_to_its_known_customers_orders_and_revenue_and_a_reimport_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var csv = Encoding.UTF8.GetBytes(CdnowSample.ToKozuchiCsv());

        var (first, errors) = await Importer.ImportAsync(new MemoryStream(csv), "cdnow.csv", CsvMapping.Kozuchi, null, viaQueue: false, null, ct);
        Assert.Empty(errors);
        Assert.Equal(6919, first.Created);

        // CDNOW's amounts are dollars: the yen shop's summary lists them apart; asked in USD, they are the revenue.
        Assert.Equal([("USD", 244_091.94m)], (await Reports.SummaryAsync(ct)).OtherCurrencies.Select(o => (o.Currency, o.Revenue)));
        var summary = await Reports.SummaryAsync(ct, "USD");
        Assert.Equal((2357, 6919, 244_091.94m), (summary.Customers, summary.Orders, summary.Revenue));

        var (again, _) = await Importer.ImportAsync(new MemoryStream(csv), "cdnow.csv", CsvMapping.Kozuchi, null, viaQueue: false, null, ct);
        Assert.Equal((0, 0, 6919), (again.Created, again.Updated, again.Unchanged));
        Assert.Equal(summary, await Reports.SummaryAsync(ct, "USD"), new SummaryComparer());
    }

    [Fact]
    public async Task A_file_dropped_in_imports_is_queued_in_chunks_and_its_bad_rows_are_reported_beside_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var csv = "order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n"
            + "1,2026-10-01,c1,,,,,,A,a,1,100,100,,,\r\n"
            + "2,2026-10-01,,,,,,,A,a,1,100,100,,,\r\n"
            + "3,2026-10-02,c1,,,,,,B,b,1,200,200,,,\r\n";
        await _h.Storage.Clients.Container(StorageCatalog.Containers.Imports).GetBlobClient("drop.csv").UploadAsync(BinaryData.FromBytes(CsvEncoding.ShiftJis.GetBytes(csv)), ct);
        Assert.Equal(1, await _h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, ct));

        Assert.Equal(1, await _h.DrainAsync(ct));
        var summary = await Reports.SummaryAsync(ct);
        Assert.Equal((1, 2, 300m), (summary.Customers, summary.Orders, summary.Revenue));

        var imports = _h.Storage.Clients.Container(StorageCatalog.Containers.Imports);
        var report = (await imports.GetBlobClient("drop.csv" + ImportOrdersFunction.ErrorsSuffix).DownloadContentAsync(ct)).Value.Content.ToString();
        Assert.Contains("3,customer_ref,", report, StringComparison.Ordinal);
        var summaryJson = (await imports.GetBlobClient("drop.csv" + ImportOrdersFunction.SummarySuffix).DownloadContentAsync(ct)).Value.Content.ToString();
        Assert.Contains("\"ordersRejected\": 1", summaryJson, StringComparison.Ordinal);

        // The operations API lists the import with its counts and hands out the same error report.
        var listed = JsonDocument.Parse(await _h.Operator.GetStringAsync(new Uri("/api/operations/imports", UriKind.Relative), ct)).RootElement;
        var entry = Assert.Single(listed.EnumerateArray());
        Assert.Equal(("drop.csv", true, 1), (entry.GetProperty("file").GetString(), entry.GetProperty("hasErrors").GetBoolean(), entry.GetProperty("report").GetProperty("summary").GetProperty("rowsRejected").GetInt32()));
        var download = await _h.Operator.GetAsync(new Uri("/api/operations/imports/errors?file=drop.csv", UriKind.Relative), ct);
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(report.TrimStart('\uFEFF'), (await download.Content.ReadAsStringAsync(ct)).TrimStart('\uFEFF'));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/operations/imports/errors?file=other.csv", UriKind.Relative), ct)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await _h.Client.GetAsync(new Uri("/api/operations/imports", UriKind.Relative), ct)).StatusCode);
    }

    [Fact]
    public void Every_shipped_mapping_resolves_by_name()
    {
        Assert.Contains("shopify", OrderImporter.BuiltInMappings);
        Assert.Contains("eccube4", OrderImporter.BuiltInMappings);
        Assert.All(OrderImporter.BuiltInMappings, name => Assert.Equal(name, OrderImporter.ResolveMapping(name).Name));
        Assert.Throws<ArgumentException>(() => OrderImporter.ResolveMapping("no-such-mapping"));
    }

    private sealed class SummaryComparer : IEqualityComparer<Core.Customers.CustomerSummary>
    {
        public bool Equals(Core.Customers.CustomerSummary? x, Core.Customers.CustomerSummary? y) =>
            x is not null && y is not null && (x.Customers, x.Orders, x.Revenue, x.RepeatCustomers) == (y.Customers, y.Orders, y.Revenue, y.RepeatCustomers);

        public int GetHashCode(Core.Customers.CustomerSummary obj) => obj.Customers;
    }

    [Fact]
    public async Task A_webhook_landing_on_a_customer_during_an_import_is_kept_and_the_import_still_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        var history = Kozuchi.Core.Demo.DemoGenerator.Stream(Kozuchi.Core.Demo.DemoOptions.ForOrders(3 * OrderImporter.ChunkSize, seed: 21, new DateOnly(2026, 10, 31))).ToList();
        var csv = new StringWriter();
        OrderCsvWriter.WriteHeader(csv);
        history.ForEach(o => OrderCsvWriter.Write(csv, o));

        // A customer the import has preloaded and writes again in a later chunk gets a webhook order in between,
        // so the import's ETag for that customer row is stale when its next chunk writes it.
        var repeat = history.Skip(2 * OrderImporter.ChunkSize).First(o => history.Take(OrderImporter.ChunkSize).Any(p => p.Contact.Email == o.Contact.Email && o.Contact.Email is not null));
        var webhookOrder = repeat with { Key = new Kozuchi.Core.Orders.OrderKey("own", "during-import"), OrderedAt = repeat.OrderedAt.AddMinutes(1), UpdatedAt = repeat.OrderedAt.AddMinutes(1), Total = 777m, Lines = [], RefundedAmount = 0, RefundIds = [] };
        var ingestor = _h.App.Services.GetRequiredService<Kozuchi.Storage.Customers.OrderIngestor>();
        var injected = false;
        var progress = new Inline(p =>
        {
            if (!injected && p.Orders >= OrderImporter.ChunkSize)
            {
                injected = true;
                ingestor.IngestAsync([new Kozuchi.Storage.Customers.IncomingOrder(webhookOrder, null)], null, ct).GetAwaiter().GetResult();
            }
        });

        var (report, errors) = await Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), "during.csv", CsvMapping.Kozuchi, null, viaQueue: false, progress, ct);

        Assert.True(injected);
        Assert.Empty(errors);
        Assert.Equal(history.Count, report.Summary.OrdersAccepted);
        var summary = await Reports.SummaryAsync(ct);
        // What the CSV carries (it has no refunded amount, so a partial refund arrives as its status only).
        using var reader = CsvEncoding.Open(new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), null);
        var imported = new OrderCsvParser(CsvMapping.Kozuchi, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).Parse(reader, OrderImporter.ChunkSize).SelectMany(c => c.Orders).ToList();
        Assert.Equal(imported.Count(o => o.Counts) + 1, summary.Orders);
        Assert.Equal(imported.Sum(o => o.NetAmount) + 777m, summary.Revenue);
    }

    private sealed class Inline(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
