using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Functions.Ingest;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>
/// Shopify-shaped order bodies (tests/data/shopify) sent signed to the webhook, as the issue-21 deliveries were: the same
/// second's cancellation, the customer's own e-mail, one currency per figure, contact data a person can use.
/// </summary>
public sealed class ShopifyOrdersTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite, app => app.WithLogCapture());

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private static JsonObject Body(string name, Action<JsonObject>? change = null)
    {
        var body = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "shopify", name)))!.AsObject();
        body["test"] = false;
        change?.Invoke(body);
        return body;
    }

    /// <summary>Shopify's sample notification as the paid version, before it was cancelled: same id, same <c>updated_at</c>.</summary>
    private static JsonObject Paid(JsonObject cancelled)
    {
        var paid = cancelled.DeepClone().AsObject();
        paid["financial_status"] = "paid";
        paid["cancelled_at"] = null;
        paid["cancel_reason"] = null;
        return paid;
    }

    private async Task<HttpResponseMessage> PostAsync(JsonObject body, string topic)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/shopify", UriKind.Relative)) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSignatures.SignShopify(bytes, IngestHarness.ShopifySecret));
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", "kozuchi-test.myshopify.com");
        request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
        return await _h.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<JsonElement> GetAsync(string path) =>
        await _h.Operator.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

    private IReadOnlyList<string> Warnings => [.. _h.App.Logs!.Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => l.Message)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Paid_and_cancelled_versions_with_the_same_updated_at_end_cancelled_and_out_of_revenue_in_either_arrival_order(bool cancellationFirst)
    {
        var ct = TestContext.Current.CancellationToken;
        var cancelled = Body("sample-notification.json");
        var paid = Paid(cancelled);
        var (first, second) = cancellationFirst ? ((cancelled, "orders/cancelled"), (paid, "orders/paid")) : ((paid, "orders/paid"), (cancelled, "orders/cancelled"));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(first.Item1, first.Item2)).StatusCode);
        await _h.DrainAsync(ct);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(second.Item1, second.Item2)).StatusCode);
        await _h.DrainAsync(ct);

        var summary = await GetAsync("/api/reports/summary?currency=USD");
        Assert.Equal((0, 0m, "USD"), (summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal(), summary.GetProperty("currency").GetString()));
        var rfm = await GetAsync("/api/reports/rfm?currency=USD");
        Assert.Equal((0, 0m), (rfm.GetProperty("customers").GetInt32(), rfm.GetProperty("revenue").GetDecimal()));
    }

    [Fact]
    public async Task The_shopify_customers_own_email_links_a_later_csv_order_and_a_merge_says_it_used_customer_email()
    {
        var ct = TestContext.Current.CancellationToken;

        // Before Shopify: a CSV customer under the order's e-mail, a generic-webhook customer under the customer's own.
        var importer = _h.App.Services.GetRequiredService<OrderImporter>();
        var csv = "order_id,ordered_at,email,order_total,currency,source\r\nA-1,2026-09-01 10:00,jon@doe.ca,120.00,USD,csv\r\n";
        await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "before.csv", CsvMapping.Kozuchi, null, viaQueue: false, null, ct);
        await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("order_id,ordered_at,email,order_total,currency,source\r\nB-1,2026-09-15 10:00,john@test.com,80.00,USD,own\r\n")), "b.csv", CsvMapping.Kozuchi, null, viaQueue: false, null, ct);
        Assert.Equal(2, (await GetAsync("/api/reports/summary")).GetProperty("customers").GetInt32());

        // Shopify's order carries both: the two are one person now, and the merge names the identifier and where it was.
        await PostAsync(Paid(Body("sample-notification.json")), "orders/paid");
        await _h.DrainAsync(ct);

        // A later CSV order under the customer's own e-mail joins the same customer.
        await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("order_id,ordered_at,email,order_total,currency,source\r\nC-1,2026-10-20 10:00,John@Test.com,50.00,USD,csv\r\n")), "after.csv", CsvMapping.Kozuchi, null, viaQueue: false, null, ct);
        var summary = await GetAsync("/api/reports/summary?currency=USD");
        Assert.Equal((1, 4, 653.00m), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal()));

        var id = (await GetAsync("/api/reports/rfm/customers?r=1&f=3&asOf=2026-10-31")).GetProperty("customers")[0].GetProperty("customerId").GetString();
        var view = await GetAsync($"/api/customers/{id}");
        var merge = view.GetProperty("merges")[0];
        Assert.Equal(("same Email (customer.email)", "j***@test.com", "customer.email"), (merge.GetProperty("reason").GetString(), merge.GetProperty("sharedIdentifier").GetString(), merge.GetProperty("source").GetString()));
        Assert.Equal(4, view.GetProperty("orders").GetArrayLength());
        Assert.Equal("John Smith", view.GetProperty("contact").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_usd_and_a_jpy_order_never_appear_in_one_sum_and_each_report_lists_the_others_apart()
    {
        var ct = TestContext.Current.CancellationToken;
        await PostAsync(Paid(Body("sample-notification.json")), "orders/paid");
        await PostAsync(Body("jpy-presentment-usd.json"), "orders/create");
        await PostAsync(Body("aud-test-order.json"), "orders/create");
        await _h.DrainAsync(ct);

        var summary = await GetAsync("/api/reports/summary");
        Assert.Equal((3, 3, 5980m, "JPY"), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal(), summary.GetProperty("currency").GetString()));
        Assert.Equal(
            [("AUD", 89.95m, 1), ("USD", 403.00m, 1)],
            summary.GetProperty("otherCurrencies").EnumerateArray().Select(o => (o.GetProperty("currency").GetString(), o.GetProperty("revenue").GetDecimal(), o.GetProperty("orders").GetInt32())));

        var kpis = await GetAsync("/api/reports/kpis?asOf=2026-10-31");
        var october = kpis.GetProperty("months").EnumerateArray().Single(m => m.GetProperty("month").GetString() == "2026-10");
        Assert.Equal((5980m, 5980m, 2), (october.GetProperty("sales").GetDecimal(), october.GetProperty("aov").GetDecimal(), october.GetProperty("orders").GetInt32()));
        Assert.Equal("USD", october.GetProperty("otherCurrencies")[0].GetProperty("currency").GetString());
        var september = kpis.GetProperty("months").EnumerateArray().Single(m => m.GetProperty("month").GetString() == "2026-09");
        Assert.Equal((0m, "AUD", 89.95m), (september.GetProperty("sales").GetDecimal(), september.GetProperty("otherCurrencies")[0].GetProperty("currency").GetString(), september.GetProperty("otherCurrencies")[0].GetProperty("sales").GetDecimal()));

        var usd = await GetAsync("/api/reports/summary?currency=USD");
        Assert.Equal((403.00m, "USD"), (usd.GetProperty("revenue").GetDecimal(), usd.GetProperty("currency").GetString()));
        var cohorts = await GetAsync("/api/reports/cohorts?asOf=2026-10-31&currency=AUD");
        Assert.Equal("AUD", cohorts.GetProperty("currency").GetString());
        Assert.Equal(89.95m, cohorts.GetProperty("cohorts").EnumerateArray().Single(c => c.GetProperty("month").GetString() == "2026-09").GetProperty("ltv").GetProperty("m1").GetDecimal());
        Assert.Equal(HttpStatusCode.BadRequest, (await _h.Operator.GetAsync(new Uri("/api/reports/summary?currency=yen!", UriKind.Relative), ct)).StatusCode);
    }

    [Fact]
    public async Task An_australian_shop_reports_in_its_base_currency_set_by_kozuchi_shop_currency()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var aud = await IngestHarness.StartAsync(azurite, app => app.WithSetting("Kozuchi:Shop:Currency", "AUD"));
        var bytes = Encoding.UTF8.GetBytes(Body("aud-test-order.json").ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await aud.PostShopifyOrderAsync(bytes, "w-aud-1", ct)).StatusCode);
        await aud.DrainAsync(ct);

        var summary = await aud.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/summary", UriKind.Relative), ct);
        Assert.Equal((89.95m, "AUD", 0), (summary.GetProperty("revenue").GetDecimal(), summary.GetProperty("currency").GetString(), summary.GetProperty("otherCurrencies").GetArrayLength()));
        var kpis = await aud.Operator.GetFromJsonAsync<JsonElement>(new Uri("/api/reports/kpis?asOf=2026-09-30", UriKind.Relative), ct);
        Assert.Equal(("AUD", 89.95m), (kpis.GetProperty("currency").GetString(), kpis.GetProperty("months")[0].GetProperty("sales").GetDecimal()));
    }

    [Fact]
    public async Task A_shop_currency_that_is_no_currency_code_stops_the_app_at_start_with_the_reason()
    {
        await using var storage = await azurite.CreateScopeAsync();
        await using var app = new KozuchiAppFactory(storage).WithSetting("Kozuchi:Shop:Currency", "円");

        var error = Assert.Throws<OptionsValidationException>(app.ValidateAtStart);

        Assert.Contains("Kozuchi__Shop__Currency must be an ISO 4217 currency code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_without_currency_but_with_shop_money_is_read_in_the_shop_currency()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body("jpy-presentment-usd.json"), "orders/create")).StatusCode);
        await _h.DrainAsync(ct);

        var id = (await GetAsync("/api/reports/rfm/customers?r=1&f=1&asOf=2026-10-31")).GetProperty("customers")[0];
        Assert.Equal((5980m, "JPY"), (id.GetProperty("monetary").GetDecimal(), id.GetProperty("currency").GetString()));
        var order = (await GetAsync($"/api/customers/{id.GetProperty("customerId").GetString()}")).GetProperty("orders")[0];
        Assert.Equal((5980m, "JPY"), (order.GetProperty("total").GetDecimal(), order.GetProperty("currency").GetString()));
    }

    [Fact]
    public async Task A_body_whose_currency_cannot_be_told_is_refused_with_the_reason_in_the_answer_and_the_log()
    {
        var response = await PostAsync(Body("jpy-presentment-usd.json", b => b.Remove("total_price_set")), "orders/create");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("missing currency", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains(Warnings, w => w.Contains("refused: order is missing currency", StringComparison.Ordinal) && w.Contains("rejected/shopify/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_missing_created_at_is_refused_and_the_log_says_missing_created_at()
    {
        var response = await PostAsync(Body("sample-notification.json", b =>
        {
            b.Remove("created_at");
            b.Remove("processed_at");
        }), "orders/create");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var line = Assert.Single(Warnings, w => w.Contains("refused", StringComparison.Ordinal));
        Assert.Contains("missing created_at", line, StringComparison.Ordinal);
        Assert.DoesNotContain("unreadable", line, StringComparison.OrdinalIgnoreCase);

        // No personal value in the log line.
        Assert.DoesNotContain("john@test.com", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_customer_keeps_postal_code_country_phone_and_the_address_in_its_parts_and_null_strings_are_missing()
    {
        var ct = TestContext.Current.CancellationToken;
        await PostAsync(Body("aud-test-order.json"), "orders/create");
        await PostAsync(Body("null-strings.json"), "orders/create");
        await _h.DrainAsync(ct);

        var customers = (await GetAsync("/api/reports/rfm/customers?r=1&f=1&asOf=2026-09-30&currency=AUD")).GetProperty("customers").EnumerateArray().ToList();
        var aud = customers.Single(c => c.GetProperty("currency").GetString() == "AUD").GetProperty("customerId").GetString();
        var contact = (await GetAsync($"/api/customers/{aud}")).GetProperty("contact");
        Assert.Equal(("2000", "AU", "New South Wales", "Sydney", "Level 3, 88 George Street", "Unit 12", "+61412345678"),
            (contact.GetProperty("postalCode").GetString(), contact.GetProperty("country").GetString(), contact.GetProperty("region").GetString(), contact.GetProperty("city").GetString(),
             contact.GetProperty("addressLine1").GetString(), contact.GetProperty("addressLine2").GetString(), contact.GetProperty("phone").GetString()));
        Assert.Equal("Level 3, 88 George Street, Unit 12, Sydney, New South Wales, AU", contact.GetProperty("address").GetString());

        var usd = customers.Single(c => c.GetProperty("currency").GetString() == "USD").GetProperty("customerId").GetString();
        var us = (await GetAsync($"/api/customers/{usd}")).GetProperty("contact");
        Assert.Equal(("+13123456789", "94105", "US"), (us.GetProperty("phone").GetString(), us.GetProperty("postalCode").GetString(), us.GetProperty("country").GetString()));
        Assert.Equal(JsonValueKind.Null, us.GetProperty("addressLine2").ValueKind);
    }
}
