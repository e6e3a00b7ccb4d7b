using System.Text.Json.Nodes;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Pulls;

namespace Kozuchi.Core.Tests.Pulls;

public sealed class PulledOrdersTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static PullSource Source(CartKind kind, string? orderSource = null) => new() { Name = "s1", Kind = kind, OrderSource = orderSource ?? string.Empty };

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void A_base_order_detail_maps_to_the_order_model()
    {
        var detail = Json("""
            {"unique_key":"154D88A39E454289","ordered":1763600000,"cancelled":null,"dispatch_status":"ordered","modified":1763603600,
             "total":6800,"first_name":"太郎","last_name":"山田","zip_code":"106-0032","prefecture":"東京都","address":"港区六本木","address2":"4-11-4",
             "mail_address":"taro@example.jp","tel":"03-1234-5678",
             "order_items":[{"item_id":1000,"title":"Tシャツ","variation":"サイズM","price":2000,"amount":2},{"item_id":1001,"title":"ロングTシャツ","variation":null,"price":2800,"amount":1}],
             "subscription":{"unique_key":"SABC","repeat_number":1}}
            """);

        var parsed = PulledOrders.Parse(PulledOrders.Write(Source(CartKind.Base), [detail]), Tokyo);

        Assert.Null(parsed.Error);
        var order = Assert.Single(parsed.Orders);
        Assert.Equal(new OrderKey("base", "154D88A39E454289"), order.Key);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763600000), order.OrderedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763603600), order.UpdatedAt);
        Assert.Equal(6800m, order.Total);
        Assert.Equal(OrderStatus.Paid, order.Status);
        Assert.True(order.IsSubscription);
        Assert.Equal("山田 太郎", order.Contact.Name);
        Assert.Equal("東京都港区六本木 4-11-4", order.Contact.Address);
        Assert.Equal(["Tシャツ サイズM", "ロングTシャツ"], order.Lines.Select(l => l.ProductName));
        Assert.Equal(2, order.Lines[0].Quantity);
    }

    [Theory]
    [InlineData("\"cancelled\":1763700000,\"dispatch_status\":\"cancelled\"", OrderStatus.Cancelled)]
    [InlineData("\"cancelled\":null,\"dispatch_status\":\"unpaid\"", OrderStatus.Pending)]
    [InlineData("\"cancelled\":null,\"dispatch_status\":\"dispatched\"", OrderStatus.Paid)]
    public void Base_statuses_map_to_order_statuses(string fields, OrderStatus expected)
    {
        var detail = Json($$"""{"unique_key":"K1","ordered":1763600000,"total":1000,{{fields}}}""");

        var order = Assert.Single(PulledOrders.Parse(PulledOrders.Write(Source(CartKind.Base), [detail]), Tokyo).Orders);

        Assert.Equal(expected, order.Status);
    }

    [Fact]
    public void A_color_me_sale_maps_with_its_customer_and_the_names_at_order_time()
    {
        var sale = Json("""
            {"id":98765,"make_date":1763600000,"update_date":1763610000,"total_price":5500,"paid":true,"canceled":false,
             "customer":{"id":321,"name":"佐藤 花子","furigana":"サトウ ハナコ","mail":"hanako@example.jp","tel":"090-1234-5678","postal":"150-0043","pref_name":"東京都","address1":"渋谷区道玄坂","address2":"2-10-12"},
             "details":[{"product_id":5,"product_model_number":"AOJIRU-30","product_name":"青汁（新）","pristine_product_full_name":"青汁 30包","price":4500,"price_with_tax":4860,"product_num":1}]}
            """);

        var order = Assert.Single(PulledOrders.Parse(PulledOrders.Write(Source(CartKind.ColorMe), [sale]), Tokyo).Orders);

        Assert.Equal(new OrderKey("colorme", "98765"), order.Key);
        Assert.Equal("321", order.CartCustomerId);
        Assert.Equal("サトウ ハナコ", order.Contact.NameKana);
        Assert.Equal("青汁 30包", order.Lines[0].ProductName);
        Assert.Equal("AOJIRU-30", order.Lines[0].ProductKey);
        Assert.Equal(4860m, order.Lines[0].UnitPrice);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763610000), order.UpdatedAt);
        Assert.Equal(OrderStatus.Paid, order.Status);
    }

    [Fact]
    public void A_pulled_shopify_order_has_the_key_its_webhook_has_and_test_orders_are_skipped()
    {
        var real = Json("""{"id":820982911946154508,"created_at":"2026-11-19T10:00:00+09:00","updated_at":"2026-11-19T10:05:00+09:00","total_price":"1200.00","currency":"JPY","financial_status":"paid","email":"a@example.com","line_items":[{"title":"Trial","quantity":1,"price":"1200.00"}]}""");
        var test = Json("""{"id":1,"created_at":"2026-11-19T10:00:00+09:00","total_price":"1.00","test":true}""");

        var parsed = PulledOrders.Parse(PulledOrders.Write(Source(CartKind.Shopify), [real, test]), Tokyo);

        var order = Assert.Single(parsed.Orders);
        Assert.Equal(new OrderKey(Kozuchi.Core.Orders.Formats.ShopifyOrderJson.Source, "820982911946154508"), order.Key);
    }

    [Fact]
    public void A_configured_order_source_keys_the_orders_so_two_shops_on_one_cart_stay_apart()
    {
        var detail = Json("""{"unique_key":"K1","ordered":1763600000,"total":1000}""");

        var order = Assert.Single(PulledOrders.Parse(PulledOrders.Write(Source(CartKind.Base, "base-outlet"), [detail]), Tokyo).Orders);

        Assert.Equal("base-outlet", order.Key.Source);
    }

    [Fact]
    public void An_order_without_its_identity_makes_the_page_unreadable_rather_than_half_read()
    {
        var good = Json("""{"unique_key":"K1","ordered":1763600000,"total":1000}""");
        var bad = Json("""{"ordered":1763600000,"total":1000}""");

        var parsed = PulledOrders.Parse(PulledOrders.Write(Source(CartKind.Base), [good, bad]), Tokyo);

        Assert.True(parsed.IsError);
        Assert.Contains("unique_key", parsed.Error, StringComparison.Ordinal);
    }
}
