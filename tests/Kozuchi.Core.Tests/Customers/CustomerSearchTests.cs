using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Tests.Customers;

public sealed class CustomerSearchTests
{
    [Theory]
    [InlineData(" ＴＡＲＯ＠Example.JP ", "taro@example.jp")]
    [InlineData("taro@example.jp", "taro@example.jp")]
    public void An_email_is_normalised_as_identity_resolution_normalises_it_and_is_nothing_else(string text, string email)
    {
        var terms = CustomerSearch.Parse(text);
        Assert.Equal(new IdentityKey(IdentityKind.Email, email), terms.Email);
        Assert.Equal(terms with { Email = null }, CustomerSearch.Parse(null));
    }

    [Theory]
    [InlineData("090-1234-5678")]
    [InlineData("０９０ー１２３４ー５６７８")]
    [InlineData("+81 90 1234 5678")]
    public void A_phone_number_in_any_width_or_form_is_the_e164_identity_and_not_a_name(string text)
    {
        var terms = CustomerSearch.Parse(text);
        Assert.Equal(new IdentityKey(IdentityKind.Phone, "+819012345678"), terms.Phone);
        Assert.Null(terms.NamePrefix);
    }

    [Fact]
    public void Digits_alone_are_tried_as_a_phone_and_as_an_order_id()
    {
        var terms = CustomerSearch.Parse("09012345678");
        Assert.Equal("+819012345678", terms.Phone?.Value);
        Assert.Equal("09012345678", terms.OrderId);

        var shortNumber = CustomerSearch.Parse("#1001");
        Assert.Null(shortNumber.Phone);
        Assert.Equal("1001", shortNumber.OrderId);
        Assert.Null(shortNumber.NamePrefix);
    }

    [Fact]
    public void A_source_and_id_is_one_order_and_one_cart_customer()
    {
        var terms = CustomerSearch.Parse("shopify:450789469");
        Assert.Equal(new OrderKey("shopify", "450789469"), terms.Order);
        Assert.Equal(new IdentityKey(IdentityKind.CartCustomer, "shopify:450789469"), terms.CartCustomer);
        Assert.Null(terms.OrderId);
    }

    [Fact]
    public void A_customer_id_is_looked_up_directly()
    {
        var terms = CustomerSearch.Parse("cE18F70DB72BB2255A98F");
        Assert.Equal("ce18f70db72bb2255a98f", terms.CustomerId);
        Assert.Null(terms.NamePrefix);
    }

    [Theory]
    [InlineData("山田 太郎", "山田太郎")]
    [InlineData("ヤマダ", "やまだ")]
    [InlineData("ﾔﾏﾀﾞ", "やまだ")]
    [InlineData("Tanaka", "tanaka")]
    public void A_name_or_kana_is_a_prefix_without_spaces_in_hiragana_and_lower_case(string text, string prefix) =>
        Assert.Equal(prefix, CustomerSearch.Parse(text).NamePrefix);

    [Fact]
    public void The_tokens_of_a_contact_are_its_whole_name_and_each_word_in_both_spellings()
    {
        var tokens = CustomerSearch.NameTokens(new CustomerContact { Name = "山田　太郎", NameKana = "ヤマダ タロウ" });

        Assert.Equal(
            [(SearchMatch.Name, "太郎"), (SearchMatch.Name, "山田"), (SearchMatch.Name, "山田太郎"), (SearchMatch.Kana, "たろう"), (SearchMatch.Kana, "やまだ"), (SearchMatch.Kana, "やまだたろう")],
            tokens.OrderBy(t => t.Kind).ThenBy(t => t.Token, StringComparer.Ordinal));
        Assert.Empty(CustomerSearch.NameTokens(new CustomerContact()));
    }

    [Fact]
    public void A_name_matches_by_any_token_prefix_and_prefers_the_name_over_the_kana()
    {
        var contact = new CustomerContact { Name = "山田 太郎", NameKana = "ヤマダ タロウ" };
        Assert.Equal(SearchMatch.Name, CustomerSearch.MatchName(contact, "太"));
        Assert.Equal(SearchMatch.Kana, CustomerSearch.MatchName(contact, "やまだた"));
        Assert.Null(CustomerSearch.MatchName(contact, "たなか"));
    }
}
