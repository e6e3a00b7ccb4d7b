using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Ingest;
using Kozuchi.Functions.Tests.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Erasure;

/// <summary>
/// Erasing a customer through the API leaves none of their personal data anywhere in storage — searched in every
/// table row, blob and queue message, not assumed — while KPIs stay as they were; Shopify's privacy webhooks drive the
/// same erasure and data requests.
/// </summary>
public sealed class ErasureTests(AzuriteFixture azurite) : IAsyncLifetime
{
    // Hanako's personal data in every form it arrives in; Jiro shares blobs and files with her and must keep his.
    private static readonly string[] HanakoValues =
        ["hanako@example.jp", "hanako.work@example.jp", "+819011112222", "090-1111-2222", "09011112222", "佐藤 花子", "佐藤", "花子", "サトウ ハナコ", "神宮前1-2-3", "神宮前1丁目2-3"];

    private static readonly string[] JiroValues = ["jiro@example.jp", "鈴木 次郎", "090-3333-4444"];

    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ShopifyOrder(long id, string updatedAt, string financialStatus = "paid", string email = "hanako@example.jp") => $$"""
        {"id":{{id}},"name":"#{{id}}","email":"{{email}}","phone":null,"created_at":"2026-10-01T10:00:00+09:00","updated_at":"{{updatedAt}}",
         "processed_at":"2026-10-01T10:00:00+09:00","currency":"JPY","total_price":"5980.00","financial_status":"{{financialStatus}}",
         "cancelled_at":null,"buyer_accepts_marketing":true,"test":false,
         "customer":{"id":7001,"email":"{{email}}","first_name":"花子","last_name":"佐藤","phone":"+819011112222"},
         "billing_address":{"name":"佐藤 花子","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-3","address2":"","phone":"090-1111-2222"},
         "shipping_address":{"name":"佐藤 花子","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-3","address2":"","phone":"090-1111-2222"},
         "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","variant_title":null,"quantity":1,"price":"5980.00"}]}
        """;

    private static string Hanako(string id, string day, decimal total, string email = "hanako@example.jp") =>
        $$$"""{"source":"own","order_id":"{{{id}}}","ordered_at":"2026-{{{day}}}T10:00:00+09:00","total":{{{total}}},"lines":[{"sku":"AOJIRU-30","name":"青汁 30包","quantity":1,"unit_price":{{{total}}}}],"customer":{"email":"{{{email}}}","phone":"090-1111-2222","name":"佐藤 花子","name_kana":"サトウ ハナコ","postal_code":"150-0001","address":"東京都渋谷区神宮前1丁目2-3","email_opt_in":true}}""";

    private static string Jiro(string id, string day, decimal total) =>
        $$$"""{"source":"own","order_id":"{{{id}}}","ordered_at":"2026-{{{day}}}T10:00:00+09:00","total":{{{total}}},"lines":[{"sku":"AOJIRU-30","name":"青汁 30包","quantity":1,"unit_price":{{{total}}}}],"customer":{"email":"jiro@example.jp","phone":"090-3333-4444","name":"鈴木 次郎","postal_code":"530-0001","address":"大阪府大阪市北区梅田1-1-1","email_opt_in":true}}""";

    [Fact]
    public async Task After_erasure_no_table_row_blob_or_message_holds_the_customers_data_and_kpis_are_unchanged()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        var jiro = await CustomerIdOfAsync("own|2");
        await ExportListsAsync(hanako, jiro);
        await CheckoutAsync("""
            {"event": "checkout", "source": "own", "cart_token": "cart-hanako-1", "created_at": "2026-10-30T21:00:00+09:00",
             "customer": {"email": "hanako@example.jp", "name": "佐藤 花子", "email_opt_in": true},
             "lines": [{"sku": "SERUM-30", "name": "美容液 30ml", "quantity": 1, "unit_price": 3300}],
             "recovery_url": "https://shop.example.jp/cart/restore?c=cart-hanako-1"}
            """);
        // The operator's word about her: a tag, shown to her in the data request and gone with her.
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.PutAsync(new Uri($"/api/customers/{hanako}/tags/{Uri.EscapeDataString("要フォロー")}", UriKind.Relative), null, Ct)).StatusCode);
        var request = await _h.Operator.PostAsync(new Uri($"/api/customers/{hanako}/data-request", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        var exportName = (await request.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("export").GetString()!;
        using (var export = JsonDocument.Parse((await _h.Storage.Clients.Container(StorageCatalog.Containers.DataRequests).GetBlobClient(exportName).DownloadContentAsync(Ct)).Value.Content.ToString()))
        {
            Assert.Equal(["要フォロー"], export.RootElement.GetProperty("held").GetProperty("customer-tags").GetProperty(hanako).EnumerateArray().Select(t => t.GetString()));
        }

        var tags = _h.Storage.Clients.Table(StorageCatalog.Tables.CustomerTags);
        Assert.Single(await tags.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct));
        var held = await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct);
        var names = _h.Storage.Names;
        Assert.All(
            new[]
            {
                "table " + names.Table(StorageCatalog.Tables.Customers), "table " + names.Table(StorageCatalog.Tables.Identities),
                "table " + names.Table(StorageCatalog.Tables.Orders), "table " + names.Table(StorageCatalog.Tables.CallResults),
                "blob " + names.Container(StorageCatalog.Containers.Raw) + "/webhooks/shopify/", "blob " + names.Container(StorageCatalog.Containers.Raw) + "/webhooks/orders/",
                "blob " + names.Container(StorageCatalog.Containers.Raw) + "/imports/", "blob " + names.Container(StorageCatalog.Containers.Imports) + "/drop.csv:",
                "blob " + names.Container(StorageCatalog.Containers.Imports) + "/drop.csv.errors.csv", "blob " + names.Container(StorageCatalog.Containers.Exports) + "/dm-",
                "blob " + names.Container(StorageCatalog.Containers.Exports) + "/calls-", "blob " + names.Container(StorageCatalog.Containers.DataRequests) + "/",
                "table " + names.Table(StorageCatalog.Tables.Checkouts), "blob " + names.Container(StorageCatalog.Containers.Raw) + "/webhooks/checkouts/",
            },
            place => Assert.Contains(held, h => h.StartsWith(place, StringComparison.Ordinal)));
        var before = await KpisAsync();

        var erase = await _h.Operator.DeleteAsync(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        var result = await erase.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, result.GetProperty("customerIds").GetArrayLength());
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
        Assert.Empty(await tags.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct));
        var jiroHits = await StorageScan.FindAsync(_h.Storage.Clients, JiroValues, Ct);
        Assert.All(JiroValues, v => Assert.Contains(jiroHits, h => h.EndsWith(": " + v, StringComparison.Ordinal)));
        Assert.Contains(jiroHits, h => h.StartsWith("blob " + _h.Storage.Names.Container(StorageCatalog.Containers.Exports), StringComparison.Ordinal));
        Assert.Contains(jiroHits, h => h.StartsWith("blob " + _h.Storage.Names.Container(StorageCatalog.Containers.Imports), StringComparison.Ordinal));
        Assert.Contains(jiroHits, h => h.StartsWith("blob " + _h.Storage.Names.Container(StorageCatalog.Containers.Raw), StringComparison.Ordinal));
        Assert.Equal(before, await KpisAsync());

        // Replaying every raw payload still counts Hanako's revenue, anonymously, and brings nothing of her back.
        Assert.True(await _h.App.Services.GetRequiredService<Kozuchi.Storage.Orders.IngestPipeline>().ReplayAsync("webhooks/", Ct) >= 4);
        await _h.DrainAsync(Ct);
        Assert.Equal(before, await KpisAsync());
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));

        var view = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct);
        Assert.Equal((int)Kozuchi.Core.Customers.CustomerState.Erased, view.GetProperty("profile").GetProperty("state").GetInt32());
        Assert.Empty(view.GetProperty("identifiers").EnumerateArray());
    }

    [Fact]
    public async Task The_audit_records_who_erased_what_without_personal_data()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        using var erase = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/customers/{hanako}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.SendAsync(erase, Ct)).StatusCode);

        var rows = await _h.Storage.Clients.Table(StorageCatalog.Tables.Erasures).QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct);
        var audit = Assert.Single(rows);
        Assert.Equal(("erasure", hanako, "operator-key"), (audit.GetString("Kind"), audit.GetString("CustomerId"), audit.GetString("RequestedBy")));
        var counts = JsonSerializer.Deserialize<Dictionary<string, int>>(audit.GetString("Counts"))!;
        Assert.True(counts["raw"] >= 3, audit.GetString("Counts"));
        Assert.True(counts["identities"] >= 4, audit.GetString("Counts"));
        Assert.Equal(2, counts["customers"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.DeleteAsync(new Uri("/api/customers/c-nobody", UriKind.Relative), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Client.DeleteAsync(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct)).StatusCode);
    }

    [Fact]
    public async Task A_later_order_with_an_erased_email_makes_an_anonymous_customer_flagged_erased_identifier()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.DeleteAsync(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct)).StatusCode);
        var customersBefore = (await SummaryAsync()).GetProperty("customers").GetInt32();

        await DeliverAsync(Hanako("9", "11-20", 700m, email: "HANAKO@example.jp"));

        var id = await CustomerIdOfAsync("own|9");
        Assert.NotEqual(hanako, id);
        var view = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{id}", UriKind.Relative), Ct);
        Assert.Equal(["erased-identifier"], view.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Empty(view.GetProperty("identifiers").EnumerateArray());
        Assert.True(!view.GetProperty("contact").TryGetProperty("email", out var email) || email.ValueKind == JsonValueKind.Null);
        Assert.Equal(customersBefore + 1, (await SummaryAsync()).GetProperty("customers").GetInt32());
        var erasedAgain = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct);
        Assert.Empty(erasedAgain.GetProperty("identifiers").EnumerateArray());
    }

    [Fact]
    public async Task Shopify_privacy_webhooks_export_then_erase_the_customer_they_name()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        var before = await KpisAsync();

        var data = await PostShopifyAsync("""{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","orders_requested":[1001],"customer":{"id":7001,"email":"hanako@example.jp","phone":"+819011112222"},"data_request":{"id":9}}""", "customers/data_request");
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        var exports = await _h.Storage.Clients.Container(StorageCatalog.Containers.DataRequests).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, hanako + "/", Ct).ToListAsync(Ct);
        var export = (await _h.Storage.Clients.Container(StorageCatalog.Containers.DataRequests).GetBlobClient(Assert.Single(exports).Name).DownloadContentAsync(Ct)).Value.Content.ToString();
        Assert.Contains("hanako@example.jp", export, StringComparison.Ordinal);
        Assert.Contains("own:1", export, StringComparison.Ordinal);

        var redact = await PostShopifyAsync("""{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","customer":{"id":7001,"email":"hanako@example.jp","phone":"+819011112222"},"orders_to_redact":[1001]}""", "customers/redact");
        Assert.Equal(HttpStatusCode.OK, redact.StatusCode);
        Assert.Equal("erased", (await redact.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
        Assert.Equal(before, await KpisAsync());

        using var unsigned = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new StringContent("{}") };
        unsigned.Headers.Add("X-Shopify-Topic", "customers/redact");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _h.Client.SendAsync(unsigned, Ct)).StatusCode);
    }

    [Fact]
    public async Task Shop_redact_is_queued_answered_at_once_and_erases_every_customer_who_bought_through_shopify_only_with_progress()
    {
        await LoadHanakoAndJiroAsync();
        var response = await PostShopifyAsync("""{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com"}""", "shop/redact");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        var job = new Uri("/api/erasures/" + accepted.GetProperty("job").GetString(), UriKind.Relative);

        // Nothing was erased inside the webhook's request: the job does it.
        var queued = await _h.Operator.GetFromJsonAsync<JsonElement>(job, Ct);
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.Equal("shop-redact", queued.GetProperty("kind").GetString());
        Assert.NotEmpty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));

        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.ErasureJobs, "RunErasureJob", Ct));
        var done = await _h.Operator.GetFromJsonAsync<JsonElement>(job, Ct);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("total").GetInt32());
        Assert.Equal(1, done.GetProperty("done").GetInt32());
        Assert.Equal(1, done.GetProperty("erased").GetInt32());
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
        Assert.NotEmpty(await StorageScan.FindAsync(_h.Storage.Clients, JiroValues, Ct));
    }

    [Fact]
    public async Task Erasure_reads_only_the_blobs_the_index_names_for_the_customer_however_many_others_are_stored()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        var jiro = await CustomerIdOfAsync("own|2");
        await ExportListsAsync(hanako, jiro);
        for (var i = 0; i < 40; i++)
        {
            await DeliverAsync($$$"""{"source":"own","order_id":"other-{{{i}}}","ordered_at":"2026-09-01T10:00:00+09:00","total":100,"customer":{"email":"other{{{i}}}@example.jp"}}""");
        }

        var stored = 0;
        foreach (var container in new[] { StorageCatalog.Containers.Raw, StorageCatalog.Containers.Imports, StorageCatalog.Containers.Exports })
        {
            stored += await _h.Storage.Clients.Container(container).GetBlobsAsync(cancellationToken: Ct).CountAsync(Ct);
        }

        var erase = await _h.Operator.DeleteAsync(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        var read = (await erase.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("counts").GetProperty("blobs-read").GetInt32();
        // Hers: two Shopify deliveries, three generic webhook bodies, the import chunk and file, the DM and call lists (9);
        // not attributable to an order, so read in full: the import's error report and summary (2).
        Assert.Equal(11, read);
        Assert.True(stored > 50, $"{stored} blobs stored");
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
    }

    [Fact]
    public async Task An_import_file_rewritten_by_erasure_is_marked_and_not_imported_again()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        Assert.Equal(HttpStatusCode.OK, (await _h.Operator.DeleteAsync(new Uri($"/api/customers/{hanako}", UriKind.Relative), Ct)).StatusCode);
        var drop = _h.Storage.Clients.Container(StorageCatalog.Containers.Imports).GetBlobClient("drop.csv");
        Assert.True((await drop.GetPropertiesAsync(cancellationToken: Ct)).Value.Metadata.ContainsKey(Kozuchi.Storage.Erasure.BlobIndex.ErasedMetadata));
        var chunks = await _h.Storage.Clients.Container(StorageCatalog.Containers.Raw).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "imports/", Ct).CountAsync(Ct);

        // The new blob versions (the file, its error report and summary) reach the import function, which leaves them:
        // nothing queued, no chunk written.
        Assert.Equal(3, await _h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, Ct));
        Assert.Empty((await _h.Storage.Clients.Queue(StorageCatalog.Queues.OrdersIncoming).PeekMessagesAsync(cancellationToken: Ct)).Value);
        Assert.Equal(chunks, await _h.Storage.Clients.Container(StorageCatalog.Containers.Raw).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "imports/", Ct).CountAsync(Ct));

        // A file the shop drops again under the same name is a new import.
        var csv = "order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n"
            + "imp-9,2026-10-07,,saburo@example.jp,,三郎,,,A,a,1,900,900,,,\r\n";
        await drop.UploadAsync(BinaryData.FromString(csv), overwrite: true, Ct);
        Assert.Equal(1, await _h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, Ct));
        Assert.Equal(1, await _h.DrainAsync(Ct));
    }

    [Fact]
    public async Task A_data_request_lists_the_dm_and_call_list_rows_that_named_the_customer()
    {
        var hanako = await LoadHanakoAndJiroAsync();
        var jiro = await CustomerIdOfAsync("own|2");
        await ExportListsAsync(hanako, jiro);

        var request = await _h.Operator.PostAsync(new Uri($"/api/customers/{hanako}/data-request", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        var name = (await request.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("export").GetString()!;
        var export = JsonDocument.Parse((await _h.Storage.Clients.Container(StorageCatalog.Containers.DataRequests).GetBlobClient(name).DownloadContentAsync(Ct)).Value.Content.ToString());
        var files = export.RootElement.GetProperty("held").GetProperty("exports").EnumerateArray().ToList();
        Assert.Equal(["calls", "dm"], files.Select(f => f.GetProperty("kind").GetString()).Order(StringComparer.Ordinal));
        Assert.All(files, f =>
        {
            var row = Assert.Single(f.GetProperty("rows").EnumerateArray());
            Assert.Contains(row.EnumerateObject(), p => p.Value.GetString() == hanako);
            Assert.DoesNotContain(row.EnumerateObject(), p => p.Value.GetString() == jiro || (p.Value.GetString() ?? "").Contains("次郎", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task A_queued_erasure_answers_202_with_a_job_that_reports_its_progress_to_completion()
    {
        var hanako = await LoadHanakoAndJiroAsync();

        var erase = await _h.Operator.DeleteAsync(new Uri($"/api/customers/{hanako}?queue=true", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Accepted, erase.StatusCode);
        var job = erase.Headers.Location!;
        Assert.Equal("queued", (await _h.Operator.GetFromJsonAsync<JsonElement>(job, Ct)).GetProperty("status").GetString());
        Assert.Equal(1, await _h.DrainAsync(StorageCatalog.Queues.ErasureJobs, "RunErasureJob", Ct));
        var done = await _h.Operator.GetFromJsonAsync<JsonElement>(job, Ct);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(hanako, done.GetProperty("customerId").GetString());
        Assert.Equal(done.GetProperty("total").GetInt32(), done.GetProperty("done").GetInt32());
        Assert.True(done.GetProperty("total").GetInt32() >= 10);
        Assert.Empty(await StorageScan.FindAsync(_h.Storage.Clients, HanakoValues, Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Operator.GetAsync(new Uri("/api/erasures/no-such-job", UriKind.Relative), Ct)).StatusCode);
    }

    /// <summary>
    /// Hanako: two Shopify deliveries of one order, a generic webhook batch shared with Jiro, a second customer record
    /// (work email) merged into her by her phone, and an import file (with a rejected row) shared with Jiro.
    /// </summary>
    private async Task<string> LoadHanakoAndJiroAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostShopifyAsync(ShopifyOrder(1001, "2026-10-01T10:00:05+09:00", "pending"), "orders/create")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostShopifyAsync(ShopifyOrder(1001, "2026-10-01T11:00:00+09:00"), "orders/updated")).StatusCode);
        await DeliverAsync("{\"orders\":[" + Hanako("1", "09-01", 1000m) + "," + Jiro("2", "09-02", 2000m) + "]}");
        await DeliverAsync("""{"source":"own","order_id":"3","ordered_at":"2026-08-01T10:00:00+09:00","total":300,"customer":{"email":"hanako.work@example.jp","name":"佐藤 花子"}}""");
        await DeliverAsync(Hanako("4", "09-10", 400m, email: "hanako.work@example.jp"));

        var csv = "order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n"
            + "imp-1,2026-10-05,,hanako@example.jp,090-1111-2222,佐藤 花子,150-0001,東京都渋谷区神宮前1丁目2-3,A,a,1,500,500,,,\r\n"
            + "imp-2,2026-10-06,,jiro@example.jp,090-3333-4444,鈴木 次郎,530-0001,大阪府大阪市北区梅田1-1-1,A,a,1,600,600,,,\r\n"
            + "imp-3,not-a-date,,hanako@example.jp,090-1111-2222,佐藤 花子,150-0001,東京都渋谷区神宮前1丁目2-3,A,a,1,700,700,,,\r\n";
        var bytes = CsvEncoding.ShiftJis.GetBytes(csv);
        await _h.Storage.Clients.Container(StorageCatalog.Containers.Imports).GetBlobClient("drop.csv").UploadAsync(BinaryData.FromBytes(bytes), Ct);
        Assert.Equal(1, await _h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, Ct));
        await _h.DrainAsync(Ct);
        return await CustomerIdOfAsync("own|1");
    }

    private async Task ExportListsAsync(string hanako, string jiro)
    {
        var dm = await _h.Operator.PostAsJsonAsync(new Uri("/api/exports/dm", UriKind.Relative), new
        {
            campaign = "dormant", encoding = "shift_jis", recipients = new[] { new { customerId = hanako, variant = "A" }, new { customerId = jiro, variant = "A" } },
        }, Ct);
        Assert.Equal(2, (await dm.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("pieces").GetInt32());
        var calls = await _h.Operator.PostAsJsonAsync(new Uri("/api/exports/calls", UriKind.Relative), new
        {
            campaign = "dormant-call", recipients = new[] { new { customerId = hanako, scriptVariant = "A" }, new { customerId = jiro, scriptVariant = "A" } },
        }, Ct);
        Assert.Equal(2, (await calls.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("written").GetInt32());
        using var results = new ByteArrayContent(Encoding.UTF8.GetBytes($"顧客ID,結果,拒否理由,架電日時,担当者\r\n{hanako},不在,佐藤 花子さん本人不在,2026/11/01 10:15,山田\r\n"));
        Assert.True((await _h.Operator.PostAsync(new Uri("/api/channels/calls/results?batch=calls-1", UriKind.Relative), results, Ct)).IsSuccessStatusCode);
    }

    private async Task<string> KpisAsync()
    {
        var parts = new List<string>();
        foreach (var path in new[] { "/api/reports/summary", "/api/reports/kpis?asOf=2026-11-30&from=2026-08", "/api/reports/rfm?asOf=2026-11-30", "/api/reports/cohorts?asOf=2026-11-30" })
        {
            var response = await _h.Operator.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            parts.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        return string.Join('\n', parts);
    }

    private async Task<JsonElement> SummaryAsync() => await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/summary", UriKind.Relative), Ct);

    private async Task<string> CustomerIdOfAsync(string orderRow)
    {
        var row = await _h.Storage.Clients.Table(StorageCatalog.Tables.Orders).QueryAsync<TableEntity>(e => e.RowKey == orderRow, cancellationToken: Ct).SingleAsync(Ct);
        var view = await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{row.GetString("CustomerId")}", UriKind.Relative), Ct);
        return view.GetProperty("customerId").GetString()!;
    }

    private async Task DeliverAsync(string body)
    {
        using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(body), _h.App.Time.GetUtcNow().ToUnixTimeSeconds(), IngestHarness.OrderSecret);
        var response = await _h.Client.SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        await _h.DrainAsync(Ct);
    }

    private async Task CheckoutAsync(string body)
    {
        using var request = SignedRequests.KozuchiOrders(Encoding.UTF8.GetBytes(body), _h.App.Time.GetUtcNow().ToUnixTimeSeconds(), IngestHarness.OrderSecret);
        var response = await _h.Client.SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        await _h.DrainAsync(StorageCatalog.Queues.CheckoutsIncoming, "ProcessCheckouts", Ct);
    }

    private async Task<HttpResponseMessage> PostShopifyAsync(string body, string topic)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(bytes, IngestHarness.ShopifySecret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", "kozuchi-test.myshopify.com");
        request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
        var response = await _h.Client.SendAsync(request, Ct);
        await _h.DrainAsync(Ct);
        return response;
    }
}
