using Kozuchi.Core.Customers;
using Kozuchi.Core.Erasure;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Common;
using Kozuchi.Core.Orders.Formats;

namespace Kozuchi.Core.Tests.Erasure;

public sealed class RedactionTests
{
    private static PersonalData Hanako()
    {
        var person = new PersonalData();
        person.Add(new OrderContact { Email = "Hanako@Example.jp", Phone = "090-1111-2222", Name = "佐藤 花子", NameKana = "サトウ ハナコ", PostalCode = "150-0001", Address = "東京都渋谷区神宮前1-2-3" });
        return person;
    }

    private static readonly HashSet<string> HanakoOrders = ["shopify:1001"];

    [Theory]
    [InlineData("hanako@example.jp")]
    [InlineData(" HANAKO@example.JP ")]
    [InlineData("+819011112222")]
    [InlineData("09011112222")]
    [InlineData("佐藤　花子")]
    [InlineData("東京都渋谷区神宮前1-2-3")]
    public void Her_values_are_recognised_in_any_stored_form(string value) => Assert.True(Hanako().Identifies(value));

    [Theory]
    [InlineData("jiro@example.jp")]
    [InlineData("090-3333-4444")]
    [InlineData("佐藤 一郎")]
    [InlineData("1001")]
    public void Other_peoples_values_are_not_hers(string value) => Assert.False(Hanako().Identifies(value));

    [Fact]
    public void A_shopify_order_of_hers_loses_customer_and_addresses_but_keeps_id_total_and_lines_and_still_parses()
    {
        const string body = """
            {"id":1001,"name":"#1001","email":"hanako@example.jp","created_at":"2026-10-01T10:00:00+09:00","updated_at":"2026-10-01T10:00:00+09:00",
             "currency":"JPY","total_price":"5980.00","financial_status":"paid","cancelled_at":null,"test":false,
             "customer":{"id":7001,"email":"hanako@example.jp","first_name":"花子","last_name":"佐藤"},
             "billing_address":{"name":"佐藤 花子","zip":"150-0001","province":"東京都","city":"渋谷区","address1":"神宮前1-2-3"},
             "line_items":[{"id":1,"sku":"SET-4","title":"美容液 4本セット","quantity":1,"price":"5980.00"}]}
            """;

        var (text, removed) = Redaction.Json(body, Hanako(), HanakoOrders, "erased-c1", defaultSource: "shopify")!.Value;

        Assert.True(removed >= 3);
        Assert.DoesNotContain("hanako", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("花子", text, StringComparison.Ordinal);
        Assert.DoesNotContain("神宮前", text, StringComparison.Ordinal);
        var parsed = ShopifyOrderJson.Parse("orders/paid", System.Text.Encoding.UTF8.GetBytes(text), TimeZoneInfo.Utc);
        var order = Assert.Single(parsed.Orders);
        Assert.Equal(("1001", 5980m, "SET-4"), (order.Key.OrderId, order.Total, order.Lines.Single().Sku));
        Assert.Empty(IdentityKey.From(order));
    }

    [Fact]
    public void In_a_batch_only_her_order_changes_and_the_payload_still_parses()
    {
        var body = """
            {"orders":[
             {"source":"own","order_id":"1","ordered_at":"2026-09-01T10:00:00+09:00","total":1000,"customer":{"email":"hanako@example.jp","name":"佐藤 花子","address":"東京都渋谷区神宮前1-2-3"}},
             {"source":"own","order_id":"2","ordered_at":"2026-09-02T10:00:00+09:00","total":2000,"customer":{"email":"jiro@example.jp","name":"鈴木 次郎","address":"大阪府大阪市北区梅田1-1-1"}}]}
            """;

        var (text, _) = Redaction.Json(body, Hanako(), new HashSet<string> { "own:1" }, "erased-c1")!.Value;

        Assert.DoesNotContain("hanako", text, StringComparison.Ordinal);
        Assert.Contains("jiro@example.jp", text, StringComparison.Ordinal);
        Assert.Contains("鈴木 次郎", text, StringComparison.Ordinal);
        Assert.Contains("梅田1-1-1", text, StringComparison.Ordinal);
        var parsed = KozuchiOrderJson.Parse(System.Text.Encoding.UTF8.GetBytes(text), TimeZoneInfo.Utc);
        Assert.Equal([1000m, 2000m], parsed.Orders.Select(o => o.Total));
        Assert.Equal("erased-c1", parsed.Orders[0].CartCustomerId);
    }

    [Fact]
    public void Another_sources_order_with_the_same_id_keeps_its_customer()
    {
        const string body = """{"orders":[{"source":"other-cart","order_id":"1001","total":500,"customer":{"ref":"x9","name":"鈴木 次郎"}}]}""";
        Assert.Null(Redaction.Json(body, Hanako(), HanakoOrders, "erased-c1"));
    }

    [Fact]
    public void A_document_without_her_data_is_left_alone() =>
        Assert.Null(Redaction.Json("""{"orders":[{"order_id":"2","customer":{"email":"jiro@example.jp"}}]}""", Hanako(), HanakoOrders, "erased-c1"));

    [Fact]
    public void Csv_rows_of_hers_are_blanked_or_dropped_and_other_rows_keep_their_exact_text()
    {
        const string csv = "order_id,email,phone,姓,名,postal_code,address,order_total\r\n"
            + "1,hanako@example.jp,090-1111-2222,佐藤,花子,150-0001,東京都渋谷区神宮前1-2-3,1000\r\n"
            + "2,jiro@example.jp,090-3333-4444,鈴木,次郎,150-0001,\"東京都渋谷区神宮前9-9-9, 2F\",2000\r\n";

        var (blanked, rows) = Redaction.Csv(csv, Hanako(), new HashSet<string>(), RowAction.Blank)!.Value;
        var (dropped, _) = Redaction.Csv(csv, Hanako(), new HashSet<string>(), RowAction.Drop)!.Value;

        Assert.Equal(1, rows);
        Assert.Equal("order_id,email,phone,姓,名,postal_code,address,order_total\r\n1,,,,,,,1000\r\n2,jiro@example.jp,090-3333-4444,鈴木,次郎,150-0001,\"東京都渋谷区神宮前9-9-9, 2F\",2000\r\n", blanked);
        Assert.Equal("order_id,email,phone,姓,名,postal_code,address,order_total\r\n2,jiro@example.jp,090-3333-4444,鈴木,次郎,150-0001,\"東京都渋谷区神宮前9-9-9, 2F\",2000\r\n", dropped);
    }

    [Fact]
    public void An_export_row_is_dropped_by_customer_id_even_when_no_value_matches()
    {
        var (text, rows) = Redaction.Csv("顧客ID,宛名\r\nc1,別名 様\r\nc2,鈴木 次郎 様\r\n", Hanako(), new HashSet<string> { "c1" }, RowAction.Drop)!.Value;
        Assert.Equal((1, "顧客ID,宛名\r\nc2,鈴木 次郎 様\r\n"), (rows, text));
    }

    [Fact]
    public void Anonymising_keeps_the_orders_and_totals_and_removes_every_personal_value()
    {
        var order = new Order { Key = new OrderKey("own", "1"), OrderedAt = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), Total = 1000m, Contact = new OrderContact { Email = "hanako@example.jp", Phone = "090-1111-2222", Address = "東京都渋谷区神宮前1-2-3", EmailOptIn = true } };
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, order, order.OrderedAt);
        var record = set.Customers.Values.Single();

        var erased = CustomerLedger.Anonymise(record);

        Assert.Equal(CustomerState.Erased, erased.State);
        Assert.Equal(new CustomerContact(), erased.Contact);
        Assert.Empty(erased.Identities);
        Assert.Equal((1, 1000m), (erased.ToProfile().Frequency, erased.ToProfile().Monetary));
        Assert.False(erased.ToProfile().Reachability.HasConsent(Channel.Email));
        Assert.True(erased.State.CountsInAnalytics());
    }

    [Fact]
    public void A_later_version_of_an_erased_customers_order_updates_the_totals_but_brings_no_personal_data_back()
    {
        var order = new Order { Key = new OrderKey("own", "1"), OrderedAt = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), UpdatedAt = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), Total = 1000m, Contact = new OrderContact { Email = "hanako@example.jp" } };
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, order, order.OrderedAt);
        var id = set.Customers.Keys.Single();
        set.Customers[id] = CustomerLedger.Anonymise(set.Customers[id]);
        set.Identities.Clear();

        var refunded = order with { UpdatedAt = order.UpdatedAt.AddDays(3), RefundedAmount = 400m, Status = OrderStatus.PartiallyRefunded };
        Assert.Equal(ApplyOutcome.Updated, CustomerLedger.Apply(set, refunded, refunded.UpdatedAt));

        var record = set.Customers[id];
        Assert.Equal((CustomerState.Erased, 600m), (record.State, record.ToProfile().Monetary));
        Assert.Null(record.Contact.Email);
        Assert.Empty(record.Identities);
        Assert.Empty(set.Identities);
    }
}
