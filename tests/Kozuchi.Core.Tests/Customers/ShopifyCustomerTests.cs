using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Tests.Orders;

namespace Kozuchi.Core.Tests.Customers;

/// <summary>What a Shopify order tells about its customer: every identifier with its source, the customer's own name, a contact a person can use.</summary>
public sealed class ShopifyCustomerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static Order Shopify(string name, Action<System.Text.Json.Nodes.JsonObject>? change = null) =>
        Assert.Single(ShopifyOrderJsonTests.Parse(ShopifyOrderJsonTests.Body(name).Also(b =>
        {
            b["test"] = false;
            change?.Invoke(b);
        })).Orders);

    private static Order Csv(string email, string id = "C-1") => Assert.Single(new OrderCsvParser(CsvMapping.Kozuchi, Tokyo)
        .Parse(new StringReader($"order_id,ordered_at,email,order_total,source\r\n{id},2026-10-20 10:00,{email},3300,csv\r\n")).SelectMany(c => c.Orders));

    [Fact]
    public void The_shopify_customers_own_email_links_a_later_csv_order_and_the_merge_says_which_identifier_it_used()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Shopify("sample-notification.json"), Now);
        CustomerLedger.Apply(set, Csv("John@Test.com"), Now);

        var customer = Assert.Single(set.Customers.Values, c => c.State == CustomerState.Active);
        Assert.Equal(2, customer.Orders.Count);
        Assert.Contains(new IdentityKey(IdentityKind.Email, "john@test.com"), customer.Identities);
        Assert.Contains(new IdentityKey(IdentityKind.Email, "jon@doe.ca"), customer.Identities);
    }

    [Fact]
    public void A_merge_through_the_customers_email_is_recorded_with_its_source()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Csv("john@test.com", "C-0") with { OrderedAt = new DateTimeOffset(2026, 9, 1, 10, 0, 0, TimeSpan.FromHours(9)) }, Now);
        CustomerLedger.Apply(set, Csv("jon@doe.ca", "C-2"), Now);

        // The Shopify order carries both: customer.email joins the first CSV customer, the order's email the second.
        CustomerLedger.Apply(set, Shopify("sample-notification.json"), Now);

        var survivor = Assert.Single(set.Customers.Values, c => c.State == CustomerState.Active);
        var merge = Assert.Single(survivor.Merges);
        Assert.Equal((IdentityKind.Email, "jon@doe.ca", "email"), (merge.SharedKey.Kind, merge.SharedKey.Value, merge.Source));
        Assert.Equal(3, survivor.Orders.Count);
    }

    [Fact]
    public void The_customer_keeps_their_own_name_the_address_name_postal_code_country_and_the_billing_phone()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Shopify("aud-test-order.json"), Now);

        var c = Assert.Single(set.Customers.Values).Contact;
        Assert.Equal(("olivia.nguyen@example.com.au", "+61412345678", "Olivia Nguyen", "Olivia Nguyen"), (c.Email, c.Phone, c.Name, c.AddressName));
        Assert.Equal(("2000", "AU", "New South Wales", "Sydney", "Level 3, 88 George Street", "Unit 12"), (c.PostalCode, c.Country, c.Region, c.City, c.AddressLine1, c.AddressLine2));
        Assert.True(Assert.Single(set.Customers.Values).ToProfile().Reachability.HasPostalAddress);
    }

    [Fact]
    public void An_address_is_one_group_from_one_order_never_pieced_from_two()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Shopify("jpy-presentment-usd.json"), Now);

        // A later order from the same customer with an address abroad and no address line 2.
        CustomerLedger.Apply(set, Shopify("jpy-presentment-usd.json", b =>
        {
            b["id"] = 6021448372515;
            foreach (var field in new[] { "created_at", "processed_at", "updated_at" })
            {
                b[field] = "2026-10-20T09:00:00+09:00";
            }

            b["billing_address"] = System.Text.Json.Nodes.JsonNode.Parse("""{"name":"Emily Carter","address1":"1 Market St","city":"San Francisco","province":"California","zip":"94105","country_code":"US","phone":null}""");
        }), Now);

        var c = Assert.Single(set.Customers.Values).Contact;
        Assert.Equal(("94105", "US", "California", "San Francisco", "1 Market St", (string?)null), (c.PostalCode, c.Country, c.Region, c.City, c.AddressLine1, c.AddressLine2));

        // The phone came with the first order only (the customer has none): it is kept.
        Assert.Equal("+819011112222", c.Phone);
        Assert.Null(Assert.Single(set.Customers.Values).ToProfile().Prefecture);
    }

    [Fact]
    public void A_japanese_shopify_address_gives_the_profile_its_prefecture()
    {
        var set = new IngestWorkingSet();
        CustomerLedger.Apply(set, Shopify("jpy-presentment-usd.json"), Now);

        Assert.Equal("東京都", Assert.Single(set.Customers.Values).ToProfile().Prefecture);
    }
}
