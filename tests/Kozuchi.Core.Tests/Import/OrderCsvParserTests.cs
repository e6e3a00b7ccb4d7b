using System.Text;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Tests.Import;

public sealed class OrderCsvParserTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private const string Header = "order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n";

    private static (List<Order> Orders, List<ImportRowError> Errors, ImportSummary Summary) Parse(string csv, CsvMapping? mapping = null, int chunk = 2000)
    {
        var parser = new OrderCsvParser(mapping ?? CsvMapping.Kozuchi, Tokyo);
        var chunks = parser.Parse(new StringReader(csv), chunk).ToList();
        return ([.. chunks.SelectMany(c => c.Orders)], [.. chunks.SelectMany(c => c.Errors)], parser.Summary);
    }

    private static string EmbeddedMapping(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "mappings", name + ".json"), Encoding.UTF8);

    [Fact]
    public void Rows_of_one_order_become_one_order_with_its_lines_and_defaults()
    {
        var (orders, errors, summary) = Parse(Header
            + "1001,2026/10/01 10:00,c1,taro@example.jp,,山田 太郎,150-0001,東京都渋谷区,A,美容液,2,\"1,980\",\"¥4,460\",,,\r\n"
            + "1001,2026/10/01 10:00,c1,taro@example.jp,,山田 太郎,150-0001,東京都渋谷区,B,送料,1,500,\"¥4,460\",,,\r\n");

        Assert.Empty(errors);
        var order = Assert.Single(orders);
        Assert.Equal(new OrderKey("csv", "1001"), order.Key);
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 10, 0, 0, TimeSpan.FromHours(9)), order.OrderedAt);
        Assert.Equal((4460m, "JPY", OrderStatus.Paid), (order.Total, order.Currency, order.Status));
        Assert.Equal([("A", 2, 1980m), ("B", 1, 500m)], order.Lines.Select(l => (l.Sku!, l.Quantity, l.UnitPrice)));
        Assert.Equal((2, 1, 0), (summary.RowsRead, summary.OrdersAccepted, summary.OrdersRejected));
    }

    [Theory]
    [InlineData("1,,c1,,,,,,A,a,1,100,100,,,", "ordered_at")]
    [InlineData("1,2026-10-01,c1,,,,,,A,a,1,100,,,,", "order_total")]
    [InlineData("1,2026-10-01,,,,,,,A,a,1,100,100,,,", "customer_ref")]
    [InlineData("1,2026-10-01,c1,,,,,,A,a,1,100,百円,,,", "order_total")]
    [InlineData("1,2026-13-45,c1,,,,,,A,a,1,100,100,,,", "ordered_at")]
    [InlineData("1,2026-10-01,c1,,,,,,A,a,-1,100,100,,,", "quantity")]
    [InlineData("1,2026-10-01,c1,,,,,,A,a,1,100,100,JPYEN,,", "currency")]
    [InlineData("1,2026-10-01,c1,,,,,,A,a,1,100,100,,shipped-ish,", "status")]
    [InlineData(",2026-10-01,c1,,,,,,A,a,1,100,100,,,", "order_id")]
    public void A_bad_row_is_reported_with_line_column_and_the_raw_text(string row, string column)
    {
        var (orders, errors, summary) = Parse(Header + row + "\r\n" + "2,2026-10-02,c2,,,,,,A,a,1,100,100,,,\r\n");

        Assert.Equal("2", Assert.Single(orders).Key.OrderId);
        var error = Assert.Single(errors);
        Assert.Equal((2, column, row), (error.Line, error.Column, error.Raw));
        Assert.Equal((1, 1), (summary.OrdersRejected, summary.RowsRejected));
    }

    [Fact]
    public void An_order_with_one_bad_row_is_rejected_whole_and_every_row_is_reported()
    {
        var (orders, errors, _) = Parse(Header
            + "1,2026-10-01,c1,,,,,,A,a,1,100,300,,,\r\n"
            + "1,2026-10-01,c1,,,,,,B,b,x,100,300,,,\r\n"
            + "1,2026-10-01,c1,,,,,,C,c,1,100,300,,,\r\n");

        Assert.Empty(orders);
        Assert.Equal([2, 3, 4], errors.Select(e => e.Line));
        Assert.Contains("line 3", errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_of_an_order_that_disagree_on_order_columns_are_refused()
    {
        var (orders, errors, _) = Parse(Header + "1,2026-10-01,c1,,,,,,A,a,1,100,300,,,\r\n1,2026-10-01,c1,,,,,,B,b,1,200,999,,,\r\n");
        Assert.Empty(orders);
        Assert.Contains(errors, e => e is { Line: 3, Column: "order_total" });
    }

    [Fact]
    public void An_order_whose_rows_are_split_apart_is_refused_rather_than_silently_merged()
    {
        var (orders, errors, _) = Parse(Header + "1,2026-10-01,c1,,,,,,A,a,1,100,100,,,\r\n2,2026-10-01,c2,,,,,,A,a,1,100,100,,,\r\n1,2026-10-01,c1,,,,,,B,b,1,100,100,,,\r\n");
        Assert.Equal(["1", "2"], orders.Select(o => o.Key.OrderId));
        Assert.Contains("line 2", Assert.Single(errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_fields_may_hold_commas_quotes_and_line_breaks()
    {
        var (orders, errors, _) = Parse(Header + "1,2026-10-01,c1,,,,,\"東京都渋谷区\n神宮前 \"\"A\"\" 棟, 3F\",A,\"セット, 4本\",1,100,100,,,\r\n");
        Assert.Empty(errors);
        var order = Assert.Single(orders);
        Assert.Equal("東京都渋谷区\n神宮前 \"A\" 棟, 3F", order.Contact.Address);
        Assert.Equal("セット, 4本", order.Lines[0].ProductName);
    }

    [Fact]
    public void Empty_file_and_missing_required_header_are_clear_errors()
    {
        Assert.Contains("empty", Assert.Single(Parse(string.Empty).Errors).Reason, StringComparison.Ordinal);
        Assert.Contains("order_total", Assert.Single(Parse("order_id,ordered_at\r\n1,2026-10-01\r\n").Errors).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("utf-8-bom")]
    [InlineData("utf-8")]
    [InlineData("shift_jis")]
    public void Utf8_with_or_without_bom_and_shift_jis_are_detected(string encoding)
    {
        var csv = Header + "1,2026-10-01,c1,,,髙橋 花子,,北海道札幌市,A,ギフトセット①,1,100,100,,,\r\n";
        var bytes = encoding switch
        {
            "utf-8-bom" => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv)],
            "utf-8" => Encoding.UTF8.GetBytes(csv),
            _ => CsvEncoding.ShiftJis.GetBytes(csv),
        };

        using var reader = CsvEncoding.Open(new MemoryStream(bytes), null);
        var order = Assert.Single(new OrderCsvParser(CsvMapping.Kozuchi, Tokyo).Parse(reader).SelectMany(c => c.Orders));
        Assert.Equal("髙橋 花子", order.Contact.Name);
        Assert.Equal("ギフトセット①", order.Lines[0].ProductName);
    }

    [Fact]
    public void A_yen_amount_from_japanese_excel_saved_as_shift_jis_reads_as_yen()
    {
        // Excel (Japanese) writes the ¥ of a currency-formatted cell as the byte 0x5C, which is ¥ in Shift_JIS.
        var bytes = CsvEncoding.ShiftJis.GetBytes(Header + "1,2026-10-01,c1,,,髙橋 花子,,,A,美容液,1,\"\\3,960\",\"\\3,960\",,,\r\n");
        Assert.Equal(2, bytes.Count(b => b == 0x5C));
        using var reader = CsvEncoding.Open(new MemoryStream(bytes), null);
        var order = Assert.Single(new OrderCsvParser(CsvMapping.Kozuchi, Tokyo).Parse(reader).SelectMany(c => c.Orders));

        Assert.Equal((3960m, "JPY", 3960m), (order.Total, order.Currency, order.Lines[0].UnitPrice));
        Assert.Equal("￥3,960", order.Total.ToString("C0", System.Globalization.CultureInfo.GetCultureInfo("ja-JP")));
    }

    [Fact]
    public void Written_orders_read_back_the_same_in_chunks()
    {
        var orders = Enumerable.Range(1, 25).Select(i => new Order
        {
            Key = new OrderKey(i % 2 == 0 ? "csv" : "shop", "o" + i),
            OrderedAt = new DateTimeOffset(2026, 1, 1 + (i % 28), 9, i, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 1, 1 + (i % 28), 9, i, 0, TimeSpan.FromHours(9)),
            CartCustomerId = "c" + (i % 7),
            Contact = new OrderContact { Email = $"u{i}@example.jp", Name = "名前, \"引用\"", Address = "住所\n二行目" },
            Lines = [.. Enumerable.Range(1, 1 + (i % 3)).Select(l => new OrderLine { Sku = "S" + l, ProductName = "商品" + l, Quantity = l, UnitPrice = 100m * l })],
            Total = 1000m + i,
            Status = (OrderStatus)(i % 5),
        }).ToList();
        var writer = new StringWriter();
        OrderCsvWriter.WriteHeader(writer);
        orders.ForEach(o => OrderCsvWriter.Write(writer, o));

        var (read, errors, _) = Parse(writer.ToString(), chunk: 4);

        Assert.Empty(errors);
        Assert.Equal(orders.Count, read.Count);
        foreach (var (a, b) in orders.Zip(read))
        {
            Assert.Equal((a.Key, a.OrderedAt, a.Total, a.Status, a.CartCustomerId, a.Contact.Address), (b.Key, b.OrderedAt, b.Total, b.Status, b.CartCustomerId, b.Contact.Address));
            Assert.Equal(a.Lines.Select(l => (l.Sku, l.Quantity, l.UnitPrice)), b.Lines.Select(l => (l.Sku, l.Quantity, l.UnitPrice)));
        }
    }

    [Fact]
    public void Shopify_export_mapping_reads_orders_whose_later_rows_are_blank()
    {
        var mapping = CsvMapping.Parse(EmbeddedMapping("shopify"));
        const string csv = "Name,Email,Financial Status,Paid at,Accepts Marketing,Currency,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Address1,Billing Address2,Billing City,Billing Zip,Billing Province,Billing Phone,Cancelled at,Refunded Amount\r\n"
            + "#1001,hanako@example.jp,paid,2026-10-01 10:00:00 +0900,yes,JPY,5980,2026-10-01 09:59:00 +0900,1,美容液,4980,SERUM,佐藤 花子,神宮前1-2-3,,渋谷区,150-0001,東京都,090-1111-2222,,0\r\n"
            + "#1001,,,,,,,,1,送料,1000,SHIP,,,,,,,,,\r\n"
            + "#1002,jiro@example.jp,voided,,no,JPY,3000,2026-10-02 11:00:00 +0900,1,お試し,3000,TRIAL,鈴木 次郎,,,,,,,2026-10-02 12:00:00 +0900,\r\n";

        var (orders, errors, _) = Parse(csv, mapping);

        Assert.Empty(errors);
        Assert.Equal(2, orders.Count);
        Assert.Equal(new OrderKey("shopify", "#1001"), orders[0].Key);
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 9, 59, 0, TimeSpan.FromHours(9)), orders[0].OrderedAt);
        Assert.Equal(2, orders[0].Lines.Count);
        Assert.Equal(("東京都渋谷区神宮前1-2-3", true), (orders[0].Contact.Address, orders[0].Contact.EmailOptIn));
        Assert.Equal(OrderStatus.Cancelled, orders[1].Status);
    }

    [Fact]
    public void EcCube4_mapping_reads_a_shift_jis_export()
    {
        var mapping = CsvMapping.Parse(EmbeddedMapping("eccube4"));
        const string csv = "注文ID,会員ID,お名前(姓),お名前(名),郵便番号1,郵便番号2,都道府県(名称),住所1,住所2,メールアドレス,TEL1,TEL2,TEL3,支払合計,対応状況(名称),受注日,商品名,商品コード,価格,個数\r\n"
            + "15,8,田中,一郎,530,0001,大阪府,大阪市北区梅田,1-1,ichiro@example.jp,06,1234,5678,7200,発送済み,2026-09-30 21:15:00,定期便 4本,SUB-4,7200,1\r\n";
        using var reader = CsvEncoding.Open(new MemoryStream(CsvEncoding.ShiftJis.GetBytes(csv)), CsvEncoding.Named("shift_jis"));

        var order = Assert.Single(new OrderCsvParser(mapping, Tokyo).Parse(reader).SelectMany(c => c.Orders));

        Assert.Equal(new OrderKey("eccube", "15"), order.Key);
        Assert.Equal(("田中 一郎", "5300001", "06-1234-5678", "8"), (order.Contact.Name, order.Contact.PostalCode, order.Contact.Phone, order.CartCustomerId));
        Assert.Equal((7200m, OrderStatus.Paid), (order.Total, order.Status));
    }

    [Fact]
    public void A_mapping_must_map_the_required_columns_and_only_known_ones()
    {
        Assert.Throws<FormatException>(() => CsvMapping.Parse("""{"schemaVersion":1,"name":"x","columns":{"order_id":"A","ordered_at":"B"}}"""));
        Assert.Throws<FormatException>(() => CsvMapping.Parse("""{"schemaVersion":1,"name":"x","columns":{"order_id":"A","ordered_at":"B","order_total":"C","colour":"D"}}"""));
    }
}
