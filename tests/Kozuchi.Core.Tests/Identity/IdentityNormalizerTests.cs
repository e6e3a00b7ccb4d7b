using Kozuchi.Core.Identity;

namespace Kozuchi.Core.Tests.Identity;

public sealed class IdentityNormalizerTests
{
    [Theory]
    [InlineData("Taro@Example.JP", "taro@example.jp")]
    [InlineData(" ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ ", "taro@example.jp")]
    [InlineData("taro @ example.jp", "taro@example.jp")]
    [InlineData("taro@example.jp.", "taro@example.jp")]
    public void Email_is_width_case_and_space_insensitive(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Email(raw));

    [Theory]
    [InlineData("")]
    [InlineData("taro")]
    [InlineData("@example.jp")]
    [InlineData("taro@localhost")]
    [InlineData("a@b@example.jp")]
    [InlineData("taro@")]
    public void Email_that_is_not_an_address_gives_none(string raw) => Assert.Null(IdentityNormalizer.Email(raw));

    [Theory]
    [InlineData("090-1234-5678", "+819012345678")]
    [InlineData("０９０－１２３４－５６７８", "+819012345678")]
    [InlineData("09012345678", "+819012345678")]
    [InlineData("+81 90 1234 5678", "+819012345678")]
    [InlineData("+81-(0)90-1234-5678", "+819012345678")]
    [InlineData("81-90-1234-5678", "+819012345678")]
    [InlineData("(03)1234-5678", "+81312345678")]
    [InlineData("03-1234-5678 内線12", "+81312345678")]
    [InlineData("0120-123-456", "+81120123456")]
    [InlineData("+1 415 555 0100", "+14155550100")]
    public void Japanese_phone_numbers_become_e164(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Phone(raw));

    [Theory]
    [InlineData("090ー1234ー5678", "+819012345678")]
    [InlineData("０９０ー１２３４ー５６７８", "+819012345678")]
    [InlineData("090ｰ1234ｰ5678", "+819012345678")]
    [InlineData("03ー1234ー5678", "+81312345678")]
    public void Long_vowel_mark_typed_for_a_hyphen_separates_digits(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Phone(raw));

    [Theory]
    [InlineData("9012345678", "+819012345678")]
    [InlineData("312345678", "+81312345678")]
    [InlineData("８０１２３４５６７８", "+818012345678")]
    public void Phone_that_lost_its_trunk_zero_in_a_spreadsheet_is_still_japanese(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Phone(raw));

    [Theory]
    [InlineData("1234")]
    [InlineData("12345678")]
    [InlineData("12345678901")]
    [InlineData("090-1234-56789012")]
    [InlineData("none")]
    public void Phone_that_is_not_a_number_gives_none(string raw) => Assert.Null(IdentityNormalizer.Phone(raw));

    [Theory]
    [InlineData("山田　太郎", "山田太郎")]
    [InlineData(" 山田 太郎 ", "山田太郎")]
    [InlineData("ヤマダ タロウ", "やまだたろう")]
    [InlineData("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだたろう")]
    [InlineData("YAMADA Taro", "yamadataro")]
    public void Names_compare_without_spacing_width_or_kana_variant(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Name(raw));

    [Theory]
    [InlineData("〒150-0001", "150-0001")]
    [InlineData("１５００００１", "150-0001")]
    [InlineData("1500001", "150-0001")]
    public void Postal_codes_get_the_hyphenated_form(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.PostalCode(raw));

    [Fact]
    public void Postal_code_without_seven_digits_gives_none() => Assert.Null(IdentityNormalizer.PostalCode("150-00"));

    [Theory]
    [InlineData("東京都渋谷区神宮前1-2-3", "東京都", "渋谷区神宮前1-2-3")]
    [InlineData("北海道札幌市中央区", "北海道", "札幌市中央区")]
    [InlineData("京都府京都市", "京都府", "京都市")]
    [InlineData("渋谷区神宮前", null, "渋谷区神宮前")]
    public void Address_splits_off_its_prefecture(string raw, string? prefecture, string rest)
    {
        var (p, r) = IdentityNormalizer.SplitPrefecture(raw);
        Assert.Equal(prefecture, p);
        Assert.Equal(rest, r);
    }

    [Fact]
    public void There_are_forty_seven_prefectures() =>
        Assert.Equal(47, IdentityNormalizer.AllPrefectures.Distinct().Count());

    [Theory]
    [InlineData(IdentityKind.Email, "taro@example.jp", "t***@example.jp")]
    [InlineData(IdentityKind.Phone, "+819012345678", "+81******5678")]
    public void Masked_identifiers_do_not_disclose_the_value(IdentityKind kind, string value, string masked) =>
        Assert.Equal(masked, new IdentityKey(kind, value).Masked());

    [Fact]
    public void Identity_key_round_trips_through_text()
    {
        var key = new IdentityKey(IdentityKind.CartCustomer, "shopify:123:4");
        Assert.Equal(key, IdentityKey.Parse(key.ToString()));
    }
}

public sealed class AddressAndCountryNormalizerTests
{
    [Theory]
    [InlineData("(312) 345-6789", "US", "+13123456789")]
    [InlineData("1-312-345-6789", "US", "+13123456789")]
    [InlineData("0412 345 678", "AU", "+61412345678")]
    [InlineData("02 9999 9999", "au", "+61299999999")]
    [InlineData("020 7946 0958", "GB", "+442079460958")]
    [InlineData("+61 412 345 678", "US", "+61412345678")]
    [InlineData("090-1234-5678", "JP", "+819012345678")]
    [InlineData("090-1234-5678", "Japan", "+819012345678")]
    public void A_phone_without_a_country_code_is_read_in_its_addresss_country(string raw, string country, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Phone(raw, country));

    [Theory]
    [InlineData("555-555-SHIP", "US")]
    [InlineData("12345", "AU")]
    [InlineData("0412 345 678", "ZZ")]
    public void A_phone_that_cannot_be_a_number_of_its_country_gives_none(string raw, string country) =>
        Assert.Null(IdentityNormalizer.Phone(raw, country));

    [Theory]
    [InlineData("2000", "AU", "2000")]
    [InlineData("sw1a 1aa", "GB", "SW1A 1AA")]
    [InlineData("1500001", "JP", "150-0001")]
    [InlineData("1500001", null, "150-0001")]
    public void A_postal_code_is_kept_in_its_countrys_form(string raw, string? country, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.PostalCode(raw, country));

    [Theory]
    [InlineData("JP-13", "東京都")]
    [InlineData("13", "東京都")]
    [InlineData("Tōkyō", "東京都")]
    [InlineData("Tokyo-to", "東京都")]
    [InlineData("Osaka-fu", "大阪府")]
    [InlineData("Hokkaido", "北海道")]
    [InlineData("京都", "京都府")]
    [InlineData("沖縄県", "沖縄県")]
    public void A_prefecture_is_recognised_in_every_form_carts_write(string raw, string expected) =>
        Assert.Equal(expected, IdentityNormalizer.Prefecture(raw));

    [Theory]
    [InlineData("California")]
    [InlineData("48")]
    public void Something_else_is_no_prefecture(string raw) => Assert.Null(IdentityNormalizer.Prefecture(raw));
}
