using System.Text;
using Kozuchi.Core.Checkouts;
using Kozuchi.Core.Common;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Core.Tests.Checkouts;

public sealed class CheckoutJsonTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    // A checkouts/create body (REST Checkout resource), trimmed to the fields Kozuchi reads and a few it ignores.
    private const string ShopifyCheckout = """
        {
          "id": 35938439069862, "token": "7b1e2f9c3d4a", "cart_token": "Z2NwLWFzaWEtbm9ydGhlYXN0MQ",
          "email": "Hanako.Sato@Example.jp", "phone": null, "buyer_accepts_marketing": true,
          "created_at": "2026-03-02T10:00:00+09:00", "updated_at": "2026-03-02T10:04:00+09:00", "completed_at": null,
          "currency": "JPY", "presentment_currency": "JPY", "total_price": "7700.00",
          "abandoned_checkout_url": "https://shop.example.jp/12345/checkouts/7b1e2f9c3d4a/recover?key=abc",
          "line_items": [
            { "title": "美容液", "variant_title": "30ml", "sku": "SERUM-30", "quantity": 2, "price": "3300.00" },
            { "title": "シートマスク", "variant_title": null, "sku": "MASK", "quantity": 1, "price": "1100.00" }
          ],
          "customer": { "id": 6012345678, "email": "hanako.sato@example.jp", "first_name": "花子", "last_name": "佐藤" }
        }
        """;

    [Fact]
    public void A_Shopify_checkout_reads_token_customer_lines_value_and_recovery_link()
    {
        var parsed = ShopifyCheckoutJson.Parse(Encoding.UTF8.GetBytes(ShopifyCheckout), Tokyo);

        var c = Assert.IsType<Checkout>(parsed.Checkout);
        Assert.Equal(new CheckoutKey("shopify", "7b1e2f9c3d4a"), c.Key);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero), c.CreatedAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 1, 4, 0, TimeSpan.Zero), c.UpdatedAt);
        Assert.Equal(["美容液 30ml", "シートマスク"], c.Lines.Select(l => l.ProductName));
        Assert.Equal([2, 1], c.Lines.Select(l => l.Quantity));
        Assert.Equal(7700m, c.Total);
        Assert.Equal("https://shop.example.jp/12345/checkouts/7b1e2f9c3d4a/recover?key=abc", c.RecoveryUrl);
        Assert.Null(c.CompletedAt);
        Assert.True(c.Contact.EmailOptIn);
        Assert.Equal("佐藤 花子", c.Contact.Name);
        Assert.Equal(
            [new IdentityKey(IdentityKind.CartCustomer, "shopify:6012345678"), new IdentityKey(IdentityKind.Email, "hanako.sato@example.jp")],
            c.IdentityKeys());
    }

    [Fact]
    public void A_completed_Shopify_checkout_says_so()
    {
        var body = ShopifyCheckout.Replace("\"completed_at\": null", "\"completed_at\": \"2026-03-02T10:05:00+09:00\"", StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 1, 5, 0, TimeSpan.Zero), ShopifyCheckoutJson.Parse(Encoding.UTF8.GetBytes(body), Tokyo).Checkout!.CompletedAt);
    }

    [Fact]
    public void A_guest_checkout_without_identifiers_is_read_and_has_no_identity()
    {
        const string body = """{ "token": "t1", "created_at": "2026-03-02T10:00:00+09:00", "total_price": "100", "customer": null }""";
        var c = ShopifyCheckoutJson.Parse(Encoding.UTF8.GetBytes(body), Tokyo).Checkout!;
        Assert.Empty(c.IdentityKeys());
        Assert.Equal(c.CreatedAt, c.UpdatedAt);
    }

    [Fact]
    public void A_Shopify_checkout_without_token_is_an_error_not_an_exception()
    {
        var parsed = ShopifyCheckoutJson.Parse("""{ "created_at": "2026-03-02T10:00:00+09:00" }"""u8, Tokyo);
        Assert.True(parsed.IsError);
        Assert.Contains("token", parsed.Error, StringComparison.Ordinal);
        Assert.True(ShopifyCheckoutJson.Parse("not json"u8, Tokyo).IsError);
    }

    /// <summary>The example of docs/INGEST.md, "Checkout event".</summary>
    private const string GenericCheckout = """
        {
          "event": "checkout",
          "source": "own",
          "cart_token": "c-20260302-0001",
          "created_at": "2026-03-02T10:00:00+09:00",
          "updated_at": "2026-03-02 10:04",
          "customer": { "ref": "M-1001", "email": "hanako.sato@example.jp", "email_opt_in": true },
          "lines": [ { "sku": "SERUM-30", "name": "美容液 30ml", "quantity": 2, "unit_price": 3300 } ],
          "total": "6,600",
          "recovery_url": "https://shop.example.jp/cart/restore?c=c-20260302-0001"
        }
        """;

    [Fact]
    public void The_generic_checkout_event_of_the_ingest_guide_is_read()
    {
        var body = Encoding.UTF8.GetBytes(GenericCheckout);
        Assert.True(KozuchiCheckoutJson.IsCheckout(body));

        var c = KozuchiCheckoutJson.Parse(body, Tokyo).Checkout!;

        Assert.Equal(new CheckoutKey("own", "c-20260302-0001"), c.Key);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 1, 4, 0, TimeSpan.Zero), c.UpdatedAt);
        Assert.Equal(6600m, c.Total);
        Assert.Equal("SERUM-30", Assert.Single(c.Lines).Sku);
        Assert.Equal("https://shop.example.jp/cart/restore?c=c-20260302-0001", c.RecoveryUrl);
        Assert.Contains(new IdentityKey(IdentityKind.CartCustomer, "own:M-1001"), c.IdentityKeys());
    }

    [Fact]
    public void An_order_body_is_not_a_checkout_and_a_bad_recovery_link_is_refused()
    {
        Assert.False(KozuchiCheckoutJson.IsCheckout("""{"source":"own","order_id":"1"}"""u8));
        Assert.False(KozuchiCheckoutJson.IsCheckout("{ broken"u8));

        var parsed = KozuchiCheckoutJson.Parse(Encoding.UTF8.GetBytes(GenericCheckout.Replace("https://shop.example.jp/cart/restore?c=c-20260302-0001", "javascript:alert(1)", StringComparison.Ordinal)), Tokyo);
        Assert.Equal("'recovery_url' must be an absolute http(s) URL.", parsed.Error);
        Assert.Equal("'cart_token' is required.", KozuchiCheckoutJson.Parse("""{"event":"checkout","source":"own","created_at":"2026-03-02T10:00:00Z"}"""u8, Tokyo).Error);
    }
}

public sealed class AbandonmentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static Checkout Cart(DateTimeOffset? updated = null, DateTimeOffset? completed = null) =>
        new() { Key = new("shopify", "t"), CreatedAt = T0, UpdatedAt = updated ?? T0, CompletedAt = completed };

    [Fact]
    public void A_linked_checkout_without_an_order_is_abandoned_once_the_delay_has_passed_since_its_last_update()
    {
        Assert.Equal(AbandonmentVerdict.NotYetDue, Abandonment.Check(Cart(), Hour, T0.AddMinutes(59), linked: true, null));
        Assert.Equal(AbandonmentVerdict.Abandoned, Abandonment.Check(Cart(), Hour, T0.AddHours(1), linked: true, null));
        Assert.Equal(AbandonmentVerdict.NotYetDue, Abandonment.Check(Cart(updated: T0.AddMinutes(30)), Hour, T0.AddHours(1), linked: true, null));
    }

    [Fact]
    public void An_order_since_the_checkout_began_or_a_completion_means_not_abandoned()
    {
        Assert.Equal(AbandonmentVerdict.Ordered, Abandonment.Check(Cart(), Hour, T0.AddHours(2), linked: true, T0.AddMinutes(10)));
        Assert.Equal(AbandonmentVerdict.Abandoned, Abandonment.Check(Cart(), Hour, T0.AddHours(2), linked: true, T0.AddDays(-30)));
        Assert.Equal(AbandonmentVerdict.Completed, Abandonment.Check(Cart(completed: T0.AddMinutes(5)), Hour, T0.AddHours(2), linked: true, null));
        Assert.Equal(AbandonmentVerdict.Anonymous, Abandonment.Check(Cart(), Hour, T0.AddHours(2), linked: false, null));
    }
}

public sealed class CartAbandonedTriggerTests
{
    private static (ScenarioDefinition? Definition, IReadOnlyList<ValidationError> Errors) Parse(string trigger) =>
        ScenarioJson.Parse($$"""{"id":"c","version":1,"trigger":{{trigger}},"steps":[{"type":"send","id":"s","channels":["email"],"template":"cart"}]}""");

    [Fact]
    public void The_delay_defaults_to_one_hour_and_round_trips()
    {
        var (definition, errors) = Parse("""{"type":"cartAbandoned"}""");
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromHours(1), Assert.IsType<CartAbandonedTrigger>(definition!.Trigger).EffectiveDelay);

        var (custom, _) = Parse("""{"type":"cartAbandoned","delay":{"minutes":30}}""");
        Assert.Equal(TimeSpan.FromMinutes(30), ((CartAbandonedTrigger)ScenarioJson.Parse(ScenarioJson.Write(custom!)).Definition!.Trigger!).EffectiveDelay);
    }

    [Theory]
    [InlineData("""{"type":"cartAbandoned","delay":{"minutes":0}}""")]
    [InlineData("""{"type":"cartAbandoned","delay":{"days":8}}""")]
    public void A_delay_that_is_not_positive_or_beyond_a_week_names_the_field(string trigger)
    {
        var (definition, errors) = Parse(trigger);
        Assert.Null(definition);
        var e = Assert.Single(errors);
        Assert.Equal(("trigger", "delay"), (e.NodeId, e.Field));
    }
}
