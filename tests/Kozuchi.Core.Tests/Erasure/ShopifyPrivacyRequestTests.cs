using System.Text;
using Kozuchi.Core.Erasure;

namespace Kozuchi.Core.Tests.Erasure;

/// <summary>
/// Shopify's privacy topics, read strictly: the payloads as Shopify documents them (shopify.dev, "Privacy law
/// compliance") are accepted; an order body, another topic's body or a body without the shop is not.
/// </summary>
public sealed class ShopifyPrivacyRequestTests
{
    private const string DataRequest = """
        {"shop_id":954889,"shop_domain":"Kozuchi-Test.myshopify.com","orders_requested":[299938,280263,220458],
         "customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"data_request":{"id":9999}}
        """;

    private const string CustomerRedact = """
        {"shop_id":954889,"shop_domain":"kozuchi-test.myshopify.com","customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},
         "orders_to_redact":[299938,280263,220458]}
        """;

    private const string ShopRedact = """{"shop_id":954889,"shop_domain":"kozuchi-test.myshopify.com"}""";

    private const string Order = """
        {"id":1001,"name":"#1001","email":"hanako@example.jp","created_at":"2026-10-01T10:00:00+09:00","total_price":"5980.00",
         "customer":{"id":7001,"email":"hanako@example.jp"},"line_items":[{"id":1,"title":"美容液","quantity":1,"price":"5980.00"}]}
        """;

    private static (ShopifyPrivacyRequest? Request, string? Problem) Parse(string topic, string body) =>
        ShopifyPrivacyRequest.Parse(topic, Encoding.UTF8.GetBytes(body));

    [Fact]
    public void The_documented_payloads_are_read_with_their_shop_customer_and_orders()
    {
        var data = Parse("customers/data_request", DataRequest).Request!;
        Assert.Equal(("954889", "kozuchi-test.myshopify.com"), (data.ShopId, data.ShopDomain));
        Assert.Equal(new ShopifyPrivacyCustomer("191167", "john@example.com", "555-625-1199"), data.Customer);
        Assert.Equal(["299938", "280263", "220458"], data.OrderIds);

        var redact = Parse("customers/redact", CustomerRedact).Request!;
        Assert.Equal(["299938", "280263", "220458"], redact.OrderIds);

        var shop = Parse("shop/redact", ShopRedact).Request!;
        Assert.Null(shop.Customer);
        Assert.Empty(shop.OrderIds);
    }

    [Theory]
    [InlineData("customers/redact", "order field 'id'")]
    [InlineData("customers/data_request", "order field 'id'")]
    [InlineData("shop/redact", "order field 'id'")]
    public void A_signed_order_body_under_a_privacy_topic_is_no_privacy_request(string topic, string reason)
    {
        var (request, problem) = Parse(topic, Order);

        Assert.Null(request);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("hanako", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shop/redact", CustomerRedact, "'customer'")]
    [InlineData("shop/redact", DataRequest, "'orders_requested'")]
    [InlineData("customers/redact", DataRequest, "'orders_requested'")]
    [InlineData("customers/data_request", CustomerRedact, "'orders_to_redact'")]
    [InlineData("customers/redact", ShopRedact, "lacks 'customer'")]
    [InlineData("customers/redact", """{"shop_domain":"kozuchi-test.myshopify.com","customer":{"id":1},"orders_to_redact":[]}""", "lacks 'shop_id'")]
    [InlineData("customers/redact", """{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","customer":{},"orders_to_redact":[]}""", "names no id")]
    [InlineData("customers/redact", """{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","customer":{"id":1},"orders_to_redact":{"id":5}}""", "not a list")]
    [InlineData("shop/redact", """{"shop_id":"1 OR 1=1","shop_domain":"kozuchi-test.myshopify.com"}""", "'shop_id'")]
    [InlineData("shop/redact", """[{"shop_id":1}]""", "not a JSON object")]
    [InlineData("shop/redact", "not json", "not JSON")]
    public void Another_topics_body_or_a_malformed_one_is_refused_with_the_field_named(string topic, string body, string reason)
    {
        var (request, problem) = Parse(topic, body);

        Assert.Null(request);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_shopify_may_add_later_is_tolerated() =>
        Assert.NotNull(Parse("shop/redact", """{"shop_id":1,"shop_domain":"kozuchi-test.myshopify.com","requested_at":"2026-11-01"}""").Request);

    [Theory]
    [InlineData(" Kozuchi-Test.MyShopify.com ", "kozuchi-test.myshopify.com")]
    [InlineData("https://kozuchi-test.myshopify.com/", "kozuchi-test.myshopify.com")]
    [InlineData("", null)]
    public void Shop_domains_are_compared_in_one_form(string given, string? normalized) =>
        Assert.Equal(normalized, ShopifyPrivacyRequest.NormalizeDomain(given));
}
