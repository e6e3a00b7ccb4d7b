using System.Text;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Postal;

namespace Kozuchi.Channels.Tests.Postal;

public sealed class DmListTests
{
    [Theory]
    [InlineData("東京都渋谷区神宮前1丁目2-3 コーポ青山 101号室", "東京都", "渋谷区", "神宮前1丁目2-3", "コーポ青山 101号室")]
    [InlineData("大阪府大阪市北区梅田2丁目4-9", "大阪府", "大阪市北区", "梅田2丁目4-9", null)]
    [InlineData("北海道虻田郡倶知安町北1条西2丁目", "北海道", "虻田郡倶知安町", "北1条西2丁目", null)]
    [InlineData("新潟県十日町市本町1-1", "新潟県", "十日町市", "本町1-1", null)]
    public void An_address_splits_into_the_vendors_columns(string address, string prefecture, string city, string line1, string? building)
    {
        var r = DmList.From("c1", "1500001", address, "佐藤 花子", "A")!;

        Assert.Equal(("150-0001", prefecture, city, line1, building), (r.PostalCode, r.Prefecture, r.City, r.AddressLine1, r.Building));
    }

    [Theory]
    [InlineData(null, "東京都渋谷区神宮前1-2-3", "佐藤 花子")]
    [InlineData("150-0001", "渋谷区神宮前1-2-3", "佐藤 花子")]
    [InlineData("150-0001", "東京都渋谷区神宮前1-2-3", " ")]
    public void A_piece_that_could_not_be_delivered_is_left_out(string? postal, string address, string name) =>
        Assert.Null(DmList.From("c1", postal, address, name, "A"));

    [Fact]
    public async Task The_list_carries_postal_mark_honorific_and_variant_in_shift_jis()
    {
        var rows = new[]
        {
            DmList.From("c1", "150-0001", "東京都渋谷区神宮前1丁目2-3 コーポ青山 101号室", "佐藤 花子", "A")! with { LastProduct = "こづち 薬用ローション 150mL", Copy = "佐藤 花子 様\nご無沙汰しております。" },
            DmList.From("c2", "530-0001", "大阪府大阪市北区梅田2丁目4-9", "髙橋 😀", "B")!,
        };
        using var stream = new MemoryStream();

        var pieces = await DmList.WriteAsync(stream, rows, ListEncoding.ShiftJis, TestContext.Current.CancellationToken);

        Assert.Equal(2, pieces);
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var text = Encoding.GetEncoding(932).GetString(stream.ToArray());
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("顧客ID,郵便番号,都道府県,市区町村,住所1,住所2,建物名,宛名,バリアント,前回購入商品,文面", lines[0]);
        Assert.Equal("c1,〒150-0001,東京都,渋谷区,神宮前1丁目2-3,,コーポ青山 101号室,佐藤 花子 様,A,こづち 薬用ローション 150mL,\"佐藤 花子 様\nご無沙汰しております。\"", lines[1]);
        // 髙 is in CP932; an emoji is not and becomes the geta mark instead of failing the file.
        Assert.Equal("c2,〒530-0001,大阪府,大阪市北区,梅田2丁目4-9,,,髙橋 〓〓 様,B,,", lines[2]);
    }

    [Fact]
    public async Task Utf8_lists_start_with_a_bom_so_spreadsheets_read_them_as_utf8()
    {
        using var stream = new MemoryStream();
        await DmList.WriteAsync(stream, [DmList.From("c1", "150-0001", "東京都渋谷区神宮前1-2-3", "=cmd", "A")!], ListEncoding.Utf8, TestContext.Current.CancellationToken);

        var bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Contains(",'=cmd 様,", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void The_cost_is_pieces_times_the_unit_price() =>
        Assert.Equal(new DmListSummary(1200, 3, 84m, 100_800m, "JPY"), DmList.Cost(1200, 3, 84m));
}
