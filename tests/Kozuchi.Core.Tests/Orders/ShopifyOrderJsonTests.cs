using System.Text.Json.Nodes;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;

namespace Kozuchi.Core.Tests.Orders;

/// <summary>Shopify-shaped bodies (tests/data/shopify) as the webhook and the pull read them.</summary>
public sealed class ShopifyOrderJsonTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    internal static JsonObject Body(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "shopify", name)))!.AsObject();

    internal static PayloadResult Parse(JsonObject body, string topic = "orders/updated") =>
        ShopifyOrderJson.Parse(topic, System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), Tokyo);

    private static Order Single(JsonObject body)
    {
        var parsed = Parse(body);
        Assert.Null(parsed.Error);
        return Assert.Single(parsed.Orders);
    }

    [Fact]
    public void Shopifys_sample_notification_is_a_cancelled_usd_order_with_the_customers_own_email_and_every_identifier()
    {
        var order = Single(Body("sample-notification.json"));

        Assert.Equal(new OrderKey("shopify", "820982911946154508"), order.Key);
        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(order.OrderedAt, order.UpdatedAt);
        Assert.Equal(("USD", 403.00m), (order.Currency, order.Total));
        Assert.Equal("john@test.com", order.Contact.Email);
        Assert.Equal("John Smith", order.Contact.Name);
        Assert.Equal("Steve Shipper", order.Contact.AddressName);

        var sourced = IdentityKey.Sourced(order);
        Assert.Equal(
            [("CartCustomer", "shopify:115310627314723954", (string?)null), ("Email", "john@test.com", "customer.email"), ("Email", "jon@doe.ca", "email")],
            sourced.Select(s => (s.Key.Kind.ToString(), s.Key.Value, s.Source)));
    }

    [Fact]
    public void An_address_keeps_its_parts_and_reads_as_one_line_with_separators()
    {
        var order = Single(Body("aud-test-order.json").Also(b => b["test"] = false));
        var c = order.Contact;

        Assert.Equal(("2000", "AU", "New South Wales", "Sydney", "Level 3, 88 George Street", "Unit 12"), (c.PostalCode, c.Country, c.Region, c.City, c.AddressLine1, c.AddressLine2));
        Assert.Equal("Level 3, 88 George Street, Unit 12, Sydney, New South Wales, AU", c.Address);

        // An Australian mobile in its national form is read in Australia's numbering, not Japan's.
        Assert.Contains(IdentityKey.From(order), k => k == new IdentityKey(IdentityKind.Phone, "+61412345678"));
        Assert.Equal(("AUD", 89.95m, 79.95m), (order.Currency, order.Total, order.Lines[0].UnitPrice));
        Assert.Equal("instagram", order.AcquisitionMedium);
    }

    [Fact]
    public void A_test_order_is_acknowledged_and_ignored()
    {
        var parsed = Parse(Body("aud-test-order.json"), "orders/create");

        Assert.Equal("test order", parsed.Ignored);
        Assert.Empty(parsed.Orders);
    }

    [Fact]
    public void A_body_without_currency_takes_the_shop_money_currency_and_amounts()
    {
        var body = Body("jpy-presentment-usd.json");
        Assert.False(body.ContainsKey("currency"));

        var order = Single(body);

        // Shop money: the yen the shop books, not the dollars the buyer saw.
        Assert.Equal(("JPY", 5980m, 2990m), (order.Currency, order.Total, order.Lines[0].UnitPrice));
        Assert.Equal(FulfillmentStatus.Fulfilled, order.Fulfillment);
        Assert.True(order.IsSubscription);
    }

    [Fact]
    public void Shop_money_wins_over_the_plain_amount_when_both_are_given()
    {
        var order = Single(Body("jpy-presentment-usd.json").Also(b => b["total_price"] = "40.12"));

        Assert.Equal(("JPY", 5980m), (order.Currency, order.Total));
    }

    [Fact]
    public void A_body_whose_currency_cannot_be_told_is_refused_with_the_reason_never_taken_for_yen()
    {
        var body = Body("jpy-presentment-usd.json").Also(b => b.Remove("total_price_set"));

        var parsed = Parse(body);

        Assert.Empty(parsed.Orders);
        Assert.Contains("missing currency", parsed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("created_at", "order is missing created_at")]
    [InlineData("id", "order is missing id")]
    public void A_body_missing_a_required_field_names_it(string field, string reason)
    {
        var body = Body("sample-notification.json").Also(b =>
        {
            b.Remove(field);
            b.Remove("processed_at");
        });

        Assert.Equal(reason, Parse(body).Error);
    }

    [Fact]
    public void A_japanese_address_reads_its_prefecture_from_the_province_code_and_the_customer_without_a_phone_keeps_the_billing_one()
    {
        var order = Single(Body("jpy-presentment-usd.json"));
        var c = order.Contact;

        Assert.Equal(("東京都", "渋谷区", "神宮前1-2-3", "ハイツ原宿 201"), (c.Region, c.City, c.AddressLine1, c.AddressLine2));
        Assert.Equal("東京都渋谷区神宮前1-2-3 ハイツ原宿 201", c.Address);
        Assert.Equal("090-1111-2222", c.Phone);
        Assert.Equal("Emily Carter", c.Name);
    }

    [Fact]
    public void Literal_null_strings_are_missing_values()
    {
        var order = Single(Body("null-strings.json"));
        var c = order.Contact;

        Assert.Equal(OrderStatus.Paid, order.Status);
        Assert.Null(c.AddressLine2);
        Assert.False(c.EmailOptIn);
        Assert.Equal(FulfillmentStatus.None, order.Fulfillment);
        Assert.Equal("Vitamin C Serum", order.Lines[0].ProductName);

        // customer.phone and the order's phone say "NULL": the billing phone is the one, in US numbering.
        Assert.Equal("(312) 345-6789", c.Phone);
        Assert.Contains(IdentityKey.From(order), k => k == new IdentityKey(IdentityKind.Phone, "+13123456789"));
        Assert.Equal("500 Market Street, San Francisco, California, US", c.Address);
        Assert.Equal("94105", c.PostalCode);
    }

    [Fact]
    public void A_refund_is_counted_in_shop_money()
    {
        var refund = """
            {"id":509562969,"order_id":6021448372514,"created_at":"2026-10-06T10:00:00+09:00",
             "refund_line_items":[{"quantity":1,"subtotal_set":{"shop_money":{"amount":"2990","currency_code":"JPY"},"presentment_money":{"amount":"20.06","currency_code":"USD"}},
                                   "total_tax_set":{"shop_money":{"amount":"0","currency_code":"JPY"},"presentment_money":{"amount":"0.00","currency_code":"USD"}}}],
             "transactions":[{"kind":"refund","status":"success","amount":"20.06","currency":"USD"}],
             "order_adjustments":[]}
            """;
        var parsed = ShopifyOrderJson.Parse("refunds/create", System.Text.Encoding.UTF8.GetBytes(refund), Tokyo);
        var stored = Single(Body("jpy-presentment-usd.json"));

        var refunded = ShopifyOrderJson.ApplyRefund(stored, Assert.Single(parsed.Refunds))!;

        Assert.Equal((2990m, 2990m, OrderStatus.PartiallyRefunded), (refunded.RefundedAmount, refunded.NetAmount, refunded.Status));
    }

    [Fact]
    public void The_order_body_counts_its_refunds_from_what_is_left_to_pay_in_shop_money()
    {
        var order = Single(Body("jpy-presentment-usd.json").Also(b =>
        {
            b["financial_status"] = "partially_refunded";
            b["current_total_price_set"] = JsonNode.Parse("""{"shop_money":{"amount":"2990","currency_code":"JPY"},"presentment_money":{"amount":"20.06","currency_code":"USD"}}""");
            b["refunds"] = JsonNode.Parse("""[{"id":509562969,"transactions":[{"kind":"refund","status":"success","amount":"20.06","currency":"USD"}]}]""");
        }));

        Assert.Equal((2990m, 2990m, OrderStatus.PartiallyRefunded), (order.RefundedAmount, order.NetAmount, order.Status));
    }
}

internal static class JsonObjectExtensions
{
    /// <summary>The object after <paramref name="change"/>: a variant of a fixture in one expression.</summary>
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
